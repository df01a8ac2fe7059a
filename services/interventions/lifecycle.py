"""An intervention's life: created (by staff or a customer), numbered, moved along its statuses."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.common.models import is_id
from services.common.outbox import add_event
from services.common.pagination import paginate
from services.common.problems import ProblemError, field_error

from . import catalog, events
from .extra_fields import checked_values
from .models import MOVES, NUMBER_SEQUENCE, Intervention, InterventionType, StatusChange, db
from .views import prefill, set_address, set_contact


def _next_number() -> int:
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalar(sa.text(f"SELECT nextval('{NUMBER_SEQUENCE}')"))
    # SQLite (local runs): one writer at a time; the unique index stops a duplicate.
    return (db.session.scalar(sa.select(sa.func.max(Intervention.number))) or 0) + 1


def active_type(type_id: str | None) -> InterventionType | None:
    if type_id is None:
        return None
    kind = db.session.get(InterventionType, type_id) if is_id(type_id) else None
    if kind is None or not kind.active:
        raise field_error("type_id", "No intervention type offered has this id.")
    return kind


def find_retry(created_by: str, key: str | None) -> Intervention | None:
    if key is None:
        return None
    return db.session.scalars(
        sa.select(Intervention).where(
            Intervention.created_by == created_by, Intervention.idempotency_key == key
        )
    ).first()


def create(data: dict, created_by: str, idempotency_key: str | None = None) -> Intervention:
    """Check the request against the customer's data and record it `to_schedule`; a retry with
    the same Idempotency-Key answers the intervention the first request created."""
    company = catalog.known_company(data["company_id"])
    site = catalog.site_of(company.id, data.get("site_id"))
    equipment = catalog.equipment_of(company.id, data.get("equipment_id"))
    if equipment is not None and site is not None and equipment.site_id not in (None, site.id):
        raise field_error("equipment_id", "This equipment is at another site.")
    kind = active_type(data.get("type_id"))
    extra = checked_values(kind, data.get("extra") or {})
    # The request may correct the pre-filled address and contact.
    address, contact = prefill(site, company)
    item = Intervention(
        number=_next_number(),
        company_id=company.id,
        site_id=site.id if site else None,
        equipment_id=equipment.id if equipment else None,
        type_id=kind.id if kind else None,
        description=data["description"],
        extra=extra,
        status="to_schedule",
        scheduled_at=data.get("scheduled_at"),
        technician=data.get("technician"),
        locale=data.get("locale") or "en",
        created_by=created_by,
        idempotency_key=idempotency_key,
    )
    set_address(item, data.get("address") or address)
    set_contact(item, data.get("contact") or contact)
    item.history = [StatusChange(to_status="to_schedule", by=created_by)]
    db.session.add(item)
    try:
        db.session.flush()
    except IntegrityError:
        # Two requests with one Idempotency-Key at once (a double click): the first one wins.
        db.session.rollback()
        winner = find_retry(created_by, idempotency_key)
        if winner is None:
            raise
        return winner
    add_event(events.intervention_created(item))
    db.session.commit()
    return item


def get(intervention_id: str) -> Intervention:
    return catalog.get_or_404(
        Intervention, intervention_id, "intervention", "INTERVENTION_NOT_FOUND"
    )


def update(intervention_id: str, data: dict) -> Intervention:
    item = get(intervention_id)
    for key, value in data.items():
        setattr(item, key, value)
    db.session.commit()
    return item


def move(intervention_id: str, data: dict, by: str) -> Intervention:
    """Change the status if the move is sensible; a 409 lists the moves that are."""
    item = get(intervention_id)
    # Locked: two concurrent moves from one status must not both succeed.
    db.session.refresh(item, with_for_update=True)
    target, before = data["status"], item.status
    allowed = MOVES[before]
    if target not in allowed:
        listed = ", ".join(allowed) or "none (it is final)"
        raise ProblemError(
            409,
            f"An intervention {before} cannot become {target}; allowed moves: {listed}.",
            code="STATUS_MOVE_NOT_ALLOWED",
            errors={"status": [f"Allowed: {listed}"]},
        )
    if target == "scheduled":
        scheduled_at = data.get("scheduled_at") or item.scheduled_at
        if scheduled_at is None:
            raise field_error("scheduled_at", "Give the date and time it is scheduled for.")
        item.scheduled_at = scheduled_at
    if data.get("technician") is not None:
        item.technician = data["technician"]
    item.status = target
    item.history.append(
        StatusChange(from_status=before, to_status=target, note=data.get("note"), by=by)
    )
    add_event(events.status_changed(item, before))
    db.session.commit()
    return item


def queue(filters: dict) -> dict:
    """The back office's list: by status, customer and site, newest first."""
    query = sa.select(Intervention).order_by(Intervention.created_at.desc(), Intervention.id)
    for name in ("status", "company_id", "site_id"):
        if filters.get(name):
            query = query.where(getattr(Intervention, name) == filters[name])
    return paginate(db.session, query, filters["page"], filters["page_size"])
