"""Handling events with the real consumer code, a real SMTP server and PostgreSQL."""

from __future__ import annotations

import email.policy
import uuid

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from services.common.consumer import handle_message
from services.common.events import Event
from services.common.testing import free_port
from services.mailer import mime
from services.mailer.models import Email, ProcessedEvent, Recipient, db
from services.mailer.rendering import Rendered

from .conftest import LATER, body, emails, invitation_event, outbox, user_event


def test_an_invitation_is_sent_once_even_when_the_event_comes_twice(app, mail):
    event = invitation_event()

    assert handle_message(app, body(event), 0).action == "ack"
    assert handle_message(app, body(event), 0).action == "ack"

    (message,) = mail.messages
    assert message["To"] == "Marie Curie <marie.curie@example.com>"
    assert message["From"] == "Dupont & Associés <portail@dupont.example>"
    assert message["Subject"] == "Dupont & Associés vous invite sur son portail client"
    assert message["Content-Language"] == "fr"
    text = message.get_body(("plain",)).get_content()
    assert "https://portal.example.com/invitations/accept?token=s3cr3t-t0ken" in text
    assert "Acme SA et Globex SARL" in text
    assert message.get_body(("html",)) is not None
    (row,) = emails(app)
    assert (row.status, row.event_id) == ("sent", event.id)
    assert row.recipient_email == message["X-RcptTo"]
    assert row.message_id == message["Message-ID"]
    assert (row.template, row.locale, row.subject) == ("invitation", "fr", message["Subject"])
    (sent,) = outbox(app, "mailer.email.sent")
    assert sent.data == {
        "email_id": row.id,
        "event_id": event.id,
        "event_type": "identity.invitation.sent",
        "recipient": "marie.curie@example.com",
        "template": "invitation",
        "locale": "fr",
        "subject": message["Subject"],
    }


def test_the_log_stops_a_second_email_even_without_the_processed_event_record(app, mail):
    event = invitation_event()
    handle_message(app, body(event), 0)
    with app.app_context():
        db.session.execute(sa.delete(ProcessedEvent))
        db.session.commit()

    assert handle_message(app, body(event), 0).action == "ack"

    assert len(mail.messages) == 1
    assert len(emails(app)) == 1


def test_the_language_comes_from_the_recipients_replica_when_the_event_has_none(app, mail):
    user_id = str(uuid.uuid4())
    created = user_event("identity.user.created", user_id, "2026-11-01T10:00:00Z")
    assert handle_message(app, body(created), 0).action == "ack"

    handle_message(app, body(invitation_event(id=user_id, locale=None)), 0)

    (message,) = mail.messages
    assert message["Subject"] == "Dupont & Associés le invita a su portal de clientes"
    assert "1 de diciembre de 2026" in message.get_body(("plain",)).get_content()


def test_an_unknown_language_falls_back_to_english(app, mail):
    handle_message(app, body(invitation_event(locale="de")), 0)

    (message,) = mail.messages
    assert message["Subject"] == "Dupont & Associés invites you to its client portal"
    assert emails(app)[0].locale == "en"


def test_the_replica_keeps_the_newest_facts_whatever_order_events_arrive_in(app):
    user_id = str(uuid.uuid4())
    updated = user_event(
        "identity.user.updated",
        user_id,
        "2026-11-01T10:00:00Z",
        locale="fr",
        status="active",
        version=2,
    )
    # Stamped later by a clock that ran ahead: identity's version, not the time, orders them.
    created = user_event("identity.user.created", user_id, "2026-11-02T10:00:00Z", version=1)

    handle_message(app, body(updated), 0)
    handle_message(app, body(created), 0)

    with app.app_context():
        recipient = db.session.get(Recipient, user_id)
        assert (recipient.locale, recipient.status, recipient.kind) == ("fr", "active", "portal")
        assert recipient.email == "pablo@example.com"


def test_smtp_down_is_an_outage_waited_out_without_spending_an_attempt(app, mail):
    event = invitation_event()
    app.config["SMTP_PORT"] = free_port()  # nothing listens there: connection refused

    outcome = handle_message(app, body(event), 0)
    assert (outcome.action, outcome.attempt, outcome.dependency) == ("wait", 0, "smtp")
    assert "ConnectionRefusedError" in outcome.error
    assert emails(app) == []
    assert outbox(app, "mailer.email.failed") == []

    app.config["SMTP_PORT"] = mail.port
    assert handle_message(app, body(event), 0).action == "ack"
    assert len(mail.messages) == 1


