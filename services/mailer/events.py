"""The events the mailer publishes (it owns their contract): each type's `data` is dumped through
its schema below (services/common/events.EventType).

`mailer.email.resend_requested`, `.deferred` and `.released` are the mailer's own work queue: they
travel on the shared exchange, but only the mailer's worker acts on them.
"""

from __future__ import annotations

import marshmallow as ma

from services.common.events import Event, EventSchema, EventType

EMAIL_SENT = "mailer.email.sent"
EMAIL_FAILED = "mailer.email.failed"
# Staff asked for a logged e-mail to be sent again; the mailer's own worker does it.
RESEND_REQUESTED = "mailer.email.resend_requested"
# Some e-mails of an event went out and the rest could not yet: the rest are retried on their own.
EMAIL_DEFERRED = "mailer.email.deferred"
# A held e-mail may go out now (its recipient's invitation e-mail was sent): the worker sends it.
EMAIL_RELEASED = "mailer.email.released"


class EmailSentSchema(EventSchema):
    """Data of `mailer.email.sent`, dumped from an e-mail log row."""

    class Meta:
        unknown = ma.EXCLUDE

    email_id = ma.fields.String(attribute="id", required=True)
    event_id = ma.fields.String(required=True, metadata={"description": "the event e-mailed"})
    event_type = ma.fields.String(required=True)
    recipient = ma.fields.String(attribute="recipient_email", required=True)
    template = ma.fields.String(required=True)
    locale = ma.fields.String(required=True)
    subject = ma.fields.String(required=True, metadata={"description": "the e-mail's subject"})


class EmailFailedSchema(EmailSentSchema):
    """Data of `mailer.email.failed`."""

    error = ma.fields.String(required=True, allow_none=True)


class ResendRequestedSchema(EventSchema):
    class Meta:
        unknown = ma.EXCLUDE

    email_id = ma.fields.String(required=True)
    requested_by = ma.fields.String(load_default=None, allow_none=True)


class EmailReleasedSchema(EventSchema):
    class Meta:
        unknown = ma.EXCLUDE

    email_id = ma.fields.String(required=True)


class EmailDeferredSchema(EventSchema):
    """The e-mails of one event still to send, to whom (in the order to try them) and why."""

    class Meta:
        unknown = ma.EXCLUDE

    event_id = ma.fields.String(required=True)
    event_type = ma.fields.String(required=True)
    event_data = ma.fields.Dict(
        required=True, metadata={"description": "the data of that event, as it was published"}
    )
    recipients = ma.fields.List(ma.fields.String(), required=True)
    error = ma.fields.String(load_default="")


EMAIL_SENT_TYPE = EventType(
    EMAIL_SENT,
    EmailSentSchema,
    "The SMTP relay accepted an e-mail (one per event and recipient).",
    "the e-mail's id in the mailer's log",
)
EMAIL_FAILED_TYPE = EventType(
    EMAIL_FAILED,
    EmailFailedSchema,
    "An e-mail was refused for good, or failed every attempt.",
    "the e-mail's id in the mailer's log",
)
RESEND_REQUESTED_TYPE = EventType(
    RESEND_REQUESTED,
    ResendRequestedSchema,
    "Staff asked for a logged e-mail to be sent again (the mailer's own work).",
    "the e-mail's id",
)
EMAIL_RELEASED_TYPE = EventType(
    EMAIL_RELEASED,
    EmailReleasedSchema,
    "A held e-mail may go out: its recipient's invitation was sent (the mailer's own work).",
    "the e-mail's id",
)
EMAIL_DEFERRED_TYPE = EventType(
    EMAIL_DEFERRED,
    EmailDeferredSchema,
    "Some e-mails of an event went out, the rest are retried on their own (the mailer's own work).",
    "the id of the event e-mailed",
)
PUBLISHED = (
    EMAIL_SENT_TYPE,
    EMAIL_FAILED_TYPE,
    RESEND_REQUESTED_TYPE,
    EMAIL_RELEASED_TYPE,
    EMAIL_DEFERRED_TYPE,
)
resend_requested_schema = ResendRequestedSchema()
email_released_schema = EmailReleasedSchema()
email_deferred_schema = EmailDeferredSchema()


def email_sent(email: object) -> Event:
    return EMAIL_SENT_TYPE.event(email, subject=email.id)


def email_failed(email: object) -> Event:
    return EMAIL_FAILED_TYPE.event(email, subject=email.id)


def resend_requested(email_id: str, requested_by: str) -> Event:
    data = {"email_id": email_id, "requested_by": requested_by}
    return RESEND_REQUESTED_TYPE.event(data, subject=email_id)


def email_released(email_id: str) -> Event:
    return EMAIL_RELEASED_TYPE.event({"email_id": email_id}, subject=email_id)


def email_deferred(
    event_id: str, event_type: str, event_data: dict, recipients: list[str], error: str
) -> Event:
    data = {
        "event_id": event_id,
        "event_type": event_type,
        "event_data": event_data,
        "recipients": recipients,
        "error": error,
    }
    return EMAIL_DEFERRED_TYPE.event(data, subject=event_id)
