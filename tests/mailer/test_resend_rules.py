"""Resending never sends a live link to a stale address, nor a dead link (real PostgreSQL, SMTP)."""

from __future__ import annotations

import uuid

import pytest

from services.common.consumer import handle_message
from services.common.events import Event
from services.mailer.models import Email, db

from .conftest import (
    LATER,
    body,
    emails,
    invitation_event,
    opened,
    outbox,
    person,
    sharing_event,
    user_event,
)

OLD, NEW = "pablo@example.com", "pablo@new.example"
LINK = "https://portal.example.com/portal/accept-invitation?token="


def _invited(app, mail, **invitation) -> tuple[str, str]:
    """Pablo, invited at his old address; returns his user id and the logged invitation's id."""
    user_id = str(uuid.uuid4())
    created = user_event("identity.user.created", user_id, "2026-11-01T10:00:00Z", email=OLD)
    handle_message(app, body(created), 0)
    invitation = {"id": user_id, "email": OLD, "expires_at": LATER, **invitation}
    handle_message(app, body(invitation_event(**invitation)), 0)
    (row,) = [row for row in emails(app) if row.template == "invitation"]
    return user_id, row.id


def _changed(app, user_id: str, time: str = "2026-11-02T10:00:00Z", **data) -> None:
    updated = user_event("identity.user.updated", user_id, time, **{"email": OLD, **data})
    assert handle_message(app, body(updated), 0).action == "ack"


def _resend(client, minter, email_id: str):
    return client.post(f"/api/v1/emails/{email_id}/resend", headers=minter.headers())


def test_an_invitation_is_not_resent_to_an_address_the_person_has_left(app, client, minter, mail):
    user_id, email_id = _invited(app, mail)
    _changed(app, user_id, email=NEW)

    response = _resend(client, minter, email_id)

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "RECIPIENT_ADDRESS_CHANGED"
    assert f"went to {OLD}, but this person's address is now {NEW}" in problem["detail"]
    assert "Invite them again" in problem["detail"]
    assert outbox(app, "mailer.email.resend_requested") == []
    assert len(mail.messages) == 1


def test_a_resend_queued_before_the_address_changed_is_not_sent_either(app, mail):
    user_id, email_id = _invited(app, mail)
    queued = Event(
        "mailer.email.resend_requested", {"email_id": email_id, "requested_by": "s"}, subject="x"
    )
    _changed(app, user_id, email=NEW)

    assert handle_message(app, body(queued), 0).action == "ack"

    assert len(mail.messages) == 1
    assert len(emails(app)) == 1


def test_no_email_of_any_kind_is_resent_to_a_left_address(app, client, minter, mail):
    user_id = str(uuid.uuid4())
    created = user_event("identity.user.created", user_id, "2026-11-01T10:00:00Z", email=OLD)
    handle_message(app, body(created), 0)
    _changed(app, user_id, status="active")
    signee = person(OLD, "Pablo", None, user_id=user_id, id="k9", role="signee")
    handle_message(app, body(sharing_event("sharing.collaborator.added", collaborator=signee)), 0)
    (row,) = emails(app)
    _changed(app, user_id, time="2026-11-03T10:00:00Z", email=NEW, status="active")

    response = _resend(client, minter, row.id)

    assert response.status_code == 409
    assert response.get_json()["code"] == "RECIPIENT_ADDRESS_CHANGED"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": "active"}, "INVITATION_ACCEPTED"),
        ({"status": "disabled"}, "RECIPIENT_DISABLED"),
    ],
)
def test_an_invitation_is_not_resent_once_accepted_or_to_a_disabled_person(
    app, client, minter, mail, change, code
):
    user_id, email_id = _invited(app, mail)
    _changed(app, user_id, **change)

    response = _resend(client, minter, email_id)

    assert response.status_code == 409
    assert response.get_json()["code"] == code


def test_an_expired_invitation_is_not_resent(app, client, minter, mail):
    _, email_id = _invited(app, mail, expires_at="2020-01-01T00:00:00Z")

    response = _resend(client, minter, email_id)

    assert response.status_code == 409
    assert response.get_json()["code"] == "INVITATION_EXPIRED"
    assert "invite the person again" in response.get_json()["detail"]


def test_only_the_newest_invitation_may_be_resent(app, client, minter, mail):
    user_id, first_id = _invited(app, mail)
    handle_message(app, body(invitation_event(id=user_id, email=OLD, expires_at=LATER)), 0)
    (newest,) = [row for row in emails(app) if row.id != first_id]

    older = _resend(client, minter, first_id)
    latest = _resend(client, minter, newest.id)

    assert older.status_code == 409
    assert older.get_json()["code"] == "INVITATION_SUPERSEDED"
    assert latest.status_code == 202


def _link(app, email_id: str) -> str | None:
    with app.app_context():
        logged = db.session.get(Email, email_id).event_data
        # Kept sealed, as identity sent it: the log never holds the link in clear.
        assert "s3cr3t" not in str(logged) and "token=" not in str(logged)
        return opened(logged)


@pytest.mark.parametrize("voided_by", ["a newer invitation", "an acceptance", "an address change"])
def test_the_log_forgets_an_invitation_link_once_it_is_dead(app, client, minter, mail, voided_by):
    user_id, first_id = _invited(app, mail, accept_url=f"{LINK}first")
    assert _link(app, first_id) == f"{LINK}first"

    if voided_by == "a newer invitation":
        newer = invitation_event(id=user_id, email=OLD, expires_at=LATER, accept_url=f"{LINK}2")
        handle_message(app, body(newer), 0)
        (newest,) = [row for row in emails(app) if row.id != first_id]
        assert _link(app, newest.id) == f"{LINK}2"  # the live link stays resendable
    elif voided_by == "an acceptance":
        _changed(app, user_id, status="active")
    else:
        _changed(app, user_id, email=NEW)

    assert _link(app, first_id) is None
    with app.app_context():
        assert "first" not in str(db.session.get(Email, first_id).event_data)
    response = _resend(client, minter, first_id)
    assert response.status_code == 409
