"""The events the mailer publishes (it owns their contract)."""

from __future__ import annotations

import marshmallow as ma

from services.common.events import Event

EMAIL_SENT = "mailer.email.sent"
EMAIL_FAILED = "mailer.email.failed"
# Staff asked for a logged e-mail to be sent again; the mailer's own worker does it.
RESEND_REQUESTED = "mailer.email.resend_requested"
# Some e-mails of an event went out and the rest could not yet: the rest are retried on their own.
EMAIL_DEFERRED = "mailer.email.deferred"
# A held e-mail may go out now (its recipient's invitation e-mail was sent): the worker sends it.
EMAIL_RELEASED = "mailer.email.released"


class EmailOutcomeSchema(ma.Schema):
    """Data of `mailer.email.sent` and `mailer.email.failed`, dumped from an e-mail log row."""

    email_id = ma.fields.String(attribute="id")
    event_id = ma.fields.String()
    event_type = ma.fields.String()
    recipient = ma.fields.String(attribute="recipient_email")
    template = ma.fields.String()
    locale = ma.fields.String()
    subject = ma.fields.String()
    error = ma.fields.String()


class ResendRequestedSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    email_id = ma.fields.String(required=True)
    requested_by = ma.fields.String(load_default=None, allow_none=True)


class EmailReleasedSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    email_id = ma.fields.String(required=True)


class EmailDeferredSchema(ma.Schema):
    """The e-mails of one event still to send, to whom (in the order to try them) and why."""

    class Meta:
        unknown = ma.EXCLUDE

    event_id = ma.fields.String(required=True)
    event_type = ma.fields.String(required=True)
    event_data = ma.fields.Dict(required=True)
    recipients = ma.fields.List(ma.fields.String(), required=True)
    error = ma.fields.String(load_default="")


_sent = EmailOutcomeSchema(exclude=("error",))
_failed = EmailOutcomeSchema()
resend_requested_schema = ResendRequestedSchema()
email_released_schema = EmailReleasedSchema()
email_deferred_schema = EmailDeferredSchema()


def email_sent(email: object) -> Event:
    return Event(EMAIL_SENT, _sent.dump(email), subject=email.id)


def email_failed(email: object) -> Event:
    return Event(EMAIL_FAILED, _failed.dump(email), subject=email.id)


def resend_requested(email_id: str, requested_by: str) -> Event:
    data = resend_requested_schema.dump({"email_id": email_id, "requested_by": requested_by})
    return Event(RESEND_REQUESTED, data, subject=email_id)


def email_released(email_id: str) -> Event:
    data = email_released_schema.dump({"email_id": email_id})
    return Event(EMAIL_RELEASED, data, subject=email_id)


def email_deferred(
    event_id: str, event_type: str, event_data: dict, recipients: list[str], error: str
) -> Event:
    data = email_deferred_schema.dump(
        {
            "event_id": event_id,
            "event_type": event_type,
            "event_data": event_data,
            "recipients": recipients,
            "error": error,
        }
    )
    return Event(EMAIL_DEFERRED, data, subject=event_id)
