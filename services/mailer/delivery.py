"""Sending the e-mails of an event: render, send over SMTP, log, announce; resends; deferrals;
holding until the invitation (invitation_first.py); parking.

Every function here runs inside the consumer's transaction (which also records the event as
processed) or the request's: none of them commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask import current_app

from services.common.events import Event
from services.common.models import new_id, utcnow
from services.common.observability import EMAILS_FAILED, EMAILS_SENT
from services.common.outbox import add_event, withdraw_event

from . import mime, smtp
from .catalog import NOTIFICATIONS, Notification
from .events import (
    EMAIL_DEFERRED,
    EMAIL_RELEASED,
    RESEND_REQUESTED,
    email_deferred,
    email_deferred_schema,
    email_failed,
    email_released_schema,
    email_sent,
    resend_requested_schema,
)
from .invitation_first import lock_people, must_wait_for_invitation, release_held_rows
from .invitation_links import INVITATION_TEMPLATE, SEALED_URL, forget_links_of
from .models import FAILED, HELD, SENT, Email, db
from .recipients import known_recipient
from .rendering import Rendered, render, resolve_locale, resolve_time_zone
from .resends import resend_refusal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """One e-mail to send: the event it belongs to, to whom, rendered from what."""

    event_id: str
    event_type: str
    template: str
    event_data: dict
    email: str
    name: str
    locale: str
    context: dict
    time_zone: str = "UTC"
    user_id: str | None = None
    resend_of: Email | None = None
    status: str | None = None  # the person's, as locked by `lock_people` (None: not locked)

    @property
    def notification(self) -> Notification:
        return NOTIFICATIONS[self.event_type]


# Events of the mailer's own that carry e-mails to send (the others come from NOTIFICATIONS).
_OWN_EVENTS = {RESEND_REQUESTED, EMAIL_DEFERRED, EMAIL_RELEASED}


def _plan(event: Event) -> list[Outgoing]:
    if event.type == RESEND_REQUESTED:
        return _plan_resend(event)
    if event.type == EMAIL_DEFERRED:
        return _plan_deferred(event)
    if event.type == EMAIL_RELEASED:
        return _plan_released(event)
    return _plan_notification(event.id, event.type, event.data)


def _plan_notification(event_id: str, event_type: str, data: dict) -> list[Outgoing]:
    notification = NOTIFICATIONS[event_type]
    firm_zone = current_app.config["PORTAL_TIME_ZONE"]
    addressees = notification.addressees(data)
    # Everyone an e-mail may be held for, or released to (an invitation's addressee), is
    # locked before the log is read (see invitation_first.py); the same read gives the
    # language and time zone of those the replica knows.
    locked = {}
    if notification.after_invitation or notification.template == INVITATION_TEMPLATE:
        locked = lock_people(addressee.user_id for addressee in addressees)
    planned = []
    for addressee in addressees:
        email = addressee.email.strip().lower()
        person = locked.get(addressee.user_id)
        known = person or known_recipient(addressee.user_id, email)
        planned.append(
            Outgoing(
                event_id,
                event_type,
                notification.template,
                data,
                email,
                addressee.name,
                resolve_locale(addressee.locale, known.locale if known else None),
                addressee.context,
                time_zone=resolve_time_zone(
                    addressee.time_zone, known.time_zone if known else None, firm_zone
                ),
                user_id=addressee.user_id,
                status=person.status if person else None,
            )
        )
    return planned


def _plan_released(event: Event) -> list[Outgoing]:
    """A held e-mail, planned again from its event (it keeps its log row and Message-ID)."""
    # Locked: two releases of one e-mail (its invitation went, and the person became active)
    # handled at once would both find it held.
    email_id = email_released_schema.load(event.data)["email_id"]
    held = db.session.get(Email, email_id, with_for_update=True, populate_existing=True)
    if held is None or held.status != HELD:
        return []  # sent already (a redelivery), or gone
    planned = _plan_notification(held.event_id, held.event_type, held.event_data)
    return [outgoing for outgoing in planned if outgoing.email == held.recipient_email]


def _plan_deferred(event: Event) -> list[Outgoing]:
    """The e-mails still due from the original event, logged under its id, in the given order."""
    deferred = email_deferred_schema.load(event.data)
    planned = {
        outgoing.email: outgoing
        for outgoing in _plan_notification(
            deferred["event_id"], deferred["event_type"], deferred["event_data"]
        )
    }
    return [planned[email] for email in deferred["recipients"] if email in planned]


def _plan_resend(event: Event) -> list[Outgoing]:
    """A resend renders the logged e-mail again from the event data it was first built from."""
    email_id = resend_requested_schema.load(event.data)["email_id"]
    original = db.session.get(Email, email_id)
    if original is None:
        log.warning("resend of unknown e-mail %s ignored", email_id)
        return []
    # Checked again here: the person may have changed since staff asked.
    refusal = resend_refusal(original)
    if refusal is not None:
        log.warning("resend of e-mail %s refused: %s", email_id, refusal.message)
        return []
    planned = _plan_notification(event.id, original.event_type, original.event_data)
    again = [outgoing for outgoing in planned if outgoing.email == original.recipient_email]
    if not again:
        raise LookupError(f"e-mail {email_id} cannot be rebuilt from its event data")
    return [replace(again[0], locale=original.locale, resend_of=original)]


_ADDRESS = Email.recipient_email == sa.bindparam("email")
_OWN_ROW = Email.event_id == sa.bindparam("event_id")
_LOG_ROWS = sa.select(Email).where(_ADDRESS, _OWN_ROW)
_INVITATION_LOG_ROWS = sa.select(Email).where(
    _ADDRESS, sa.or_(_OWN_ROW, Email.template == INVITATION_TEMPLATE, Email.status == HELD)
)


_INSERT_EMAIL = sa.insert(Email.__table__)
_DELETE_EMAIL = sa.delete(Email.__table__).where(Email.id == sa.bindparam("id"))
_EMAIL_COLUMNS = Email.__table__.columns.keys()


def _log_rows(outgoing: Outgoing) -> list[Email]:
    """The log rows of the e-mail's address that sending it reads, in one query: its own (if
    logged before) and, for an invitation, the address's other invitations (their links are
    forgotten) and its held e-mails (released; the person is locked by then, see `deliver`)."""
    query = _INVITATION_LOG_ROWS if outgoing.template == INVITATION_TEMPLATE else _LOG_ROWS
    parameters = {"email": outgoing.email, "event_id": outgoing.event_id}
    return list(db.session.scalars(query, parameters))


def _own(outgoing: Outgoing, rows: list[Email]) -> Email | None:
    return next((row for row in rows if row.event_id == outgoing.event_id), None)


def _render(outgoing: Outgoing) -> Rendered:
    firm = current_app.config["PORTAL_FIRM_NAME"]
    context = {**outgoing.context, "firm_name": firm}
    return render(outgoing.template, outgoing.locale, context, outgoing.time_zone)


def _kept_data(outgoing: Outgoing) -> dict:
    """The event data the log keeps: without the one-time links it must not hold."""
    secret = outgoing.notification.secret_fields
    return {key: None if key in secret else value for key, value in outgoing.event_data.items()}


def _record(
    outgoing: Outgoing, row: Email | None, status: str, subject: str, error: str | None = None
) -> tuple[str, Event | None]:
    """Write the log row (a failed or held one from earlier is updated) and its event; the
    row's id and the event."""
    sender = current_app.config["MAIL_FROM"]
    values = {
        "event_type": outgoing.event_type,
        "event_data": _kept_data(outgoing),
        "template": outgoing.template,
        "recipient_name": outgoing.name,
        "locale": outgoing.locale,
        "subject": subject,
        "message_id": smtp.message_id(outgoing.event_id, outgoing.email, sender),
        "status": status,
        "error": error,
    }
    if status == SENT:
        values["sent_at"] = utcnow()
        if outgoing.resend_of is not None:
            outgoing.resend_of.resend_count += 1
    if row is None:
        row = Email(
            id=new_id(),
            event_id=outgoing.event_id,
            recipient_email=outgoing.email,
            resend_of=outgoing.resend_of.id if outgoing.resend_of is not None else None,
            resend_count=0,
            created_at=utcnow(),
            **{"sent_at": None, **values},
        )
        # A Core insert: the unit of work's flush of a new row costs more CPU than the query.
        db.session.execute(_INSERT_EMAIL, {c: getattr(row, c) for c in _EMAIL_COLUMNS})
    else:
        for name, value in values.items():
            setattr(row, name, value)
    event = None
    if status != HELD:
        event = email_sent(row) if status == SENT else email_failed(row)
        add_event(event)
    if status == FAILED:
        EMAILS_FAILED.labels(outgoing.template, outgoing.locale).inc()
    return row.id, event


