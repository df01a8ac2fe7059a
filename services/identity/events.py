"""The events identity publishes; this module is their contract (other services consume them)."""

from __future__ import annotations

from services.common.events import Event, iso

from .models import Company, Invitation, Membership, PasswordReset, SecureLink, User
from .versions import next_version


def company_data(company: Company) -> dict:
    return {
        "id": company.id,
        "name": company.name,
        "number": company.number,
        "tax_id": company.tax_id,
        "address": {
            "line1": company.address_line1,
            "line2": company.address_line2,
            "postal_code": company.address_postal_code,
            "city": company.address_city,
            "country": company.address_country,
        },
        "contact": {
            "name": company.contact_name,
            "email": company.contact_email,
            "phone": company.contact_phone,
        },
        "extra_info": company.extra_info,
        "customer_group_id": company.customer_group_id,
        "settings": {"members_see_each_other": company.members_see_each_other},
        "version": company.version,
    }


def user_data(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "locale": user.locale,
        # IANA name, or None for the firm's default (PORTAL_TIME_ZONE).
        "time_zone": user.time_zone,
        "kind": user.kind,
        "role": user.role,
        "status": user.status,
        "version": user.version,
    }


def _person(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "locale": user.locale,
        "time_zone": user.time_zone,
    }


# Building a created/updated/changed event takes the row's next version (versions.py): the
# builders below are called once per change, just before add_event.


def company_created(company: Company) -> Event:
    next_version(company)
    return Event("identity.company.created", company_data(company), subject=company.id)


def company_updated(company: Company) -> Event:
    next_version(company)
    return Event("identity.company.updated", company_data(company), subject=company.id)


def user_created(user: User) -> Event:
    next_version(user)
    return Event("identity.user.created", user_data(user), subject=user.id)


def user_updated(user: User) -> Event:
    next_version(user)
    return Event("identity.user.updated", user_data(user), subject=user.id)


def membership_changed(membership: Membership, user: User) -> Event:
    data = {
        "user_id": user.id,  # membership.user_id is not set before the flush
        "company_id": membership.company_id,
        "role": membership.role,
        "active": membership.active,
        "version": next_version(membership),
        # The user's own version (a user created in this transaction gets 1 at the flush): a
        # consumer fills in contact details only if it has none newer.
        "user": {**_person(user), "version": 1 if user.version is None else user.version},
    }
    return Event("identity.membership.changed", data, subject=user.id)


def invitation_sent(
    invitation: Invitation,
    user: User,
    accept_url: str,
    invited_by: User | None,
    companies: list[Company],
) -> Event:
    data = {
        "invitation_id": invitation.id,
        # The address the link was sent to: the invitation is valid only while it is the user's.
        "email": invitation.email,
        "user": _person(user),
        "accept_url": accept_url,
        "expires_at": iso(invitation.expires_at),
        "invited_by": {"id": invited_by.id, "name": invited_by.name} if invited_by else None,
        "companies": [{"id": c.id, "name": c.name} for c in companies],
    }
    return Event("identity.invitation.sent", data, subject=user.id)


def password_reset_requested(reset: PasswordReset, user: User, reset_url: str) -> Event:
    data = {"user": _person(user), "reset_url": reset_url, "expires_at": iso(reset.expires_at)}
    return Event("identity.password_reset.requested", data, subject=user.id)


def _link(link: SecureLink) -> dict:
    return {
        "id": link.id,
        "company_id": link.company_id,
        "scope": {"type": link.scope_type, "id": link.scope_id},
        "expires_at": iso(link.expires_at) if link.expires_at else None,
    }


def link_issued(link: SecureLink, company: Company, url: str, locale: str) -> Event:
    """Only when staff ask for the link to be e-mailed: `url` holds the raw token (the outbox
    forgets it after OUTBOX_RETENTION_HOURS)."""
    data = {
        "link": _link(link),
        "url": url,
        "company": {"id": company.id, "name": company.name},
        "contact": {"name": company.contact_name, "email": company.contact_email},
        "locale": locale,
    }
    return Event("identity.link.issued", data, subject=link.id)


def link_revoked(link: SecureLink) -> Event:
    return Event("identity.link.revoked", _link(link), subject=link.id)
