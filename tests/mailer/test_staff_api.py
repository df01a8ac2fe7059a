"""The staff's e-mail log: list, filter, page, look one up, resend; staff tokens only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.common.consumer import handle_message
from services.common.events import Event
from services.common.testing import TokenMinter
from services.mailer.models import Email, db

from .conftest import LATER, body, emails, invitation_event, outbox


def _log(app, count: int, **fields) -> list[str]:
    """Write `count` log rows directly, one minute apart (oldest first); return their ids."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    ids = []
    with app.app_context():
        for n in range(count):
            row = Email(
                id=str(uuid.uuid4()),
                event_id=str(uuid.uuid4()),
                event_type=fields.get("event_type", "identity.invitation.sent"),
                recipient_email=fields.get("recipient_email", f"person{n}@example.com"),
                recipient_name="Someone",
                locale="en",
                template="invitation",
                subject="Your firm invites you to its client portal",
                status=fields.get("status", "sent"),
                message_id=f"<{n}@portal.local>",
                error=None,
                resend_count=0,
                event_data={},
                created_at=start + timedelta(minutes=n),
            )
            db.session.add(row)
            ids.append(row.id)
        db.session.commit()
    return ids


def test_staff_see_the_log_newest_first_one_page_at_a_time(app, client, minter):
    ids = _log(app, 5)

    response = client.get("/api/v1/emails?page=2&page_size=2", headers=minter.headers())

    assert response.status_code == 200
    page = response.get_json()
    assert (page["page"], page["page_size"], page["total"]) == (2, 2, 5)
    assert [item["id"] for item in page["items"]] == [ids[2], ids[1]]
    assert "event_data" not in page["items"][0]  # it can hold one-time links


def test_staff_filter_the_log_by_recipient_status_and_event_type(app, client, minter):
    _log(app, 2)
    (failed,) = _log(app, 1, status="failed", recipient_email="zoe@example.com")
    (other,) = _log(app, 1, event_type="sharing.matter.published")
    headers = minter.headers()

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/v1/emails?{query}", headers=headers)
        assert response.status_code == 200
        return [item["id"] for item in response.get_json()["items"]]

    assert ids("status=failed") == [failed]
    assert ids("recipient=ZOE@example") == [failed]
    assert ids("event_type=sharing.matter.published") == [other]
    assert len(ids("event_type=identity.invitation.sent&status=sent")) == 2


@pytest.mark.parametrize(
    "query", ["page_size=201", "page=0", "status=lost", "recipient=a%00b", "event_type=%00"]
)
def test_a_bad_query_is_a_problem_saying_which_field(client, minter, query):
    response = client.get(f"/api/v1/emails?{query}", headers=minter.headers())

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert query.split("=")[0] in response.get_json()["errors"]


def test_staff_look_up_one_email_and_an_unknown_id_is_a_404_problem(app, client, minter):
    (email_id,) = _log(app, 1)

    found = client.get(f"/api/v1/emails/{email_id}", headers=minter.headers())
    missing = client.get(f"/api/v1/emails/{uuid.uuid4()}", headers=minter.headers())
    odd = client.get("/api/v1/emails/%00", headers=minter.headers())

    assert found.status_code == 200
    assert found.get_json()["recipient_email"] == "person0@example.com"
    for response in (missing, odd):
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "EMAIL_NOT_FOUND"


def test_resend_is_accepted_and_the_worker_sends_the_email_again(app, client, minter, mail):
    handle_message(app, body(invitation_event(expires_at=LATER)), 0)
    (original,) = emails(app)
    staff_id = str(uuid.uuid4())

    response = client.post(
        f"/api/v1/emails/{original.id}/resend", headers=minter.headers(sub=staff_id)
    )

    assert response.status_code == 202
    resend_event_id = response.get_json()["resend_event_id"]
    (requested,) = outbox(app, "mailer.email.resend_requested")
    assert requested.id == resend_event_id
    assert requested.data == {"email_id": original.id, "requested_by": staff_id}

    assert handle_message(app, body(requested), 0).action == "ack"

    assert len(mail.messages) == 2
    assert mail.messages[1]["To"] == "Marie Curie <marie.curie@example.com>"
    resent = client.get("/api/v1/emails?page_size=1", headers=minter.headers()).get_json()
    assert resent["items"][0]["resend_of"] == original.id
    assert resent["items"][0]["event_id"] == resend_event_id


def test_resending_an_unknown_email_is_a_404_problem(app, client, minter):
    response = client.post(f"/api/v1/emails/{uuid.uuid4()}/resend", headers=minter.headers())

    assert response.status_code == 404
    assert response.get_json()["code"] == "EMAIL_NOT_FOUND"
    assert outbox(app, "mailer.email.resend_requested") == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/emails"), ("get", "/api/v1/emails/x"), ("post", "/api/v1/emails/x/resend")],
)
def test_only_staff_reach_the_log(client, minter, method, path):
    portal = minter.headers(kind="portal", role=None, companies=[{"id": "c1", "role": "primary"}])
    expired = minter.headers(lifetime=-60)
    forged = TokenMinter().headers()  # signed by a key identity never published

    assert getattr(client, method)(path).status_code == 401
    assert getattr(client, method)(path, headers=expired).get_json()["code"] == "TOKEN_EXPIRED"
    assert getattr(client, method)(path, headers=forged).status_code == 401
    response = getattr(client, method)(path, headers=portal)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_the_openapi_document_describes_the_log(client):
    paths = client.get("/openapi.json").get_json()["paths"]

    assert {"/api/v1/emails", "/api/v1/emails/{email_id}", "/api/v1/emails/{email_id}/resend"} <= (
        set(paths)
    )
    assert "202" in paths["/api/v1/emails/{email_id}/resend"]["post"]["responses"]


def test_a_disabled_staff_member_can_no_longer_read_the_log(app, client, minter):
    staff_id = str(uuid.uuid4())
    headers = minter.headers(kind="staff", role="agent", sub=staff_id)
    assert client.get("/api/v1/emails", headers=headers).status_code == 200

    data = {"id": staff_id, "email": "sam@firm.example", "name": "Sam", "locale": "en"}
    data.update(kind="staff", role="agent", status="disabled", version=2)
    event = Event("identity.user.updated", data, subject=staff_id, source="/identity")
    assert handle_message(app, event.to_json().encode(), 0).action == "ack"

    refused = client.get("/api/v1/emails", headers=headers)
    assert refused.status_code == 401 and refused.json["code"] == "ACCOUNT_DISABLED"