class _Refused(Exception):
    """The SMTP server refused one address for good: undo what was written for it."""


def _send_logged(outgoing: Outgoing, rows: list[Email], rendered: Rendered) -> str | None:
    """Write what a sent e-mail leaves behind, then send it; the refusal's reason, else None.

    The log row, its event and the invitation's follow-ups are written and flushed before the
    message goes, and undone when it cannot go. So after the server's 250 only the consumer's
    commit remains (and a savepoint's release): the at-least-once window (see `deliver`) is
    as short as it can be.
    """
    config = current_app.config
    sender = config["MAIL_FROM"]
    msg_id = smtp.message_id(outgoing.event_id, outgoing.email, sender)
    message = mime.build_message(
        sender, outgoing.email, outgoing.name, rendered, outgoing.locale, msg_id
    )
    own = _own(outgoing, rows)
    try:
        if own is None and outgoing.resend_of is None and outgoing.template != INVITATION_TEMPLATE:
            _send_first(outgoing, rendered.subject, message)
        else:
            with db.session.begin_nested():
                _record(outgoing, own, SENT, rendered.subject)
                if outgoing.template == INVITATION_TEMPLATE:
                    forget_links_of(rows, except_url=outgoing.event_data[SEALED_URL])
                    release_held_rows(row for row in rows if row.event_id != outgoing.event_id)
                db.session.flush()
                _send(message)
    except _Refused as refused:
        log.warning(
            "e-mail of event %s to %s rejected: %s", outgoing.event_id, outgoing.email, refused
        )
        return str(refused)
    EMAILS_SENT.labels(outgoing.template, outgoing.locale).inc()
    return None


