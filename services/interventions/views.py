"""Rows as the API shows them (the schemas dump these dicts)."""

from __future__ import annotations

from .models import MOVES, AddressMixin, Equipment, Intervention, Site


def address_of(row: AddressMixin) -> dict:
    return {
        "line1": row.address_line1,
        "line2": row.address_line2,
        "postal_code": row.address_postal_code,
        "city": row.address_city,
        "country": row.address_country,
    }


def contact_of(row: AddressMixin) -> dict:
    return {"name": row.contact_name, "email": row.contact_email, "phone": row.contact_phone}


def set_address(row: AddressMixin, address: dict | None) -> None:
    for key, value in (address or {}).items():
        setattr(row, f"address_{key}", value)


def set_contact(row: AddressMixin, contact: dict | None) -> None:
    for key, value in (contact or {}).items():
        setattr(row, f"contact_{key}", value)


def prefill(site: AddressMixin | None, company: AddressMixin) -> tuple[dict, dict]:
    """Address and contact of a new intervention: the site's where it has one, else the
    customer's main address and contact."""
    address = address_of(site) if site is not None and site.address_line1 else address_of(company)
    has_contact = site is not None and (site.contact_name or site.contact_email)
    return address, contact_of(site) if has_contact else contact_of(company)


def site_view(site: Site) -> dict:
    return {
        "id": site.id,
        "company_id": site.company_id,
        "name": site.name,
        "address": address_of(site),
        "contact": contact_of(site),
    }


def equipment_view(item: Equipment) -> dict:
    return {
        "id": item.id,
        "company_id": item.company_id,
        "site_id": item.site_id,
        "name": item.name,
        "type": item.type,
        "serial": item.serial,
    }


def intervention_view(item: Intervention, with_history: bool = False) -> dict:
    view = {
        "id": item.id,
        "number": item.reference,
        "company_id": item.company_id,
        "site_id": item.site_id,
        "equipment_id": item.equipment_id,
        "type": {"id": item.type.id, "name": item.type.name} if item.type else None,
        "description": item.description,
        "extra": item.extra or {},
        "address": address_of(item),
        "contact": contact_of(item),
        "status": item.status,
        "allowed_moves": list(MOVES[item.status]),
        "scheduled_at": item.scheduled_at,
        "technician": item.technician,
        "locale": item.locale,
        "created_at": item.created_at,
    }
    if with_history:
        view["history"] = [
            {"from_status": h.from_status, "to_status": h.to_status, "note": h.note, "at": h.at}
            for h in item.history
        ]
    return view