class _Deferring:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "450 4.2.1 Mailbox busy, try again later"


def test_a_recipient_refused_for_now_is_retried_then_parked_as_failed_then_sent(app, mail):
    """The server is up and answers; only this address fails: a few attempts, then parked."""
    event = invitation_event()
    deferring = Controller(_Deferring(), hostname="127.0.0.1", port=free_port())
    deferring.start()
    try:
        app.config["SMTP_PORT"] = deferring.port
        first = handle_message(app, body(event), 0)
        assert (first.action, first.attempt) == ("retry", 1)
        assert "450" in first.error
        assert emails(app) == []
        assert outbox(app, "mailer.email.failed") == []

        last = handle_message(app, body(event), len(app.config["RETRY_DELAYS"]))
    finally:
        deferring.stop()
    assert last.action == "park"
    (row,) = emails(app)
    assert row.status == "failed"
    assert "450" in row.error
    assert row.subject == "Dupont & Associés vous invite sur son portail client"
    (failed,) = outbox(app, "mailer.email.failed")
    assert failed.data["email_id"] == row.id
    assert "450" in failed.data["error"]
    assert mail.messages == []

    # The operator replays the parked event once the address takes mail again.
    app.config["SMTP_PORT"] = mail.port
    assert handle_message(app, body(event), 0).action == "ack"

    assert len(mail.messages) == 1
    (row,) = emails(app)
    assert (row.status, row.error) == ("sent", None)
    assert len(outbox(app, "mailer.email.sent")) == 1


class _Rejecting:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.1.1 Mailbox unavailable"


@pytest.fixture
def rejecting_smtp():
    controller = Controller(_Rejecting(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def test_an_address_the_server_rejects_is_logged_failed_at_once(app, rejecting_smtp):
    app.config["SMTP_PORT"] = rejecting_smtp.port

    outcome = handle_message(app, body(invitation_event()), 0)

    assert outcome.action == "ack"  # retrying cannot help
    (row,) = emails(app)
    assert row.status == "failed"
    assert "550" in row.error
    assert len(outbox(app, "mailer.email.failed")) == 1


def test_a_resend_sends_the_same_email_again_as_a_new_log_entry(app, mail):
    event = invitation_event(expires_at=LATER)
    handle_message(app, body(event), 0)
    (original,) = emails(app)
    resend = Event(
        "mailer.email.resend_requested",
        {"email_id": original.id, "requested_by": "staff-1"},
        subject=original.id,
    )

    assert handle_message(app, body(resend), 0).action == "ack"
    assert handle_message(app, body(resend), 0).action == "ack"

    first, second = mail.messages
    assert second["Subject"] == first["Subject"]
    assert second.get_body(("plain",)).get_content() == first.get_body(("plain",)).get_content()
    assert second["Message-ID"] != first["Message-ID"]
    with app.app_context():
        again = db.session.scalars(sa.select(Email).where(Email.resend_of == original.id)).one()
        assert (again.event_id, again.status, again.locale) == (resend.id, "sent", "fr")
        assert again.event_type == "identity.invitation.sent"
        assert db.session.get(Email, original.id).resend_count == 1


@pytest.mark.parametrize(
    "subject",
    [
        "Se ha compartido con usted un nuevo contrato: C-2026-014 – Supply agreement",
        "Votre approbation est demandée pour C-2026-014 – Contrat de fourniture d’énergie à Genève",
        "Dupont & Associés invites you to its client portal",
        "A plain ASCII subject that is long enough to be folded over two lines by the generator",
    ],
)
def test_a_long_subject_reaches_the_reader_exactly_as_written(subject):
    rendered = Rendered(subject=subject, text="Bonjour", html="<p>Bonjour</p>")
    message = mime.build_message(
        "Portal <no-reply@portal.local>", "marie@example.com", "Marie", rendered, "fr", "<1@x>"
    )

    raw = message.data

    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n"))
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject
