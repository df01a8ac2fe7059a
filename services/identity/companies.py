"""Company and membership use cases of the back office; each writes its events in its commit."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from services.common.models import is_id, new_id
from services.common.outbox import add_event
from services.common.pagination import contains, paginate
from services.common.problems import ProblemError, field_error

from . import events, versions
from .errors import commit, not_found
from .models import Company, Membership, User, db

COMPANY_FIELDS = ("name", "number", "tax_id", "extra_info", "customer_group_id")


def get_company(company_id: str) -> Company:
    company = db.session.get(Company, company_id) if is_id(company_id) else None
    if company is None:
        raise not_found("company", company_id)
    return company


def list_companies(q: str | None, page: int, page_size: int) -> dict:
    query = sa.select(Company).order_by(Company.name, Company.id)
    if q:
        query = query.where(
            sa.or_(contains(Company.name, q), contains(Company.number, q), Company.tax_id == q)
        )
    return paginate(db.session, query, page, page_size)


def _number_taken(number: str) -> ProblemError:
    return ProblemError(
        409,
        f"Another company already has the customer number {number}; choose another one.",
        code="NUMBER_TAKEN",
    )


def _apply(company: Company, data: dict) -> bool:
    """Copy the given fields (nested ones field by field) onto the company; True if any changed."""
    changes = {key: data[key] for key in COMPANY_FIELDS if key in data}
    for group in ("address", "contact"):
        changes.update({f"{group}_{key}": value for key, value in data.get(group, {}).items()})
    changes.update(data.get("settings", {}))
    number = changes.get("number")
    if number is not None and number != company.number:
        clash = sa.select(Company.id).where(Company.number == number, Company.id != company.id)
        if db.session.scalar(clash) is not None:
            raise _number_taken(number)
    changed = False
    for attr, value in changes.items():
        if getattr(company, attr) != value:
            setattr(company, attr, value)
            changed = True
    return changed


def create_company(data: dict) -> Company:
    company = Company(id=new_id(), members_see_each_other=False)
    _apply(company, data)
    db.session.add(company)
    add_event(events.company_created(company))
    commit(_number_taken(company.number or ""))
    return company


def update_company(company_id: str, data: dict) -> Company:
    company = versions.lock(Company, Company.id == company_id) if is_id(company_id) else None
    if company is None:
        raise not_found("company", company_id)
    if _apply(company, data):
        add_event(events.company_updated(company))
        commit(_number_taken(company.number or ""))
    return company


def list_members(company_id: str, page: int, page_size: int) -> dict:
    get_company(company_id)
    query = (
        sa.select(Membership)
        .where(Membership.company_id == company_id)
        .options(joinedload(Membership.user))
        .order_by(Membership.created_at, Membership.id)
    )
    return paginate(db.session, query, page, page_size)


def _membership(company_id: str, user_id: str) -> Membership | None:
    """The membership, locked for the change (its event carries the next version)."""
    if not is_id(user_id):
        return None
    return versions.lock(
        Membership, Membership.company_id == company_id, Membership.user_id == user_id
    )


def add_member(company_id: str, user_id: str, role: str) -> Membership:
    get_company(company_id)
    user = db.session.get(User, user_id)  # the schema checked it is an id
    if user is None:
        raise field_error("user_id", "No user has this id.")
    if user.kind != "portal":
        raise field_error("user_id", "Only portal users (client contacts) can join a company.")
    membership = _membership(company_id, user_id)
    if membership is not None and membership.active:
        raise ProblemError(
            409,
            "This user is already a member of the company; change their role with "
            f"PATCH /api/v1/companies/{company_id}/members/{user_id}.",
            code="ALREADY_MEMBER",
        )
    if membership is None:
        membership = Membership(id=new_id(), user_id=user_id, company_id=company_id)
        db.session.add(membership)
    membership.role, membership.active = role, True
    add_event(events.membership_changed(membership, user))
    commit(
        ProblemError(409, "This user was added to the company meanwhile.", code="ALREADY_MEMBER")
    )
    return membership


def _not_a_member() -> ProblemError:
    return ProblemError(
        404, "This user is not a member of the company.", code="MEMBERSHIP_NOT_FOUND"
    )


def get_member(company_id: str, user_id: str) -> Membership:
    get_company(company_id)
    membership = (
        db.session.scalars(
            sa.select(Membership).where(
                Membership.company_id == company_id, Membership.user_id == user_id
            )
        ).first()
        if is_id(user_id)
        else None
    )
    if membership is None:
        raise _not_a_member()
    return membership


def update_member(company_id: str, user_id: str, data: dict) -> Membership:
    get_company(company_id)
    membership = _membership(company_id, user_id)
    if membership is None:
        raise _not_a_member()
    changed = False
    for attr in ("role", "active"):
        if attr in data and getattr(membership, attr) != data[attr]:
            setattr(membership, attr, data[attr])
            changed = True
    if changed:
        add_event(events.membership_changed(membership, membership.user))
        db.session.commit()
    return membership


def deactivate_member(company_id: str, user_id: str) -> None:
    update_member(company_id, user_id, {"active": False})
