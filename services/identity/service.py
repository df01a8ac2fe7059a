"""Sign-in use cases: login, refresh, logout. No Flask here beyond the app context
(configuration, session)."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa

from services.common.problems import ProblemError

from . import throttle, tokens
from .models import User, db
from .passwords import hash_password, needs_rehash, verify_password
from .tokens import TokenPair

# One message for every refusal, so that a login never tells whether an account exists.
INVALID_CREDENTIALS = "The e-mail address or password is not correct."


def login(email: str, password: str, client_ip: str) -> TokenPair:
    reservation = throttle.reserve(email, client_ip)
    user = db.session.scalars(sa.select(User).where(User.email == email)).first()
    try:
        # Always one argon2 verification (against a dummy hash when there is no user or password).
        valid = verify_password(user.password_hash if user else None, password)
    except ProblemError:
        throttle.cancel(reservation)
        raise
    if not valid or user.status != "active":
        db.session.rollback()  # the reservation stays: it counts as a failure
        raise ProblemError(401, INVALID_CREDENTIALS, code="INVALID_CREDENTIALS")
    throttle.succeeded(reservation, email, client_ip)
    if needs_rehash(user.password_hash):
        # Upgrading the hash can wait for a quieter sign-in; this one must not fail for it.
        with contextlib.suppress(ProblemError):
            user.password_hash = hash_password(password)
    pair = tokens.issue_pair(user)
    db.session.commit()
    return pair


def refresh(refresh_token: str, client: str) -> TokenPair:
    return tokens.rotate(refresh_token, client)


def logout(refresh_token: str) -> None:
    tokens.revoke(refresh_token)
