"""The events onboarding publishes; this module is their contract (other services consume them).

Each type's `data` is dumped through its schema below (services/common/events.EventType). The
resume link carries a live token: it travels sealed for the mailer alone (sealing.py).
"""

from __future__ import annotations

from marshmallow import fields

from services.common.events import Event, EventSchema, EventType, iso, timestamp
from services.common.sealing import seal

from .models import AccessRequest, CustomerGroup, Representative


def _nullable(description: str = "") -> fields.String:
    return fields.String(required=True, allow_none=True, metadata={"description": description})


class ContactSchema(EventSchema):
    name = _nullable("null until the representative gave it")
    email = _nullable("null until the representative gave it")
    phone = _nullable()
    locale = fields.String(required=True, metadata={"description": "the language they chose"})


class GroupSchema(EventSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class ResumeLinkIssuedSchema(EventSchema):
    access_request_id = fields.String(required=True)
    group = fields.Nested(GroupSchema, required=True)
    contact = fields.Nested(ContactSchema, required=True)
    sealed_url = fields.String(
        required=True,
        metadata={
            "description": "The link back to the request, sealed for the mailer alone (Fernet "
            "under MAIL_LINK_KEYS): opaque to every other consumer, never a usable link"
        },
    )
    expires_at = timestamp("when the resume link stops working", required=True)


class AccessRequestSubmittedSchema(EventSchema):
    access_request_id = fields.String(required=True)
    group_id = fields.String(required=True)
    status = fields.String(
        required=True,
        metadata={"description": "in_review, or completed when it matched a company by itself"},
    )
    company_id = _nullable("the company it matched, if any")
    contact = fields.Nested(ContactSchema, required=True)


class RequestedCompanySchema(EventSchema):
    name = _nullable("as the representative typed it")
    tax_id = _nullable()


class AccessRequestCompletedSchema(EventSchema):
    access_request_id = fields.String(required=True)
    group = fields.Nested(GroupSchema, required=True)
    company_id = fields.String(required=True)
    contact = fields.Nested(ContactSchema, required=True)
    company = fields.Nested(RequestedCompanySchema, required=True)


class PrimarySchema(EventSchema):
    user_id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    locale = _nullable()
    time_zone = _nullable("IANA name, or null for the firm's default")


class SecondarySchema(EventSchema):
    user_id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)


class AdditionalContactAddedSchema(EventSchema):
    primary = fields.Nested(PrimarySchema, required=True)
    secondary = fields.Nested(SecondarySchema, required=True)
    company = fields.Nested(GroupSchema, required=True, metadata={"description": "{id, name}"})
    group = fields.Nested(GroupSchema, required=True)
    message = _nullable("the group's message, in the primary's language")


class ContactUpdatedSchema(EventSchema):
    user_id = fields.String(required=True)
    company_id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    phone = _nullable()


RESUME_LINK_ISSUED = EventType(
    "onboarding.resume_link.issued",
    ResumeLinkIssuedSchema,
    "A representative started an access request; the mailer e-mails the sealed resume link.",
    "the access request's id",
)
ACCESS_REQUEST_SUBMITTED = EventType(
    "onboarding.access_request.submitted",
    AccessRequestSubmittedSchema,
    "A representative submitted their access request.",
    "the access request's id",
)
ACCESS_REQUEST_COMPLETED = EventType(
    "onboarding.access_request.completed",
    AccessRequestCompletedSchema,
    "An access request was approved or matched: identity creates the portal user and membership.",
    "the access request's id",
)
ADDITIONAL_CONTACT_ADDED = EventType(
    "onboarding.additional_contact.added",
    AdditionalContactAddedSchema,
    "A secondary representative became active; the company's primary one is told.",
    "the company's id",
)
CONTACT_UPDATED = EventType(
    "onboarding.contact.updated",
    ContactUpdatedSchema,
    "A representative changed their contact details in the portal.",
    "the representative's user id",
)
PUBLISHED = (
    RESUME_LINK_ISSUED,
    ACCESS_REQUEST_SUBMITTED,
    ACCESS_REQUEST_COMPLETED,
    ADDITIONAL_CONTACT_ADDED,
    CONTACT_UPDATED,
)


def _contact(request: AccessRequest) -> dict:
    return {
        "name": request.contact_name,
        "email": request.contact_email,
        "phone": request.contact_phone,
        "locale": request.locale,
    }


def resume_link_issued(request: AccessRequest, group: CustomerGroup, resume_url: str) -> Event:
    """The representative is e-mailed the link that takes them back to their request."""
    data = {
        "access_request_id": request.id,
        "group": {"id": group.id, "name": group.name},
        "contact": _contact(request),
        "sealed_url": seal(resume_url),
        "expires_at": iso(request.resume_expires_at),
    }
    return RESUME_LINK_ISSUED.event(data, subject=request.id)


def access_request_submitted(request: AccessRequest) -> Event:
    data = {
        "access_request_id": request.id,
        "group_id": request.group_id,
        "status": request.status,  # in_review, or completed when it matched by itself
        "company_id": request.company_id,
        "contact": _contact(request),
    }
    return ACCESS_REQUEST_SUBMITTED.event(data, subject=request.id)


def access_request_completed(request: AccessRequest, group: CustomerGroup) -> Event:
    """Identity creates the portal user and their membership of `company_id` from this."""
    data = {
        "access_request_id": request.id,
        "group": {"id": group.id, "name": group.name},
        "company_id": request.company_id,
        "contact": _contact(request),
        "company": {"name": request.company_name, "tax_id": request.tax_id},
    }
    return ACCESS_REQUEST_COMPLETED.event(data, subject=request.id)


def additional_contact_added(
    primary: dict, secondary: dict, company: dict, group: CustomerGroup, message: str
) -> Event:
    """The primary representative is told, with the group's message in their language."""
    data = {
        "primary": primary,  # {user_id, email, name, locale, time_zone}
        "secondary": secondary,  # {user_id, email, name}
        "company": company,  # {id, name}
        "group": {"id": group.id, "name": group.name},
        "message": message,
    }
    return ADDITIONAL_CONTACT_ADDED.event(data, subject=company["id"])


def contact_updated(representative: Representative) -> Event:
    data = {
        "user_id": representative.user_id,
        "company_id": representative.company_id,
        "email": representative.email,
        "name": representative.name,
        "phone": representative.phone,
    }
    return CONTACT_UPDATED.event(data, subject=representative.user_id)
