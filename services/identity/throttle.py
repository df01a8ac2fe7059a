"""Login throttling. Every attempt is reserved (a row) before the password is hashed, and the row
is deleted when the attempt succeeds, so attempts still hashing count. Three limits over a window:
- per (account, address) pair: a few free failures, then delays that double with each failure,
  so an attacker's address locks itself out of that account, not the owner;
- per address (all accounts): a ceiling on guessing across accounts;
- per account (all addresses), looser: past it, only an address that has not failed on this
  account may try (once), so a crowd cannot guess for ever while the owner still signs in."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from services.common.models import new_id, utcnow
from services.common.problems import ProblemError

from .models import LoginFailure, db


def reserve(email: str, ip: str) -> str:
    """Count this attempt before checking its password (committed), or raise a 429 problem with
    Retry-After. Returns the reservation's id, for `succeeded` or `cancel`."""
    _serialize(email, ip)
    now = utcnow()
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW"])
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < now - window))
    # Inserted before counting: on SQLite this takes the write lock, which serialises attempts.
    reservation = LoginFailure(id=new_id(), email=email, ip=ip, at=now)
    db.session.add(reservation)
    db.session.flush()
    wait, where = _wait(email, ip, reservation.id, now)
    if wait:
        db.session.rollback()
        minutes = math.ceil(wait / 60)
        raise ProblemError(
            429,
            f"Too many failed sign-ins {where}; try again in {minutes} minute(s).",
            code="TOO_MANY_ATTEMPTS",
            headers={"Retry-After": str(wait)},
        )
    db.session.commit()
    return reservation.id


def succeeded(reservation_id: str, email: str, ip: str) -> None:
    """The password was right: this attempt and the pair's earlier failures are forgiven (not the
    failures of other addresses on this account). The caller commits."""
    db.session.execute(
        sa.delete(LoginFailure).where(
            sa.or_(
                LoginFailure.id == reservation_id,
                sa.and_(LoginFailure.email == email, LoginFailure.ip == ip),
            )
        )
    )


def cancel(reservation_id: str) -> None:
    """The attempt was not checked (no hashing slot): it counts for nothing."""
    db.session.rollback()
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.id == reservation_id))
    db.session.commit()


def _serialize(email: str, ip: str) -> None:
    """On PostgreSQL, attempts on one account or from one address take turns (transaction-scoped
    advisory locks, always account first), so concurrent attempts cannot all pass the count."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for key in (f"login:{email}", f"login-ip:{ip}"):
        lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_id)))


def _times(condition: sa.ColumnElement, exclude: str, since: datetime) -> list[datetime]:
    """Times of the other attempts matching `condition` in the window, most recent first."""
    return list(
        db.session.scalars(
            sa.select(LoginFailure.at)
            .where(condition, LoginFailure.id != exclude, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc())
        )
    )


def _wait(email: str, ip: str, exclude: str, now: datetime) -> tuple[int, str]:
    """Seconds before this attempt may be made (0: now), and whose limit it hit."""
    config = current_app.config
    window = timedelta(seconds=config["LOGIN_WINDOW"])
    since = now - window
    pair = _times(sa.and_(LoginFailure.email == email, LoginFailure.ip == ip), exclude, since)
    address = _times(LoginFailure.ip == ip, exclude, since)
    account = _times(LoginFailure.email == email, exclude, since)
    free = config["LOGIN_FREE_PER_PAIR"]
    waits = []
    if len(pair) >= free:
        delay = min(window.total_seconds(), config["LOGIN_DELAY_BASE"] * 2 ** (len(pair) - free))
        waits.append((pair[0] + timedelta(seconds=delay), "for this account"))
    ceiling = config["LOGIN_MAX_PER_ADDRESS"]
    if len(address) >= ceiling:
        waits.append((address[ceiling - 1] + window, "from your network address"))
    ceiling = config["LOGIN_MAX_PER_ACCOUNT"]
    if pair and len(account) >= ceiling:
        waits.append((account[ceiling - 1] + window, "for this account"))
    until, where = max(waits, default=(now, ""))
    seconds = (until - now).total_seconds()
    return (max(1, math.ceil(seconds)), where) if seconds > 0 else (0, "")
