"""A person disabled in identity loses access here as soon as the announcement arrives, with the
access token they still hold; enabled again, they are back."""

from __future__ import annotations

from flask import Flask

from services.common.consumer import handle_message
from services.common.events import Event

from .helpers import PDF, add_document


def announce_status(app: Flask, user_id: str, status: str, version: int) -> None:
    """`identity.user.updated` as identity publishes it, through the consumer's entry point."""
    data = {
        "id": user_id,
        "email": "rita@acme.example",
        "name": "Rita",
        "locale": "en",
        "kind": "portal",
        "role": None,
        "status": status,
        "version": version,
    }
    event = Event("identity.user.updated", data, subject=user_id, source="/identity")
    assert handle_message(app, event.to_json().encode(), 0).action == "ack"


def test_a_disabled_portal_user_can_no_longer_download(app, client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    document = add_document(client, staff, matter.id)
    portal = matter.portal_headers(requester)  # issued before the account is disabled
    download = f"/api/v1/portal/documents/{document['id']}/download"
    assert client.get(download, headers=portal).data == PDF

    announce_status(app, requester, "disabled", version=2)
    refused = client.get(download, headers=portal)
    assert refused.status_code == 401
    assert refused.content_type == "application/problem+json"
    assert refused.json["code"] == "ACCOUNT_DISABLED"
    assert "disabled" in refused.json["detail"]

    announce_status(app, requester, "active", version=1)  # an older change arriving late
    assert client.get(download, headers=portal).status_code == 401

    announce_status(app, requester, "active", version=3)
    assert client.get(download, headers=portal).data == PDF
