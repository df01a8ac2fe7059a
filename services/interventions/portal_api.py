"""Portal endpoints (`/api/v1/portal/...`): the customer page, sites, equipment, interventions and
intervention requests, for portal users and secure-link sessions alike. Whatever is outside the
caller's view is a 404, whatever its id."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.common.auth import current_caller, customer_required
from services.common.pagination import paginate

from . import options, portal_queries, portal_requests, scope
from .models import Equipment, Intervention, Site, db
from .portal_schemas import (
    CompanyQuerySchema,
    CustomerSchema,
    IdempotencyHeaderSchema,
    NewFormQuerySchema,
    NewFormSchema,
    PortalEquipmentDetailSchema,
    PortalEquipmentPageSchema,
    PortalInterventionDetailSchema,
    PortalInterventionInSchema,
    PortalInterventionPageSchema,
    PortalListQuerySchema,
    PortalSiteDetailSchema,
    PortalSitePageSchema,
    SiteQuerySchema,
)
from .views import address_of, contact_of

blp = Blueprint(
    "interventions_portal",
    __name__,
    url_prefix="/api/v1/portal",
    description="My customer page, sites, equipment and interventions (client portal)",
)


@blp.get("/customer")
@customer_required
@blp.arguments(CompanyQuerySchema, location="query")
@blp.response(200, CustomerSchema)
def customer(query: dict):
    """Customer number, main address, contact, extra information and what the portal offers."""
    seen = scope.visibility(query.get("company_id"))
    company = scope.current_customer(seen)
    offered = options.effective(company.id)
    caller = current_caller()
    link_scope = caller.scope if caller.kind == "link" else None
    return {
        "id": company.id,
        "name": company.name,
        "number": company.number,
        "address": address_of(company),
        "contact": contact_of(company),
        "extra_info": company.extra_info,
        "options": {k: v for k, v in offered.items() if k != "portal_enabled"},
        "may_create": seen.may_create and offered["create_allowed"],
        "scope": {"type": link_scope["type"], "id": link_scope["id"]}
        if link_scope
        else {"type": "account", "id": None},
        "companies": [
            {"id": c.id, "name": c.name}
            for c in sorted(scope.visibility().companies.values(), key=lambda c: c.name)
        ],
    }


@blp.get("/sites")
@customer_required
@blp.arguments(SiteQuerySchema, location="query")
@blp.response(200, PortalSitePageSchema)
def list_sites(query: dict):
    seen = scope.visibility(query.get("company_id"))
    page = paginate(
        db.session,
        scope.sites_query(seen).order_by(Site.name, Site.id),
        query["page"],
        query["page_size"],
    )
    return {**page, "items": [portal_queries.site_view(seen, s) for s in page["items"]]}


@blp.get("/sites/<site_id>")
@customer_required
@blp.response(200, PortalSiteDetailSchema)
def get_site(site_id: str):
    """A site with its interventions (newest first)."""
    seen = scope.visibility()
    site = scope.one(scope.sites_query(seen), Site, site_id, "site")
    view = portal_queries.site_view(seen, site)
    return {**view, "interventions": portal_queries.recent(seen, Intervention.site_id, site.id)}


def _equipment_shown(seen: scope.Visibility) -> None:
    if seen.companies and not any(options.effective(c)["equipment_shown"] for c in seen.companies):
        options.require(next(iter(seen.companies)), "equipment_shown")


@blp.get("/equipment")
@customer_required
@blp.arguments(SiteQuerySchema, location="query")
@blp.response(200, PortalEquipmentPageSchema)
def list_equipment(query: dict):
    """Equipment in view (403 when the firm does not show equipment to this customer)."""
    seen = scope.visibility(query.get("company_id"))
    _equipment_shown(seen)
    rows = portal_queries.visible_equipment(seen).order_by(Equipment.name, Equipment.id)
    page = paginate(db.session, rows, query["page"], query["page_size"])
    return portal_queries.equipment_page(seen, page)


@blp.get("/equipment/<equipment_id>")
@customer_required
@blp.response(200, PortalEquipmentDetailSchema)
def get_equipment(equipment_id: str):
    """An equipment with its interventions (newest first)."""
    seen = scope.visibility()
    _equipment_shown(seen)
    item = scope.one(portal_queries.visible_equipment(seen), Equipment, equipment_id, "equipment")
    page = portal_queries.equipment_page(seen, {"items": [item]})
    interventions = portal_queries.recent(seen, Intervention.equipment_id, item.id)
    return {**page["items"][0], "interventions": interventions}


@blp.get("/interventions")
@customer_required
@blp.arguments(PortalListQuerySchema, location="query")
@blp.response(200, PortalInterventionPageSchema)
def list_interventions(query: dict):
    """Interventions in view, newest first; filter by customer, site, equipment, status."""
    seen = scope.visibility(query.get("company_id"))
    return portal_queries.list_interventions(seen, query)


@blp.get("/interventions/new")
@customer_required
@blp.arguments(NewFormQuerySchema, location="query")
@blp.response(200, NewFormSchema)
def new_intervention_form(query: dict):
    """The creation form pre-filled from the customer (or the site): address, contact, the
    types with their extra fields, the sites and equipment to choose from."""
    seen = scope.visibility(query.get("company_id"))
    return portal_requests.new_form(seen, query.get("company_id"), query.get("site_id"))


@blp.post("/interventions")
@customer_required
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(PortalInterventionInSchema)
@blp.response(201, PortalInterventionDetailSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def create_intervention(headers: dict, data: dict):
    """Ask for an intervention (to schedule). Send an `Idempotency-Key` so that a double click or
    a retry creates one intervention; the answer is the confirmation (number and status)."""
    seen = scope.visibility()
    item = portal_requests.create(seen, data, headers.get("idempotency_key"))
    return portal_queries.intervention_views(seen, [item], history=True)[0]


@blp.get("/interventions/<intervention_id>")
@customer_required
@blp.response(200, PortalInterventionDetailSchema)
def get_intervention(intervention_id: str):
    """An intervention with its status history."""
    seen = scope.visibility()
    item = scope.one(scope.interventions_query(seen), Intervention, intervention_id, "intervention")
    return portal_queries.intervention_views(seen, [item], history=True)[0]
