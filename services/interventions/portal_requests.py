"""A customer asks for an intervention: the pre-filled form, then the request itself (checked
against the caller's own customer, throttled per session, idempotent per Idempotency-Key)."""

from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from services.common.models import utcnow
from services.common.problems import ProblemError, field_error

from . import lifecycle, options, portal_queries, scope
from .models import Equipment, Intervention, InterventionType, Site, db
from .scope import Visibility
from .views import prefill

WINDOW = timedelta(minutes=1)


def _creating_customer(seen: Visibility, company_id: str | None):  # noqa: ANN202 - a Company
    if not seen.may_create:
        raise ProblemError(
            403,
            "This link shows one intervention; ask the firm for a link to request new ones.",
            code="CREATE_NOT_IN_SCOPE",
        )
    company = seen.companies.get(company_id) if company_id else scope.current_customer(seen)
    if company is None:
        raise field_error("company_id", "You cannot request interventions for this customer.")
    options.require(company.id, "create_allowed")
    return company


def _site(seen: Visibility, company_id: str, site_id: str | None) -> Site | None:
    site_id = site_id or seen.site_id
    if seen.site_id and site_id != seen.site_id:
        raise field_error("site_id", "This link is for one site only; keep its site.")
    if site_id is None:
        return None
    site = db.session.scalars(scope.sites_query(seen).where(Site.id == site_id)).first()
    if site is None or site.company_id != company_id:
        raise field_error("site_id", "No site of yours has this id.")
    return site


def new_form(seen: Visibility, company_id: str | None, site_id: str | None) -> dict:
    company = _creating_customer(seen, company_id)
    site = _site(seen, company.id, site_id)
    address, contact = prefill(site, company)
    types = db.session.scalars(
        sa.select(InterventionType).where(InterventionType.active).order_by(InterventionType.name)
    ).all()
    sites = db.session.scalars(
        scope.sites_query(seen).where(Site.company_id == company.id).order_by(Site.name)
    ).all()
    equipment = db.session.scalars(
        portal_queries.visible_equipment(seen).where(Equipment.company_id == company.id)
    ).all()
    return {
        "company": {"id": company.id, "name": company.name},
        "site_id": site.id if site else None,
        "address": address,
        "contact": contact,
        "types": [{"id": t.id, "name": t.name, "fields": t.fields} for t in types],
        "sites": [{"id": s.id, "name": s.name} for s in sites],
        "equipment": [{"id": e.id, "name": e.name} for e in equipment],
    }


def _throttle(creator: str) -> None:
    """At most PORTAL_CREATE_LIMIT creations a minute per session (user or link)."""
    limit = current_app.config["PORTAL_CREATE_LIMIT"]
    since = utcnow() - WINDOW
    recent = db.session.scalars(
        sa.select(Intervention.created_at)
        .where(Intervention.created_by == creator, Intervention.created_at > since)
        .order_by(Intervention.created_at)
    ).all()
    if len(recent) >= limit:
        wait = math.ceil((recent[0] + WINDOW - utcnow()).total_seconds())
        raise ProblemError(
            429,
            f"You have asked for {limit} interventions in the last minute; "
            f"try again in {max(wait, 1)} seconds.",
            code="TOO_MANY_INTERVENTIONS",
            headers={"Retry-After": str(max(wait, 1))},
        )


def create(seen: Visibility, data: dict, idempotency_key: str | None) -> Intervention:
    retry = lifecycle.find_retry(seen.creator, idempotency_key)
    if retry is not None:
        return retry
    company = _creating_customer(seen, data.get("company_id"))
    site = _site(seen, company.id, data.get("site_id"))
    if data.get("equipment_id"):
        visible = portal_queries.visible_equipment(seen)
        found = db.session.scalars(visible.where(Equipment.id == data["equipment_id"])).first()
        if found is None or found.company_id != company.id:
            raise field_error("equipment_id", "No equipment of yours has this id.")
    _throttle(seen.creator)
    request = {**data, "company_id": company.id, "site_id": site.id if site else None}
    return lifecycle.create(request, seen.creator, idempotency_key)
