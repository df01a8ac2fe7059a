"""Sharing events become e-mails: real envelopes through the consumer, a real SMTP server."""

from __future__ import annotations

import pytest

from services.common.consumer import handle_message
from services.common.events import Event
from services.common.smtp_sink import MailSink
from services.common.testing import free_port
from services.mailer.handlers import HANDLERS

from .conftest import SHA_ANNEX, SHA_CONTRACT, body, emails, outbox, person, sharing_event

MARIE = person("marie@example.com", "Marie Curie", "fr", **{"as": "requester"})
LENA = person("lena@example.com", "Lena Meier", "en", **{"as": "watcher"})
# No locale in the event: the recipients replica says Spanish.
PABLO = person("pablo@example.com", "Pablo Ruiz", None, **{"as": "watcher"})


def _pablo_reads_spanish(app) -> None:
    created = Event(
        "identity.user.created",
        {"id": PABLO["user_id"], "email": PABLO["email"], "name": "Pablo Ruiz", "locale": "es"},
        subject=PABLO["user_id"],
        time="2026-11-01T10:00:00Z",
    )
    assert handle_message(app, body(created), 0).action == "ack"


def _published() -> Event:
    return sharing_event("sharing.matter.published", shared_with=[MARIE, LENA, PABLO])


def _by_recipient(mail) -> dict:
    return {message["X-RcptTo"]: message for message in mail.messages}


def test_the_mailer_listens_to_every_sharing_event_that_mails_someone():
    assert {
        "sharing.matter.published",
        "sharing.collaborator.added",
        "sharing.approval.decided",
        "sharing.signature.signed",
        "mailer.email.deferred",
    } <= set(HANDLERS)


def test_a_published_contract_reaches_each_person_in_their_own_language(app, mail):
    _pablo_reads_spanish(app)

    assert handle_message(app, body(_published()), 0).action == "ack"

    received = _by_recipient(mail)
    assert set(received) == {"marie@example.com", "lena@example.com", "pablo@example.com"}
    marie, lena, pablo = (received[p["email"]] for p in (MARIE, LENA, PABLO))
    assert marie["Subject"] == (
        "Un nouveau contrat a été partagé avec vous : C-2026-014 – Supply agreement"
    )
    assert (
        lena["Subject"] == "A new contract has been shared with you: C-2026-014 – Supply agreement"
    )
    assert pablo["Subject"] == (
        "Se ha compartido con usted un nuevo contrato: C-2026-014 – Supply agreement"
    )
    assert [m["Content-Language"] for m in (marie, lena, pablo)] == ["fr", "en", "es"]
    assert "demandeur" in marie.get_body(("plain",)).get_content()
    assert "watchers" in lena.get_body(("plain",)).get_content()
    assert "observadores" in pablo.get_body(("html",)).get_content()
    assert marie["To"] == "Marie Curie <marie@example.com>"
    rows = emails(app)
    assert {(row.recipient_email, row.locale, row.status) for row in rows} == {
        ("marie@example.com", "fr", "sent"),
        ("lena@example.com", "en", "sent"),
        ("pablo@example.com", "es", "sent"),
    }
    assert {row.template for row in rows} == {"matter_shared"}


def test_the_same_publication_delivered_twice_sends_nothing_more(app, mail):
    event = _published()

    assert handle_message(app, body(event), 0).action == "ack"
    assert handle_message(app, body(event), 0).action == "ack"

    assert len(mail.messages) == 3
    assert len(emails(app)) == 3
    assert len(outbox(app, "mailer.email.sent")) == 3


def test_a_new_signee_is_asked_to_sign(app, mail):
    handle_message(app, body(sharing_event("sharing.collaborator.added")), 0)

    (message,) = mail.messages
    assert message["To"] == "Lena Meier <lena@example.com>"
    assert message["Subject"] == "Your signature is requested on C-2026-014 – Supply agreement"
    assert "https://portal.example.com/matters/7d1c" in message.get_body(("plain",)).get_content()


def test_each_internal_recipient_learns_of_a_decision_once(app, mail):
    notify = [
        person("jean@dupont.example", "Jean Dupont", "fr"),
        person("anna@dupont.example", "Anna Smith", "en"),
    ]
    event = sharing_event("sharing.approval.decided", notify=notify)

    assert handle_message(app, body(event), 0).action == "ack"
    assert handle_message(app, body(event), 0).action == "ack"

    received = _by_recipient(mail)
    assert len(mail.messages) == 2
    jean, anna = received["jean@dupont.example"], received["anna@dupont.example"]
    assert jean["Subject"] == "Pablo Ruiz a refusé C-2026-014 – Supply agreement"
    assert anna["Subject"] == "Pablo Ruiz rejected C-2026-014 – Supply agreement"
    assert "« Clause 4 must cap the penalties. »" in jean.get_body(("plain",)).get_content()
    assert "“Clause 4 must cap the penalties.”" in anna.get_body(("plain",)).get_content()


def test_internal_recipients_get_the_checksums_of_what_was_signed(app, mail):
    handle_message(app, body(sharing_event("sharing.signature.signed")), 0)

    (message,) = mail.messages
    assert (
        message["Subject"] == "Lena Sophie Meier a signé le contrat C-2026-014 – Supply agreement"
    )
    text = message.get_body(("plain",)).get_content()
    assert f"SHA-256 : {SHA_CONTRACT}" in text
    assert f"SHA-256 : {SHA_ANNEX}" in text


