"""Login throttling: failed sign-ins counted per account and per client address over a window."""

from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from services.common.models import utcnow
from services.common.problems import ProblemError

from .models import LoginFailure, db


def _seconds_until_allowed(column: sa.Column, value: str, limit: int, window: int) -> int:
    """0 when fewer than `limit` failures are in the window, otherwise the seconds until the
    `limit`-th most recent one leaves it."""
    now = utcnow()
    blocking = db.session.scalars(
        sa.select(LoginFailure.at)
        .where(column == value, LoginFailure.at > now - timedelta(seconds=window))
        .order_by(LoginFailure.at.desc())
        .offset(limit - 1)
        .limit(1)
    ).first()
    if blocking is None:
        return 0
    remaining = blocking + timedelta(seconds=window) - now
    return max(1, math.ceil(remaining.total_seconds()))


def check(email: str, ip: str) -> None:
    """Raise a 429 problem with Retry-After when this account or address has failed too often."""
    config = current_app.config
    window = config["LOGIN_WINDOW"]
    checks = (
        (LoginFailure.email, email, config["LOGIN_MAX_PER_ACCOUNT"], "for this account"),
        (LoginFailure.ip, ip, config["LOGIN_MAX_PER_ADDRESS"], "from your network address"),
    )
    for column, value, limit, where in checks:
        wait = _seconds_until_allowed(column, value, limit, window)
        if wait:
            minutes = math.ceil(wait / 60)
            raise ProblemError(
                429,
                f"Too many failed sign-ins {where}; try again in {minutes} minute(s).",
                code="TOO_MANY_ATTEMPTS",
                headers={"Retry-After": str(wait)},
            )


def record_failure(email: str, ip: str) -> None:
    """Count a failure (the caller commits); rows older than the window are of no use any more."""
    now = utcnow()
    cutoff = now - timedelta(seconds=current_app.config["LOGIN_WINDOW"])
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < cutoff))
    db.session.add(LoginFailure(email=email, ip=ip, at=now))


def clear(email: str) -> None:
    """A successful sign-in forgives the account's earlier failures (not the address's)."""
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))
