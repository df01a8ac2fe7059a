"""Forgotten passwords: a one-time link e-mailed on request (the same answer whether or not the
address is known), and choosing a new password with it."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from services.common.models import new_id, utcnow
from services.common.outbox import add_event
from services.common.problems import ProblemError

from . import events, tokens
from .models import PasswordReset, PasswordResetRequest, User, db
from .passwords import ensure_strong, hash_password
from .tokens import TokenPair


def request_reset(email: str, client_ip: str) -> None:
    """Record the request and, for an active account, publish the link for the mailer. Unknown,
    invited and disabled addresses get the same answer after the same kind of work (a row)."""
    _throttle(email, client_ip)
    now = utcnow()
    db.session.add(PasswordResetRequest(id=new_id(), email=email, ip=client_ip, at=now))
    user = db.session.scalars(sa.select(User).where(User.email == email)).first()
    if user is not None and user.status == "active":
        raw = secrets.token_urlsafe(32)
        reset = PasswordReset(
            id=new_id(),
            user_id=user.id,
            email=user.email,
            token_hash=tokens.token_hash(raw),
            expires_at=now + timedelta(seconds=current_app.config["RESET_TTL"]),
        )
        db.session.add(reset)
        reset_url = f"{current_app.config['PORTAL_WEB_URL']}/reset-password?token={raw}"
        add_event(events.password_reset_requested(reset, user, reset_url))
    db.session.commit()


def _throttle(email: str, client_ip: str) -> None:
    config = current_app.config
    window = timedelta(seconds=config["RESET_WINDOW"])
    now = utcnow()
    stale = PasswordResetRequest.at < now - window
    db.session.execute(sa.delete(PasswordResetRequest).where(stale))
    limits = (
        (PasswordResetRequest.email == email, config["RESET_MAX_PER_EMAIL"]),
        (PasswordResetRequest.ip == client_ip, config["RESET_MAX_PER_ADDRESS"]),
    )
    for condition, limit in limits:
        blocking = db.session.scalar(
            sa.select(PasswordResetRequest.at)
            .where(condition)
            .order_by(PasswordResetRequest.at.desc())
            .offset(limit - 1)
            .limit(1)
        )
        if blocking is not None:
            db.session.rollback()
            wait = max(1, math.ceil((blocking + window - now).total_seconds()))
            raise ProblemError(
                429,
                "Several password-reset e-mails were asked for already; check your inbox (and "
                f"spam folder), or try again in {math.ceil(wait / 60)} minute(s).",
                code="TOO_MANY_REQUESTS",
                headers={"Retry-After": str(wait)},
            )


def _reset_invalid() -> ProblemError:
    return ProblemError(
        400,
        "This password-reset link cannot be used: it has expired or was already used. "
        "Ask for a new one from the sign-in page.",
        code="RESET_TOKEN_INVALID",
    )


def confirm_reset(token: str, password: str) -> TokenPair:
    """Choose a new password with a reset link; signs the user in and out everywhere else. The
    link is used by one compare-and-set UPDATE: of concurrent uses exactly one wins."""
    reset = db.session.scalars(
        sa.select(PasswordReset).where(PasswordReset.token_hash == tokens.token_hash(token))
    ).first()
    user = db.session.get(User, reset.user_id) if reset else None
    now = utcnow()
    usable = (
        reset is not None
        and user is not None
        and reset.used_at is None
        and reset.expires_at > now
        and reset.email == user.email
        and user.status == "active"
    )
    if not usable:
        db.session.rollback()
        raise _reset_invalid()
    ensure_strong(password, [user.email, user.name])
    password_hash = hash_password(password)  # before the UPDATE: no lock held while hashing
    current_email = sa.select(User.email).where(User.id == PasswordReset.user_id).scalar_subquery()
    won = db.session.execute(
        sa.update(PasswordReset)
        .where(
            PasswordReset.id == reset.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
            PasswordReset.email == current_email,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(user)
    if not won or user.status != "active":
        db.session.rollback()
        raise _reset_invalid()
    # Every other link sent for this user dies with this one.
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = password_hash
    tokens.revoke_user_tokens(user.id)
    pair = tokens.issue_pair(user)
    db.session.commit()
    return pair
