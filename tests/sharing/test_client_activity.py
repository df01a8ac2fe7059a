"""A client's upload, announced by documents, is re-announced to the staff who follow the
matter (its notification recipients, by default its owner)."""

from __future__ import annotations

import uuid

from services.common.events import Event

from .world import World


def uploaded(matter_id: str, uploader_id: str, replaces: dict | None = None) -> Event:
    return Event(
        "documents.document.uploaded_by_client",
        {
            "document_id": str(uuid.uuid4()),
            "matter_id": matter_id,
            "version_id": str(uuid.uuid4()),
            "name": "Signed lease.pdf",
            "size": 1234,
            "content_type": "application/pdf",
            "uploaded_by": {"user_id": uploader_id, "email": "ignored@example.com"},
            "replaces": replaces,
        },
        source="/documents",
    )


def test_a_client_upload_is_told_to_the_matters_owner_once(world: World):
    acme = world.company("Acme Industries")
    rita = world.client("Rita", acme)
    owner = world.staff("Olivia")
    mid = world.new_matter(acme, owner)["id"]
    world.show(mid, rita)
    event = uploaded(mid, rita.id, {"id": "d1", "name": "Lease.pdf"})

    world.deliver(event)
    world.deliver(event)  # redelivered: nothing more

    (activity,) = world.outbox(mid, "sharing.client_activity")
    data = activity["data"]
    assert data["activity"] == "document_uploaded"
    assert data["client"]["email"] == rita.email  # from sharing's replica, not the event
    assert data["document"]["name"] == "Signed lease.pdf"
    assert data["replaces"] == {"id": "d1", "name": "Lease.pdf"}
    assert [p["user_id"] for p in data["notify"]] == [owner.id]
    assert data["matter"]["id"] == mid


def test_an_upload_on_a_matter_sharing_does_not_know_is_ignored(world: World):
    rita = world.client("Rita", world.company("Acme"))
    unknown = str(uuid.uuid4())
    world.deliver(uploaded(unknown, rita.id))  # acknowledged, not retried forever
    assert world.outbox(unknown) == []
