"""Secure access links: issued by staff for one customer (whole, one site, one intervention),
shown once, optionally e-mailed to the customer's contact, revocable one at a time, exchanged for
a short-lived access token that carries the scope.

Revoking ends the link's sessions at their next request: identity announces it
(`identity.link.revoked`) and each service holding customer data keeps a replica of revoked link
ids that `services.common.auth` checks; the session token also lives only `LINK_SESSION_TTL`
seconds, after which the link must be exchanged again (and a revoked one no longer is).
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from services.common.models import is_id, utcnow
from services.common.outbox import add_event
from services.common.pagination import paginate
from services.common.problems import ProblemError, field_error

from . import events
from .companies import get_company
from .errors import not_found
from .models import SecureLink, db
from .tokens import sign_access_token, token_hash

TOKEN_BYTES = 32  # 256 random bits


def link_url(raw: str) -> str:
    return f"{current_app.config['PORTAL_WEB_URL']}/link?token={raw}"


def status(link: SecureLink, now: datetime | None = None) -> str:
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at is not None and link.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def issue(data: dict, staff_id: str) -> tuple[SecureLink, str]:
    """A new link and its raw token (the only time it exists outside the holder's hands)."""
    company = get_company(data["company_id"])
    scope = data["scope"]
    scope_id = scope.get("id") or (company.id if scope["type"] == "company" else None)
    if scope["type"] == "company" and scope_id != company.id:
        raise field_error("scope", "A company-wide link takes no id, or the company's own.")
    if not is_id(scope_id):
        raise field_error("scope", "Give the id of the site or intervention the link opens.")
    if data.get("expires_at") is not None and data["expires_at"] <= utcnow():
        raise field_error("expires_at", "Choose an expiry in the future.")
    contact = company.contact_email
    if data["send_to_contact"] and not contact:
        raise field_error(
            "send_to_contact", "This customer has no contact e-mail; add one to the company first."
        )
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    link = SecureLink(
        company_id=company.id,
        scope_type=scope["type"],
        scope_id=scope_id,
        label=data.get("label"),
        token_hash=token_hash(raw),
        expires_at=data.get("expires_at"),
        created_by=staff_id,
    )
    db.session.add(link)
    db.session.flush()
    if data["send_to_contact"]:
        add_event(events.link_issued(link, company, link_url(raw), data["locale"]))
    db.session.commit()
    return link, raw


def get(link_id: str) -> SecureLink:
    link = db.session.get(SecureLink, link_id) if is_id(link_id) else None
    if link is None:
        raise not_found("secure link", link_id)
    return link


def list_links(filters: dict) -> dict:
    query = sa.select(SecureLink).order_by(SecureLink.created_at.desc(), SecureLink.id)
    if filters.get("company_id"):
        query = query.where(SecureLink.company_id == filters["company_id"])
    return paginate(db.session, query, filters["page"], filters["page_size"])


def revoke(link_id: str) -> None:
    """Revoke one link (again: no change); its sessions end at their next request."""
    link = get(link_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        add_event(events.link_revoked(link))
        db.session.commit()


def _invalid() -> ProblemError:
    return ProblemError(
        400,
        "This link cannot be used: it has expired or was revoked. Ask the firm for a new one.",
        code="LINK_INVALID",
    )


def exchange(raw: str) -> dict:
    """A short-lived access token carrying the link's customer and scope."""
    link = db.session.scalars(
        sa.select(SecureLink).where(SecureLink.token_hash == token_hash(raw))
    ).first()
    now = utcnow()
    if link is None or status(link, now) != "active":
        raise _invalid()
    ttl = current_app.config["LINK_SESSION_TTL"]
    if link.expires_at is not None:
        ttl = min(ttl, int((link.expires_at - now).total_seconds()))
    claims = {
        "sub": f"link:{link.id}",
        "kind": "link",
        "link": link.id,
        "company": link.company_id,
        "scope": {"type": link.scope_type, "id": link.scope_id},
    }
    link.last_used_at = now
    db.session.commit()
    return {
        "access_token": sign_access_token(claims, ttl),
        "token_type": "Bearer",
        "expires_in": ttl,
        "company": {"id": link.company_id, "name": get_company(link.company_id).name},
        "scope": {"type": link.scope_type, "id": link.scope_id},
    }


def view(link: SecureLink) -> dict:
    return {
        "id": link.id,
        "company_id": link.company_id,
        "scope": {"type": link.scope_type, "id": link.scope_id},
        "label": link.label,
        "status": status(link),
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
        "last_used_at": link.last_used_at,
        "created_at": link.created_at,
    }
