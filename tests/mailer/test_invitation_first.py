"""A person is invited before they are told something is shared with them, whatever order the
events arrive in (real consumer code, SMTP server and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid

from services.common.consumer import handle_message
from services.common.events import Event
from services.mailer import delivery

from .conftest import (
    LATER,
    body,
    emails,
    invitation_event,
    outbox,
    person,
    sharing_event,
    user_event,
)

PABLO = "pablo@example.com"
INVITATION = "Dupont & Associés le invita a su portal de clientes"
SHARED = "Se ha compartido con usted un nuevo contrato: C-2026-014 – Supply agreement"
SIGN = "Se solicita su firma para C-2026-014 – Supply agreement"


def _known_as(app, status: str) -> str:
    """Pablo, as identity announced him to the mailer; returns his user id."""
    user_id = str(uuid.uuid4())
    created = user_event("identity.user.created", user_id, "2026-11-01T10:00:00Z", status=status)
    assert handle_message(app, body(created), 0).action == "ack"
    return user_id


def _shared_with(user_id: str) -> Event:
    pablo = person(PABLO, "Pablo Picasso", None, user_id=user_id, **{"as": "requester"})
    return sharing_event("sharing.matter.published", shared_with=[pablo])


def _asked_to_sign(user_id: str) -> Event:
    pablo = person(PABLO, "Pablo Picasso", None, user_id=user_id, id="k9", role="signee")
    return sharing_event("sharing.collaborator.added", collaborator=pablo)


def _subjects(mail) -> list[str]:
    return [message["Subject"] for message in mail.messages]


def test_a_share_delivered_before_the_invitation_reaches_the_person_after_it(
    app, client, minter, mail
):
    user_id = _known_as(app, "invited")
    shared, asked = _shared_with(user_id), _asked_to_sign(user_id)

    assert handle_message(app, body(shared), 0).action == "ack"
    assert handle_message(app, body(asked), 0).action == "ack"
    assert handle_message(app, body(shared), 0).action == "ack"  # redelivered meanwhile

    assert mail.messages == []
    held = emails(app)
    assert {(row.status, row.subject) for row in held} == {("held", SHARED), ("held", SIGN)}
    refused = client.post(f"/api/v1/emails/{held[0].id}/resend", headers=minter.headers())
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "EMAIL_HELD"
    assert outbox(app, "mailer.email.sent") == []

    invitation = invitation_event(id=user_id, email=PABLO, locale=None, expires_at=LATER)
    assert handle_message(app, body(invitation), 0).action == "ack"

    assert _subjects(mail) == [INVITATION]
    released = outbox(app, "mailer.email.released")
    assert {event.data["email_id"] for event in released} == {row.id for row in held}
    for event in released:
        assert handle_message(app, body(event), 0).action == "ack"
        assert handle_message(app, body(event), 0).action == "ack"  # redelivered
    assert handle_message(app, body(shared), 0).action == "ack"  # a late redelivery

    assert _subjects(mail)[0] == INVITATION
    assert sorted(_subjects(mail)[1:]) == sorted([SHARED, SIGN])
    rows = {row.id: row for row in emails(app)}
    for row in held:
        assert rows[row.id].status == "sent"
        assert rows[row.id].event_id == row.event_id
    assert len(outbox(app, "mailer.email.sent")) == 3


def test_someone_already_invited_or_active_or_unknown_is_told_at_once(app, mail):
    invited = _known_as(app, "invited")
    handle_message(app, body(invitation_event(id=invited, email=PABLO, locale=None)), 0)
    active = _known_as(app, "active")

    handle_message(app, body(_shared_with(invited)), 0)
    handle_message(app, body(_asked_to_sign(active)), 0)
    handle_message(app, body(_shared_with(str(uuid.uuid4()))), 0)  # not in the replica yet

    assert _subjects(mail) == [INVITATION, SHARED, SIGN, SHARED]
    assert "held" not in {row.status for row in emails(app)}


def test_staff_notices_are_never_held(app, mail):
    user_id = _known_as(app, "invited")
    decided = sharing_event(
        "sharing.approval.decided", notify=[person(PABLO, "Pablo", None, user_id=user_id)]
    )

    handle_message(app, body(decided), 0)

    assert len(mail.messages) == 1


def test_becoming_active_without_an_invitation_email_releases_what_was_held(app, mail):
    user_id = _known_as(app, "invited")
    handle_message(app, body(_shared_with(user_id)), 0)
    assert mail.messages == []

    activated = user_event(
        "identity.user.updated", user_id, "2026-11-02T10:00:00Z", status="active"
    )
    handle_message(app, body(activated), 0)
    (released,) = outbox(app, "mailer.email.released")
    handle_message(app, body(released), 0)

    assert _subjects(mail) == [SHARED]


def test_a_hold_decided_while_the_invitation_goes_out_is_released_all_the_same(
    app, mail, monkeypatch
):
    """The race the replica lock closes: the share decides to hold (no invitation sent yet, as
    far as it can see) while the invitation's transaction, not committed, looks for held
    e-mails. Without the lock both commit and the share stays held for ever."""
    user_id = _known_as(app, "invited")
    share_decided, invitation_looked = threading.Event(), threading.Event()
    must_wait, release = delivery.must_wait_for_invitation, delivery.release_held_rows

    def deciding(*args):
        waits = must_wait(*args)
        share_decided.set()
        # Give the invitation's transaction every chance to look before this one commits.
        invitation_looked.wait(timeout=2)
        return waits

    def releasing(*args):
        share_decided.wait(timeout=10)
        release(*args)
        invitation_looked.set()

    monkeypatch.setattr(delivery, "must_wait_for_invitation", deciding)
    monkeypatch.setattr(delivery, "release_held_rows", releasing)
    invitation = invitation_event(id=user_id, email=PABLO, locale=None)
    outcomes = {}

    def handle(name: str, event: Event) -> None:
        outcomes[name] = handle_message(app, body(event), 0).action

    threads = [
        threading.Thread(target=handle, args=("share", _shared_with(user_id))),
        threading.Thread(target=handle, args=("invitation", invitation)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == {"share": "ack", "invitation": "ack"}
    (released,) = outbox(app, "mailer.email.released")
    assert handle_message(app, body(released), 0).action == "ack"
    assert _subjects(mail) == [INVITATION, SHARED]