def _send(message: mime.Message) -> None:
    try:
        smtp.send(current_app.config, message)
    except smtp.RejectedError as exc:
        raise _Refused(str(exc)) from exc


def _send_first(outgoing: Outgoing, subject: str, message: mime.Message) -> None:
    """The first attempt at a plain e-mail (most of them) writes two rows, the log's and its
    event's, which are deleted again if it does not go: no savepoint, whose SAVEPOINT and
    RELEASE were two of the e-mail's nine round trips."""
    email_id, event = _record(outgoing, None, SENT, subject)
    try:
        _send(message)
    except Exception:
        # Refused, or failed (a later e-mail's failure may still commit this transaction).
        db.session.execute(_DELETE_EMAIL, {"id": email_id})
        withdraw_event(event.id)
        raise


def deliver(event: Event) -> None:
    """Handler: send each e-mail of `event` not sent yet, then log it as sent.

    Recipients already logged as sent are skipped, so a redelivered event sends nothing twice.
    When one e-mail fails after others of this attempt went out, the attempt is not thrown away
    (that would roll their log rows back and send them again on retry): it commits what was
    done and queues a `mailer.email.deferred` event for the rest, the failed one last, which is
    retried and parked on its own. A failure before anything went out fails the attempt as usual.

    At-least-once window: the SMTP server accepts a message before the consumer's transaction
    (log row + processed event) commits. A crash or a lost database in between rolls the log
    back, and the redelivered event sends that e-mail again. Everything an e-mail leaves behind
    is written before it goes (`_send_logged`), so that window is the commit alone (and, for an
    event of several e-mails, the ones after it). Nothing can make SMTP and the database commit
    together, so the copy carries the same Message-ID (derived from event id
    and recipient): receiving systems and mail clients that dedupe on it show one e-mail.
    """
    planned = _plan(event)  # locks the people it may hold e-mails for (`_plan_notification`)
    progress = False
    for position, outgoing in enumerate(planned):
        rows = _log_rows(outgoing)
        row = _own(outgoing, rows)
        if row is not None and row.status == SENT:
            continue
        if outgoing.notification.after_invitation and must_wait_for_invitation(
            outgoing.status, outgoing.email
        ):
            if row is None or row.status != HELD:
                _record(outgoing, row, HELD, _render(outgoing).subject)
            continue
        try:
            rendered = _render(outgoing)
            rejection = _send_logged(outgoing, rows, rendered)
        except Exception as exc:
            if not progress:
                raise
            _defer([*planned[position + 1 :], outgoing], f"{type(exc).__name__}: {exc}")
            return
        if rejection:
            _record(outgoing, row, FAILED, rendered.subject, rejection)
        progress = True


def _defer(remaining: list[Outgoing], error: str) -> None:
    """Queue the e-mails not sent yet as one `mailer.email.deferred` event (the failed one last)."""
    failed = remaining[-1]
    log.warning(
        "e-mail of event %s to %s failed (%s); it and %d other(s) deferred",
        failed.event_id,
        failed.email,
        error,
        len(remaining) - 1,
    )
    recipients = [outgoing.email for outgoing in remaining]
    event = email_deferred(failed.event_id, failed.event_type, failed.event_data, recipients, error)
    add_event(event)


def on_park(event: Event, error: str) -> None:
    """After the last attempt: log the event's unsent e-mails as failed, with the error.

    An attempt fails only before any of its e-mails went out (see `deliver`), so what is logged
    failed here was not sent, short of the at-least-once window.
    """
    if event.type not in NOTIFICATIONS and event.type not in _OWN_EVENTS:
        return
    try:
        planned = _plan(event)
    except Exception:
        log.exception("cannot tell whom parked event %s was for; nothing logged", event.id)
        return
    for outgoing in planned:
        row = _own(outgoing, _log_rows(outgoing))
        if row is not None and row.status == SENT:
            continue
        if row is not None and row.status == HELD and event.type != EMAIL_RELEASED:
            continue  # still waiting for the invitation: a failed redelivery changes nothing
        try:
            subject = _render(outgoing).subject
        except Exception:  # noqa: BLE001 - the failure may be the template itself
            subject = ""
        _record(outgoing, row, FAILED, subject, error)
