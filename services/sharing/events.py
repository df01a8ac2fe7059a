"""The events sharing publishes; this module is their contract (documents and the mailer read them).

A `matter` is {id, kind, reference, title, company_id, company_name}; a person is
{user_id, email, name, locale}; timestamps are ISO 8601 UTC ("2026-05-01T09:30:00Z").
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from services.common.events import Event, iso

from .models import Collaborator, Company, Matter, Signature, User


def matter_ref(matter: Matter, company: Company) -> dict:
    return {
        "id": matter.id,
        "kind": matter.kind,
        "reference": matter.reference,
        "title": matter.title,
        "company_id": matter.company_id,
        "company_name": company.name,
    }


def person(user: User) -> dict:
    return {"user_id": user.id, "email": user.email, "name": user.name, "locale": user.locale}


def portal_url(matter: Matter) -> str:
    return f"{current_app.config['PORTAL_WEB_URL']}/matters/{matter.id}"


def _collaborator(collaborator: Collaborator, user: User) -> dict:
    return {**person(user), "id": collaborator.id, "role": collaborator.role}


def audience_changed(matter: Matter, audience: dict[str, list[str]]) -> Event:
    """The full audience each time: documents replaces its replica of the matter from it."""
    return Event("sharing.audience.changed", audience_data(matter, audience), subject=matter.id)


def audience_data(matter: Matter, audience: dict[str, list[str]]) -> dict:
    """Also the answer of GET /api/v1/matters/{id}/audience (a replica's read-through)."""
    return {
        "matter_id": matter.id,
        "company_id": matter.company_id,
        "visible": matter.visible,
        "attachments_visible_by_default": matter.attachments_visible_by_default,
        "version": matter.audience_version,
        "audience": [
            {"user_id": user_id, "reasons": reasons}
            for user_id, reasons in sorted(audience.items())
        ],
    }


def matter_published(
    matter: Matter, company: Company, shared_with: Iterable[tuple[User, str]]
) -> Event:
    """To the people who just got access as requester or watcher (`as` says which)."""
    data = {
        "matter": matter_ref(matter, company),
        "portal_url": portal_url(matter),
        "shared_with": [{**person(user), "as": role} for user, role in shared_with],
    }
    return Event("sharing.matter.published", data, subject=matter.id)


def matter_unpublished(matter: Matter, company: Company) -> Event:
    return Event(
        "sharing.matter.unpublished", {"matter": matter_ref(matter, company)}, subject=matter.id
    )


def collaborator_added(
    matter: Matter, company: Company, collaborator: Collaborator, user: User
) -> Event:
    data = {
        "matter": matter_ref(matter, company),
        "portal_url": portal_url(matter),
        "collaborator": _collaborator(collaborator, user),
    }
    return Event("sharing.collaborator.added", data, subject=matter.id)


def approval_decided(
    matter: Matter,
    company: Company,
    collaborator: Collaborator,
    user: User,
    notify: Iterable[User],
) -> Event:
    data = {
        "matter": matter_ref(matter, company),
        "collaborator": _collaborator(collaborator, user),
        "decision": collaborator.status,
        "comment": collaborator.comment,
        "decided_at": iso(collaborator.decided_at),
        "notify": [person(staff) for staff in notify],
    }
    return Event("sharing.approval.decided", data, subject=matter.id)


def signature_signed(
    matter: Matter,
    company: Company,
    collaborator: Collaborator,
    user: User,
    signature: Signature,
    notify: Iterable[User],
) -> Event:
    data = {
        "matter": matter_ref(matter, company),
        "collaborator": _collaborator(collaborator, user),
        "full_name": signature.full_name,
        "signed_at": iso(signature.signed_at),
        "documents": [
            {"document_id": d["document_id"], "name": d["name"], "sha256": d["sha256"]}
            for d in signature.documents
        ],
        "notify": [person(staff) for staff in notify],
    }
    return Event("sharing.signature.signed", data, subject=matter.id)
