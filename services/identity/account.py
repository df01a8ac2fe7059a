"""The signed-in person's own account: who am I, my name, language and time zone, my password."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from services.common.auth import Caller
from services.common.models import is_id
from services.common.outbox import add_event
from services.common.problems import VALIDATION_DETAIL, ProblemError

from . import events, throttle, tokens, versions
from .models import Company, Membership, User, db
from .passwords import hash_password, verify_password, weaknesses


def _own_account(caller: Caller, lock: bool = False) -> User:
    """The caller's own user; with `lock`, locked for a change and read after the lock (so the
    event does not carry back a status an admin changed meanwhile: see versions.py)."""
    if caller.kind not in ("staff", "portal"):
        raise ProblemError(
            403,
            "A secure-link session has no account of its own; sign in to manage an account.",
            code="ACCOUNT_REQUIRED",
        )
    if lock:
        user = versions.lock(User, User.id == caller.user_id) if is_id(caller.user_id) else None
    else:
        user = db.session.get(User, caller.user_id)
    if user is None or user.status != "active":
        raise ProblemError(
            401,
            "This account is not active any more; sign in again or contact the firm.",
            code="ACCOUNT_INACTIVE",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def me(caller: Caller) -> dict:
    user = _own_account(caller)
    rows = db.session.execute(
        sa.select(Company, Membership.role)
        .join(Membership, Membership.company_id == Company.id)
        .where(Membership.user_id == user.id, Membership.active)
        .order_by(Company.name)
    ).all()
    companies = [{"id": c.id, "name": c.name, "number": c.number, "role": role} for c, role in rows]
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "locale": user.locale,
        "time_zone": user.time_zone,
        "kind": user.kind,
        "role": user.role,
        "companies": companies,
    }


def update_me(caller: Caller, data: dict) -> dict:
    """Change one's own name, language or time zone (null: the firm's default)."""
    user = _own_account(caller, lock=True)
    changes = {key: value for key, value in data.items() if getattr(user, key) != value}
    if changes:
        for key, value in changes.items():
            setattr(user, key, value)
        add_event(events.user_updated(user))
        db.session.commit()
    return me(caller)


def change_password(caller: Caller, current: str, new: str, client_ip: str) -> None:
    """Change one's password knowing the current one; the person's other sessions end. Wrong
    current passwords count as failed sign-ins: a stolen access token cannot guess for ever."""
    user = _own_account(caller)
    errors = {}
    reasons = weaknesses(new, [user.email, user.name], current_app.config["PASSWORD_MIN_SCORE"])
    if reasons:
        errors["new_password"] = reasons
    reservation = throttle.reserve(user.email, client_ip)
    try:
        valid = verify_password(user.password_hash, current)
    except ProblemError:
        throttle.cancel(reservation)
        raise
    if valid:
        throttle.succeeded(reservation, user.email, client_ip)
        db.session.commit()
    else:
        db.session.rollback()  # the reservation stays: it counts as a failed sign-in
        errors["current_password"] = ["This is not your current password."]
    if errors:
        raise ProblemError(422, VALIDATION_DETAIL, code="VALIDATION_FAILED", errors=errors)
    user.password_hash = hash_password(new)
    tokens.revoke_user_tokens(user.id, keep_family=caller.session_id)
    db.session.commit()
