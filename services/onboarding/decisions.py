"""Access requests as the firm handles them: list, see, approve (choosing the company when the
tax ID matched none of the group's) or reject with a reason. Completing one tells identity."""

from __future__ import annotations

import sqlalchemy as sa

from services.common.models import is_id, utcnow
from services.common.outbox import add_event
from services.common.pagination import paginate
from services.common.problems import ProblemError, field_error

from . import events
from .groups import not_found
from .models import AccessRequest, Company, CustomerGroup, Representative, db


def get_request(request_id: str, lock: bool = False) -> AccessRequest:
    request = (
        db.session.get(AccessRequest, request_id, with_for_update=lock)
        if is_id(request_id)
        else None
    )
    if request is None:
        raise not_found("access request", request_id)
    return request


def list_requests(filters: dict) -> dict:
    query = sa.select(AccessRequest).order_by(
        AccessRequest.submitted_at.desc().nulls_last(), AccessRequest.created_at.desc()
    )
    if filters.get("status"):
        query = query.where(AccessRequest.status == filters["status"])
    if filters.get("group_id"):
        query = query.where(AccessRequest.group_id == filters["group_id"])
    return paginate(db.session, query, filters["page"], filters["page_size"])


def refuse_duplicate(request: AccessRequest, company_id: str | None) -> None:
    """One registration per e-mail address and company: a second one is a 409."""
    if company_id is None:
        return
    other = db.session.scalar(
        sa.select(AccessRequest.id).where(
            AccessRequest.id != request.id,
            AccessRequest.contact_email == request.contact_email,
            AccessRequest.company_id == company_id,
            AccessRequest.status.in_(("in_review", "completed")),
        )
    )
    member = db.session.scalar(
        sa.select(Representative.user_id).where(
            Representative.company_id == company_id,
            Representative.email == request.contact_email,
            Representative.active,
        )
    )
    if other or member:
        db.session.rollback()
        raise ProblemError(
            409,
            f"{request.contact_email} is already registered for this company. Sign in to the "
            "portal with it (or reset its password), or register with another address.",
            code="ALREADY_REGISTERED",
        )


def complete(
    request: AccessRequest, group: CustomerGroup, company_id: str, decided_by: str | None
) -> None:
    """Mark it completed for `company_id`; identity creates the user from the event."""
    request.company_id = company_id
    request.status = "completed"
    request.decided_at = utcnow()
    request.decided_by = decided_by
    add_event(events.access_request_completed(request, group))


def _in_review(request: AccessRequest) -> None:
    if request.status != "in_review":
        raise ProblemError(
            409,
            f"This access request is {request.status.replace('_', ' ')}: only a request "
            "waiting for review can be approved or rejected.",
            code="NOT_IN_REVIEW",
        )


def approve(request_id: str, company_id: str | None, staff_id: str) -> AccessRequest:
    request = get_request(request_id, lock=True)
    _in_review(request)
    chosen = company_id or request.company_id
    if chosen is None:
        raise field_error(
            "company_id",
            "The tax ID matched none of the group's companies: choose the company this "
            "representative registers for.",
        )
    company = db.session.get(Company, chosen) if is_id(chosen) else None
    if company is None or company.customer_group_id != request.group_id:
        raise field_error("company_id", "Choose one of the customer group's companies.")
    refuse_duplicate(request, chosen)
    complete(request, db.session.get(CustomerGroup, request.group_id), chosen, staff_id)
    db.session.commit()
    return request


def reject(request_id: str, reason: str, staff_id: str) -> AccessRequest:
    request = get_request(request_id, lock=True)
    _in_review(request)
    request.status = "rejected"
    request.rejection_reason = reason.strip()
    request.decided_at, request.decided_by = utcnow(), staff_id
    db.session.commit()
    return request


def request_views(requests: list[AccessRequest]) -> list[dict]:
    groups = {
        g.id: g
        for g in db.session.scalars(
            sa.select(CustomerGroup).where(CustomerGroup.id.in_({r.group_id for r in requests}))
        )
    }
    companies = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Company).where(
                Company.id.in_({r.company_id for r in requests if r.company_id})
            )
        )
    }
    views = []
    for r in requests:
        company = companies.get(r.company_id) if r.company_id else None
        views.append(
            {
                "id": r.id,
                "group": {"id": r.group_id, "name": groups[r.group_id].name},
                "status": r.status,
                "locale": r.locale,
                "terms_version": r.terms_version,
                "terms_accepted_at": r.terms_accepted_at,
                "contact": {
                    "name": r.contact_name,
                    "email": r.contact_email,
                    "phone": r.contact_phone,
                },
                "company": {"name": r.company_name, "tax_id": r.tax_id},
                "answers": r.answers or {},
                "matched_company": (
                    {"id": company.id, "name": company.name, "tax_id": company.tax_id}
                    if company
                    else (
                        {"id": r.company_id, "name": "", "tax_id": None} if r.company_id else None
                    )
                ),
                "submitted_at": r.submitted_at,
                "decided_at": r.decided_at,
                "decided_by": r.decided_by,
                "rejection_reason": r.rejection_reason,
                "created_at": r.created_at,
            }
        )
    return views
