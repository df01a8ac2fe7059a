"""What a customer-side caller may see, from its token's claims checked against this service's own
data: a portal user sees the customers they are a member of; a link session sees its customer, or
only one of its sites, or only one of its interventions. Anything outside answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from services.common.auth import Caller, current_caller
from services.common.models import is_id
from services.common.problems import ProblemError

from . import options
from .models import Company, Equipment, Intervention, Site, db


@dataclass(frozen=True)
class Visibility:
    companies: dict[str, Company]  # the customers in view, by id (portal turned on)
    site_id: str | None = None  # a site-scoped link: only this site
    intervention_id: str | None = None  # an intervention-scoped link: only this one
    creator: str = ""  # "user:<id>" or "link:<id>": who creates, and the throttling key

    @property
    def may_create(self) -> bool:
        return self.intervention_id is None


def not_found(what: str = "intervention") -> ProblemError:
    return ProblemError(404, f"There is no such {what} in your portal.", code="NOT_FOUND")


def _companies(ids: list[str]) -> dict[str, Company]:
    ids = [i for i in ids if is_id(i)]
    rows = db.session.scalars(sa.select(Company).where(Company.id.in_(ids))).all() if ids else []
    return {c.id: c for c in rows}


def _link_visibility(caller: Caller) -> Visibility:
    scope = caller.scope
    companies = _companies([scope["company"]])
    creator = f"link:{caller.link_id}"
    if scope["type"] == "site":
        site = db.session.get(Site, scope["id"]) if is_id(scope["id"]) else None
        if site is None or site.company_id not in companies:
            companies = {}  # a scope that names another customer's site opens nothing
        return Visibility(companies, site_id=scope["id"], creator=creator)
    if scope["type"] == "intervention":
        item = db.session.get(Intervention, scope["id"]) if is_id(scope["id"]) else None
        if item is None or item.company_id not in companies:
            companies = {}
        return Visibility(companies, intervention_id=scope["id"], creator=creator)
    return Visibility(companies, creator=creator)


def visibility(company_id: str | None = None) -> Visibility:
    """The caller's view, narrowed to `company_id` when given (a customer not in view: 404)."""
    caller = current_caller()
    if caller.kind == "link":
        seen = _link_visibility(caller)
    else:
        seen = Visibility(_companies(list(caller.companies)), creator=f"user:{caller.user_id}")
    enabled = {i: c for i, c in seen.companies.items() if options.effective(i)["portal_enabled"]}
    if seen.companies and not enabled:
        raise ProblemError(403, options.OFF_MESSAGES["portal_enabled"], code="PORTAL_ENABLED_OFF")
    if company_id is not None:
        if company_id not in enabled:
            raise not_found("customer")
        enabled = {company_id: enabled[company_id]}
    return Visibility(enabled, seen.site_id, seen.intervention_id, seen.creator)


def current_customer(seen: Visibility) -> Company:
    """The one customer a page is about: the link's, or the user's first (by name)."""
    if not seen.companies:
        raise not_found("customer")
    return sorted(seen.companies.values(), key=lambda c: (c.name, c.id))[0]


def interventions_query(seen: Visibility) -> sa.Select:
    query = sa.select(Intervention).where(Intervention.company_id.in_(list(seen.companies)))
    if seen.site_id:
        query = query.where(Intervention.site_id == seen.site_id)
    if seen.intervention_id:
        query = query.where(Intervention.id == seen.intervention_id)
    return query


def sites_query(seen: Visibility) -> sa.Select:
    query = sa.select(Site).where(Site.company_id.in_(list(seen.companies)))
    if seen.site_id:
        query = query.where(Site.id == seen.site_id)
    if seen.intervention_id:
        query = query.where(
            Site.id
            == sa.select(Intervention.site_id)
            .where(Intervention.id == seen.intervention_id)
            .scalar_subquery()
        )
    return query


def equipment_query(seen: Visibility) -> sa.Select:
    query = sa.select(Equipment).where(Equipment.company_id.in_(list(seen.companies)))
    if seen.site_id:
        query = query.where(Equipment.site_id == seen.site_id)
    if seen.intervention_id:
        query = query.where(
            Equipment.id
            == sa.select(Intervention.equipment_id)
            .where(Intervention.id == seen.intervention_id)
            .scalar_subquery()
        )
    return query


def one(query: sa.Select, model: type, row_id: str, what: str):  # noqa: ANN201 - a row
    row = db.session.scalars(query.where(model.id == row_id)).first() if is_id(row_id) else None
    if row is None:
        raise not_found(what)
    return row
