"""The events interventions publishes; this module is their contract (the mailer and documents
read them).

`intervention` is {id, number ("INT-000123"), company: {id, name, number}, site: {id, name} | null,
type: {id, name} | null, description, status, scheduled_at, technician, address, contact
{name, email, phone}, locale, created_by ("user:<id>", "link:<id>" or "staff:<id>"), url}.
Timestamps are ISO 8601 UTC.

`interventions.portal_options.changed`: {company_id (a customer's id, or "default" for the
firm-wide default), options: {portal_enabled, create_allowed, attachments_shown,
equipment_shown, gallery_shown}: that row's own values, null where it follows the default}.
"""

from __future__ import annotations

from flask import current_app

from services.common.events import Event, iso

from .models import Company, Intervention, Site, db
from .views import address_of, contact_of


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
    return Event("interventions.intervention.created", data, subject=item.id)


def status_changed(item: Intervention, before: str) -> Event:
    data = {"intervention": intervention_data(item), "from": before, "to": item.status}
    return Event("interventions.intervention.status_changed", data, subject=item.id)


def options_changed(company_id: str, own: dict) -> Event:
    """Documents keeps a replica: it shows attachments and the gallery by these options."""
    data = {"company_id": company_id, "options": own}
    return Event("interventions.portal_options.changed", data, subject=company_id)
