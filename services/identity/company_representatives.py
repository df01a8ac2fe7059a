"""A primary representative manages their company's representatives from the portal: lists
them, invites another one (a secondary representative) and deactivates one. Never themselves,
never outside a company they are the active primary representative of (checked in the
database, not from the token's claims, which may be older than a change of role)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from services.common.auth import Caller
from services.common.models import is_id, new_id
from services.common.outbox import add_event
from services.common.problems import ProblemError

from . import events
from .errors import commit
from .models import Company, Membership, User, db
from .users import send_invitation


def _company_not_found() -> ProblemError:
    # Portal rule: a 404, never a 403 that confirms the company exists.
    return ProblemError(
        404,
        "No company of yours has this id, or you are not its primary representative.",
        code="COMPANY_NOT_FOUND",
    )


def _primary_of(company_id: str, caller: Caller) -> Company:
    if not is_id(company_id):
        raise _company_not_found()
    mine = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.company_id == company_id,
            Membership.user_id == caller.user_id,
            Membership.role == "primary",
            Membership.active,
        )
    )
    if mine is None:
        raise _company_not_found()
    return db.session.get(Company, company_id)


def list_representatives(company_id: str, caller: Caller) -> list[Membership]:
    _primary_of(company_id, caller)
    return db.session.scalars(
        sa.select(Membership)
        .where(Membership.company_id == company_id)
        .options(joinedload(Membership.user))
        .order_by(Membership.active.desc(), Membership.created_at, Membership.id)
    ).all()


def invite_representative(company_id: str, data: dict, caller: Caller) -> Membership:
    """Add a secondary representative (a new portal user is created and invited)."""
    company = _primary_of(company_id, caller)
    user = db.session.scalars(sa.select(User).where(User.email == data["email"])).first()
    if user is not None and user.kind != "portal":
        raise ProblemError(
            409, "This address cannot be a representative; use another one.", code="EMAIL_TAKEN"
        )
    if user is None:
        user = User(
            id=new_id(),
            email=data["email"],
            name=data["name"],
            locale=data["locale"],
            kind="portal",
            status="invited",
        )
        db.session.add(user)
        add_event(events.user_created(user))
    membership = db.session.scalars(
        sa.select(Membership).where(
            Membership.company_id == company.id, Membership.user_id == user.id
        )
    ).first()
    if membership is not None and membership.active:
        raise ProblemError(
            409, f"{user.email} already represents {company.name}.", code="ALREADY_MEMBER"
        )
    if membership is None:
        membership = Membership(id=new_id(), user=user, company_id=company.id)
        db.session.add(membership)
    membership.role, membership.active = "secondary", True
    add_event(events.membership_changed(membership, user))
    if user.status == "invited":
        send_invitation(user, caller.user_id)
    commit(ProblemError(409, "This address was registered meanwhile.", code="EMAIL_TAKEN"))
    return membership


def deactivate_representative(company_id: str, user_id: str, caller: Caller) -> None:
    _primary_of(company_id, caller)
    if user_id == caller.user_id:
        raise ProblemError(
            409,
            "You cannot deactivate yourself; ask the firm to name another primary "
            "representative first.",
            code="CANNOT_DEACTIVATE_SELF",
        )
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
        raise ProblemError(
            404, "This person does not represent your company.", code="MEMBERSHIP_NOT_FOUND"
        )
    if membership.active:
        membership.active = False
        add_event(events.membership_changed(membership, membership.user))
        db.session.commit()
