"""Companies, staff users and memberships the replica has not heard of yet, asked of identity
(services/common/read_through).

A company, a user or a membership created a moment ago may not have reached this replica:
identity's answer fills it, with identity's version, so the event arriving later changes nothing
it should not. The fill is committed with the use case's change (it may run while a matter is
locked, so it cannot commit on its own); a refused request asks again next time.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from services.common.models import is_id
from services.common.read_through import ask_owner

from .handlers import (
    CompanySchema,
    MembershipSchema,
    UserSchema,
    apply_company,
    apply_membership,
    apply_user,
)
from .models import Company, Membership, User, db

MAX_ASKED = 20  # people asked per request: a request naming hundreds waits for the replica


def _identity(path: str) -> str:
    return f"{current_app.config['IDENTITY_URL'].rstrip('/')}/api/v1/{path}"


def company(company_id: str) -> Company | None:
    """The replica's company, asked of identity on a miss; None if identity has none either."""
    found = db.session.get(Company, company_id) if is_id(company_id) else None
    if found is not None or not is_id(company_id):
        return found
    answer = ask_owner(_identity(f"companies/{company_id}"), "The client company")
    if answer is None:
        return None
    try:
        with db.session.begin_nested():  # the event may be applied by the worker meanwhile
            apply_company(CompanySchema().load(answer))
    except IntegrityError:
        pass  # it was: the row the worker committed is read below
    return db.session.get(Company, company_id)


def memberships(company_id: str, user_ids: Iterable[str]) -> None:
    """Ask identity for the memberships in `company_id` of those of `user_ids` the replica has
    no row for (active or not), and fill it with what identity knows."""
    wanted = [i for i in dict.fromkeys(user_ids) if is_id(i)]
    known = set(
        db.session.scalars(
            sa.select(Membership.user_id).where(
                Membership.company_id == company_id, Membership.user_id.in_(wanted)
            )
        )
    )
    for user_id in [i for i in wanted if i not in known][:MAX_ASKED]:
        answer = ask_owner(
            _identity(f"companies/{company_id}/members/{user_id}"), "The company membership"
        )
        if answer is not None:
            _fill_membership(MembershipSchema().load(answer))


FILL_ATTEMPTS = 3  # the membership's user, then the membership, may each be inserted meanwhile


def _fill_membership(data: dict) -> None:
    """Apply identity's answer. The worker may insert the same user or membership meanwhile:
    the insert then fails and the savepoint takes the whole answer back, the membership with
    the user, so it is applied again over what the worker committed (versions decide)."""
    for attempt in range(1, FILL_ATTEMPTS + 1):
        try:
            with db.session.begin_nested():
                apply_membership(data)
            return
        except IntegrityError:
            if attempt == FILL_ATTEMPTS:
                raise


def users(user_ids: Iterable[str]) -> None:
    """Ask identity for those of `user_ids` the replica has not had a user event of (no row,
    or only a membership event's contact details), and fill it."""
    wanted = [i for i in dict.fromkeys(user_ids) if is_id(i)]
    known = set(
        db.session.scalars(sa.select(User.id).where(User.id.in_(wanted), User.kind.is_not(None)))
    )
    for user_id in [i for i in wanted if i not in known][:MAX_ASKED]:
        answer = ask_owner(_identity(f"users/{user_id}"), "The user")
        if answer is None:
            continue
        try:
            with db.session.begin_nested():  # the event may be applied by the worker meanwhile
                apply_user(UserSchema().load(answer))
        except IntegrityError:
            pass  # it was: the replica has the user now
