"""The events the mailer publishes (it owns their contract)."""

from __future__ import annotations

import marshmallow as ma

from services.common.events import Event

EMAIL_SENT = "mailer.email.sent"
EMAIL_FAILED = "mailer.email.failed"
# Staff asked for a logged e-mail to be sent again; the mailer's own worker does it.
RESEND_REQUESTED = "mailer.email.resend_requested"


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


_sent = EmailOutcomeSchema(exclude=("error",))
_failed = EmailOutcomeSchema()
resend_requested_schema = ResendRequestedSchema()


def email_sent(email: object) -> Event:
    return Event(EMAIL_SENT, _sent.dump(email), subject=email.id)


def email_failed(email: object) -> Event:
    return Event(EMAIL_FAILED, _failed.dump(email), subject=email.id)


def resend_requested(email_id: str, requested_by: str) -> Event:
    data = resend_requested_schema.dump({"email_id": email_id, "requested_by": requested_by})
    return Event(RESEND_REQUESTED, data, subject=email_id)
