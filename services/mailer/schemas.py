"""Marshmallow schemas of the staff API (the e-mail log)."""

import marshmallow as ma

from services.common.pagination import MAX_PAGE_SIZE, PageQuerySchema, page_schema

from .models import FAILED, HELD, SENT


class EmailSchema(ma.Schema):
    id = ma.fields.String()
    event_id = ma.fields.String()
    event_type = ma.fields.String()
    recipient_email = ma.fields.String()
    recipient_name = ma.fields.String()
    locale = ma.fields.String()
    template = ma.fields.String()
    subject = ma.fields.String()
    status = ma.fields.String(
        metadata={
            "enum": [SENT, FAILED, HELD],
            "description": "held: waits until the recipient's invitation e-mail has been sent",
        }
    )
    message_id = ma.fields.String()
    error = ma.fields.String(allow_none=True)
    resend_count = ma.fields.Integer()
    resend_of = ma.fields.String(
        allow_none=True, metadata={"description": "The e-mail this one is a resend of"}
    )
    created_at = ma.fields.DateTime()
    sent_at = ma.fields.DateTime(allow_none=True)


class EmailQuerySchema(PageQuerySchema):
    class Meta:
        unknown = ma.EXCLUDE

    recipient = ma.fields.String(metadata={"description": "Part of the recipient's address"})
    status = ma.fields.String(validate=ma.validate.OneOf([SENT, FAILED, HELD]))
    event_type = ma.fields.String()
    # The log is read a screenful at a time: a longer default page than the other lists.
    page_size = ma.fields.Integer(
        load_default=50, validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE)
    )


EmailPageSchema = page_schema(EmailSchema, "EmailPage")


class ResendAcceptedSchema(ma.Schema):
    resend_event_id = ma.fields.String()
