"""What the portal shows: the customer page, sites, equipment and interventions in view, each
marked with its customer; equipment only where the option shows it."""

from __future__ import annotations

import sqlalchemy as sa

from services.common.pagination import paginate

from . import options, scope
from .models import Equipment, Intervention, InterventionType, Site, db
from .scope import Visibility
from .views import address_of, contact_of


def _named(row: object | None) -> dict | None:
    return {"id": row.id, "name": row.name} if row is not None else None


def _names(model: type, ids: set[str | None]) -> dict[str, object]:
    ids = {i for i in ids if i}
    rows = db.session.scalars(sa.select(model).where(model.id.in_(ids))).all() if ids else []
    return {row.id: row for row in rows}


def intervention_views(seen: Visibility, items: list[Intervention], history: bool = False) -> list:
    sites = _names(Site, {i.site_id for i in items})
    shown = {c: options.effective(c)["equipment_shown"] for c in {i.company_id for i in items}}
    equipment = _names(Equipment, {i.equipment_id for i in items if shown[i.company_id]})
    types = _names(InterventionType, {i.type_id for i in items})
    views = []
    for item in items:
        view = {
            "id": item.id,
            "number": item.reference,
            "company": _named(seen.companies[item.company_id]),
            "site": _named(sites.get(item.site_id)),
            "equipment": _named(equipment.get(item.equipment_id)),
            "type": _named(types.get(item.type_id)),
            "description": item.description,
            "extra": item.extra or {},
            "address": address_of(item),
            "contact": contact_of(item),
            "status": item.status,
            "scheduled_at": item.scheduled_at,
            "technician": item.technician,
            "created_at": item.created_at,
        }
        if history:
            view["history"] = [
                {"from_status": h.from_status, "to_status": h.to_status, "at": h.at, "note": h.note}
                for h in item.history
            ]
        views.append(view)
    return views


def list_interventions(seen: Visibility, filters: dict) -> dict:
    query = scope.interventions_query(seen)
    for name in ("site_id", "equipment_id", "status"):
        if filters.get(name):
            query = query.where(getattr(Intervention, name) == filters[name])
    # Counted straight on the table (an index-only scan), not over the page query's columns.
    count = query.with_only_columns(sa.func.count(), maintain_column_froms=True)
    query = query.order_by(Intervention.created_at.desc(), Intervention.id)
    page = paginate(db.session, query, filters["page"], filters["page_size"], count)
    return {**page, "items": intervention_views(seen, page["items"])}


def site_view(seen: Visibility, site: Site) -> dict:
    return {
        "id": site.id,
        "company": _named(seen.companies[site.company_id]),
        "name": site.name,
        "address": address_of(site),
        "contact": contact_of(site),
    }


def equipment_view(seen: Visibility, item: Equipment, sites: dict) -> dict:
    return {
        "id": item.id,
        "company": _named(seen.companies[item.company_id]),
        "site": _named(sites.get(item.site_id)),
        "name": item.name,
        "type": item.type,
        "serial": item.serial,
    }


def visible_equipment(seen: Visibility) -> sa.Select:
    """Equipment of the customers whose portal shows it (the option off hides it everywhere)."""
    shown = [c for c in seen.companies if options.effective(c)["equipment_shown"]]
    return scope.equipment_query(seen).where(Equipment.company_id.in_(shown))


def equipment_page(seen: Visibility, page: dict) -> dict:
    sites = _names(Site, {i.site_id for i in page["items"]})
    return {**page, "items": [equipment_view(seen, i, sites) for i in page["items"]]}


def recent(seen: Visibility, column: sa.ColumnElement, value: str) -> list[dict]:
    """The interventions of a site or an equipment (the tabs), newest first, at most 100."""
    query = scope.interventions_query(seen).where(column == value)
    items = db.session.scalars(query.order_by(Intervention.created_at.desc()).limit(100)).all()
    return intervention_views(seen, list(items))