class _Greylisting(MailSink):
    """The real SMTP sink, except that it says "try again later" (451) to the `busy` addresses."""

    def __init__(self) -> None:
        super().__init__()
        self.busy: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.busy:
            return "451 4.2.0 Mailbox busy, try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


@pytest.fixture
def greylisting(app):
    sink = _Greylisting().start("127.0.0.1", free_port())
    app.config["SMTP_PORT"] = sink.port
    yield sink
    sink.stop()


def test_one_recipient_failing_neither_blocks_nor_doubles_the_others(app, greylisting):
    greylisting.busy.add("lena@example.com")
    event = _published()

    # Marie's e-mail went out, Lena's failed: Marie's is kept, Lena and Pablo are deferred.
    assert handle_message(app, body(event), 0).action == "ack"
    assert [m["X-RcptTo"] for m in greylisting.messages] == ["marie@example.com"]
    (deferred,) = outbox(app, "mailer.email.deferred")
    assert deferred.data["recipients"] == ["pablo@example.com", "lena@example.com"]
    assert "451" in deferred.data["error"]

    # Pablo's goes out; Lena's fails again and is deferred alone.
    assert handle_message(app, body(deferred), 0).action == "ack"
    _, again = outbox(app, "mailer.email.deferred")
    assert again.data["recipients"] == ["lena@example.com"]

    # Nothing else went out in this attempt: it is retried with back-off as usual.
    assert handle_message(app, body(again), 0).action == "retry"

    greylisting.busy.clear()
    assert handle_message(app, body(again), 1).action == "ack"
    assert handle_message(app, body(event), 0).action == "ack"  # a late redelivery

    recipients = [m["X-RcptTo"] for m in greylisting.messages]
    assert recipients == ["marie@example.com", "pablo@example.com", "lena@example.com"]
    rows = emails(app)
    assert {(row.event_id, row.event_type, row.status) for row in rows} == {
        (event.id, "sharing.matter.published", "sent")
    }
    assert len(rows) == 3
    assert len(outbox(app, "mailer.email.sent")) == 3


def test_a_recipient_failing_to_the_end_is_the_only_one_logged_failed(app, greylisting):
    greylisting.busy.add("pablo@example.com")
    handle_message(app, body(_published()), 0)
    (deferred,) = outbox(app, "mailer.email.deferred")  # Lena sent, then Pablo failed

    last = handle_message(app, body(deferred), len(app.config["RETRY_DELAYS"]))

    assert last.action == "park"
    statuses = {row.recipient_email: row.status for row in emails(app)}
    assert statuses == {
        "marie@example.com": "sent",
        "lena@example.com": "sent",
        "pablo@example.com": "failed",
    }
    (failed,) = outbox(app, "mailer.email.failed")
    assert failed.data["recipient"] == "pablo@example.com"
    assert failed.data["event_type"] == "sharing.matter.published"
    assert "451" in failed.data["error"]


def test_an_address_the_server_rejects_is_logged_failed_and_the_others_go(app, greylisting):
    greylisting.refused["lena@example.com"] = "550 5.1.1 No such mailbox"

    assert handle_message(app, body(_published()), 0).action == "ack"  # retrying cannot help

    assert [m["X-RcptTo"] for m in greylisting.messages] == [
        "marie@example.com",
        "pablo@example.com",
    ]
    statuses = {row.recipient_email: row.status for row in emails(app)}
    assert statuses == {
        "marie@example.com": "sent",
        "lena@example.com": "failed",
        "pablo@example.com": "sent",
    }
    sent = outbox(app, "mailer.email.sent")
    assert sorted(e.data["recipient"] for e in sent) == ["marie@example.com", "pablo@example.com"]
    (failed,) = outbox(app, "mailer.email.failed")
    assert (failed.data["recipient"], "550" in failed.data["error"]) == ("lena@example.com", True)


def test_a_failure_before_anything_went_out_retries_the_whole_event(app, greylisting):
    greylisting.busy.add("marie@example.com")

    outcome = handle_message(app, body(_published()), 0)

    assert (outcome.action, outcome.attempt) == ("retry", 1)
    assert greylisting.messages == []
    assert emails(app) == []
    assert outbox(app, "mailer.email.deferred") == []


def _staff(app, time_zone: str | None) -> dict:
    """Jean, a staff member the replica knows (French, in `time_zone`), as sharing names him."""
    jean = person("jean@dupont.example", "Jean Dupont", None)
    created = Event(
        "identity.user.created",
        {**jean, "id": jean["user_id"], "locale": "fr", "time_zone": time_zone, "kind": "staff"},
        subject=jean["user_id"],
        time="2026-11-01T10:00:00Z",
    )
    assert handle_message(app, body(created), 0).action == "ack"
    return jean


def test_a_signature_notice_gives_the_time_in_the_readers_own_time_zone(app, mail):
    jean = _staff(app, "Europe/Paris")

    handle_message(app, body(sharing_event("sharing.signature.signed", notify=[jean])), 0)

    (message,) = mail.messages
    text = message.get_body(("plain",)).get_content()
    assert "le 1 décembre 2026, 09:15 heure normale d’Europe centrale." in text


def test_without_a_time_zone_of_their_own_a_reader_gets_the_firms(app, mail):
    app.config["PORTAL_TIME_ZONE"] = "America/Mexico_City"
    jean = _staff(app, None)

    handle_message(app, body(sharing_event("sharing.approval.decided", notify=[jean])), 0)

    (message,) = mail.messages
    text = message.get_body(("plain",)).get_content()
    assert "le 29 novembre 2026, 10:45 heure normale du centre nord-américain." in text
