"""The events interventions publishes; this module is their contract (the mailer and documents
read them). Each type's `data` is dumped through its schema below (common/events.EventType).
Timestamps are ISO 8601 UTC.
"""

from __future__ import annotations

from flask import current_app
from marshmallow import fields

from services.common.events import Event, EventSchema, EventType, iso, timestamp

from .models import OPTIONS, Company, Intervention, Site, db
from .views import address_of, contact_of


def _nullable(description: str = "") -> fields.String:
    return fields.String(required=True, allow_none=True, metadata={"description": description})


class NamedSchema(EventSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class CompanySchema(NamedSchema):
    number = _nullable("the firm's customer number")


class AddressSchema(EventSchema):
    line1 = _nullable()
    line2 = _nullable()
    postal_code = _nullable()
    city = _nullable()
    country = _nullable("ISO 3166-1 alpha-2 code")


class ContactSchema(EventSchema):
    name = _nullable()
    email = _nullable()
    phone = _nullable()


class InterventionSchema(EventSchema):
    id = fields.String(required=True)
    number = fields.String(required=True, metadata={"description": 'e.g. "INT-000123"'})
    company = fields.Nested(CompanySchema, required=True)
    site = fields.Nested(NamedSchema, required=True, allow_none=True)
    type = fields.Nested(NamedSchema, required=True, allow_none=True)
    description = fields.String(required=True)
    status = fields.String(required=True)
    scheduled_at = timestamp("null until scheduled", required=True, allow_none=True)
    technician = _nullable()
    address = fields.Nested(AddressSchema, required=True)
    contact = fields.Nested(ContactSchema, required=True, metadata={"description": "on site"})
    locale = fields.String(required=True)
    created_by = fields.String(
        required=True, metadata={"description": '"user:<id>", "link:<id>" or "staff:<id>"'}
    )
    url = fields.String(
        required=True, metadata={"description": "its page in the portal (sign-in required)"}
    )


class InterventionCreatedSchema(EventSchema):
    intervention = fields.Nested(InterventionSchema, required=True)


class StatusChangedSchema(EventSchema):
    intervention = fields.Nested(InterventionSchema, required=True)
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)


class OwnOptionsSchema(EventSchema):
    portal_enabled = fields.Boolean(required=True, allow_none=True)
    create_allowed = fields.Boolean(required=True, allow_none=True)
    attachments_shown = fields.Boolean(required=True, allow_none=True)
    equipment_shown = fields.Boolean(required=True, allow_none=True)
    gallery_shown = fields.Boolean(required=True, allow_none=True)


assert tuple(OwnOptionsSchema().fields) == OPTIONS, "the options schema lists every option"


class OptionsChangedSchema(EventSchema):
    company_id = fields.String(
        required=True,
        metadata={"description": 'a customer\'s id, or "default" for the firm-wide default'},
    )
    options = fields.Nested(
        OwnOptionsSchema,
        required=True,
        metadata={"description": "that row's own values, null where it follows the default"},
    )


INTERVENTION_CREATED = EventType(
    "interventions.intervention.created",
    InterventionCreatedSchema,
    "An intervention was requested (portal user, secure link or staff).",
    "the intervention's id",
)
STATUS_CHANGED = EventType(
    "interventions.intervention.status_changed",
    StatusChangedSchema,
    "An intervention moved from one status to another (`from`, `to`).",
    "the intervention's id",
)
OPTIONS_CHANGED = EventType(
    "interventions.portal_options.changed",
    OptionsChangedSchema,
    "Staff changed a customer's (or the firm-wide default) field-service portal options.",
    'the company\'s id, or "default"',
)
PUBLISHED = (INTERVENTION_CREATED, STATUS_CHANGED, OPTIONS_CHANGED)


def intervention_data(item: Intervention) -> dict:
    company = db.session.get(Company, item.company_id)
    site = db.session.get(Site, item.site_id) if item.site_id else None
    return {
        "id": item.id,
        "number": item.reference,
        "company": {"id": company.id, "name": company.name, "number": company.number},
        "site": {"id": site.id, "name": site.name} if site else None,
        "type": {"id": item.type.id, "name": item.type.name} if item.type else None,
        "description": item.description,
        "status": item.status,
        "scheduled_at": iso(item.scheduled_at) if item.scheduled_at else None,
        "technician": item.technician,
        "address": address_of(item),
        "contact": contact_of(item),
        "locale": item.locale,
        "created_by": item.created_by,
        "url": f"{current_app.config['PORTAL_WEB_URL']}/interventions/{item.id}",
    }


def intervention_created(item: Intervention) -> Event:
    data = {"intervention": intervention_data(item)}
    return INTERVENTION_CREATED.event(data, subject=item.id)


def status_changed(item: Intervention, before: str) -> Event:
    data = {"intervention": intervention_data(item), "from_": before, "to": item.status}
    return STATUS_CHANGED.event(data, subject=item.id)


def options_changed(company_id: str, own: dict) -> Event:
    """Documents keeps a replica: it shows attachments and the gallery by these options."""
    data = {"company_id": company_id, "options": own}
    return OPTIONS_CHANGED.event(data, subject=company_id)
