"""The events onboarding publishes; this module is their contract (other services consume them)."""

from __future__ import annotations

from services.common.events import Event, iso

from .models import AccessRequest, CustomerGroup, Representative


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
        "resume_url": resume_url,
        "expires_at": iso(request.resume_expires_at),
    }
    return Event("onboarding.resume_link.issued", data, subject=request.id)


def access_request_submitted(request: AccessRequest) -> Event:
    data = {
        "access_request_id": request.id,
        "group_id": request.group_id,
        "status": request.status,  # in_review, or completed when it matched by itself
        "company_id": request.company_id,
        "contact": _contact(request),
    }
    return Event("onboarding.access_request.submitted", data, subject=request.id)


def access_request_completed(request: AccessRequest, group: CustomerGroup) -> Event:
    """Identity creates the portal user and their membership of `company_id` from this."""
    data = {
        "access_request_id": request.id,
        "group": {"id": group.id, "name": group.name},
        "company_id": request.company_id,
        "contact": _contact(request),
        "company": {"name": request.company_name, "tax_id": request.tax_id},
    }
    return Event("onboarding.access_request.completed", data, subject=request.id)


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
    return Event("onboarding.additional_contact.added", data, subject=company["id"])


def contact_updated(representative: Representative) -> Event:
    data = {
        "user_id": representative.user_id,
        "company_id": representative.company_id,
        "email": representative.email,
        "name": representative.name,
        "phone": representative.phone,
    }
    return Event("onboarding.contact.updated", data, subject=representative.user_id)
