"""Access tokens (EdDSA JWTs) and opaque refresh tokens with rotation and reuse detection."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
import sqlalchemy as sa
from flask import current_app

from services.common.auth import TOKEN_TYPE
from services.common.models import new_id, utcnow
from services.common.problems import ProblemError

from .keys import KeyRing
from .models import Membership, RefreshToken, User, db


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 scheme name, not a secret


def token_hash(token: str) -> str:
    """What is stored of a bearer secret (refresh token, invitation): its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def keyring() -> KeyRing:
    return current_app.extensions["identity.keys"]


def access_claims(user: User) -> dict:
    """The claims other services authorize from (see services.common.auth.caller_from_claims)."""
    claims: dict = {"sub": user.id, "kind": user.kind, "email": user.email}
    if user.kind == "staff":
        claims["role"] = user.role
    else:
        active = db.session.scalars(
            sa.select(Membership)
            .where(Membership.user_id == user.id, Membership.active)
            .order_by(Membership.created_at)
        ).all()
        claims["companies"] = [{"id": m.company_id, "role": m.role} for m in active]
    return claims


def sign_access_token(claims: dict, ttl: int) -> str:
    config = current_app.config
    key = keyring().signing_key()
    now = utcnow()
    payload = {
        **claims,
        "iss": config["JWT_ISSUER"],
        "aud": config["JWT_AUDIENCE"],
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": str(uuid.uuid4()),
    }
    headers = {"kid": key.kid, "typ": TOKEN_TYPE}
    return jwt.encode(payload, key.private_key, algorithm="EdDSA", headers=headers)


def _issue(
    user: User, family_id: str, family_expires_at: datetime | None = None, token_id: str = ""
) -> TokenPair:
    raw = secrets.token_urlsafe(32)
    config = current_app.config
    now = utcnow()
    family_end = family_expires_at or now + timedelta(seconds=config["REFRESH_FAMILY_TTL"])
    db.session.add(
        RefreshToken(
            id=token_id or new_id(),
            user_id=user.id,
            token_hash=token_hash(raw),
            family_id=family_id,
            expires_at=min(now + timedelta(seconds=config["REFRESH_TOKEN_TTL"]), family_end),
            family_expires_at=family_end,
            created_at=now,
        )
    )
    ttl = config["ACCESS_TOKEN_TTL"]
    # `sid` names the sign-in (refresh family), so that "sign out my other sessions" can spare it.
    claims = {**access_claims(user), "sid": family_id}
    return TokenPair(sign_access_token(claims, ttl), ttl, raw)


def issue_pair(user: User) -> TokenPair:
    """A new access token and refresh token (added to the session; the caller commits)."""
    return _issue(user, new_id())


def _invalid_refresh() -> ProblemError:
    return ProblemError(
        401,
        "This refresh token is not valid any more; sign in again.",
        code="INVALID_REFRESH_TOKEN",
    )


def revoke_family(family_id: str, now: datetime | None = None) -> None:
    db.session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )


def revoke_user_tokens(user_id: str, keep_family: str | None = None) -> None:
    """Sign a user out everywhere (disabled, or password set again), except `keep_family`."""
    db.session.execute(
        sa.update(RefreshToken)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.family_id != (keep_family or ""),
        )
        .values(revoked_at=utcnow())
    )


def client_fingerprint(address: str, user_agent: str) -> str:
    return token_hash(f"{address}\n{user_agent}")


def rotate(raw: str, client: str) -> TokenPair:
    """Exchange a refresh token for a new pair. The exchange is a compare-and-set (one UPDATE whose
    row count decides), atomic on PostgreSQL and SQLite alike: of concurrent exchanges one wins.
    A loser from the same client within the grace window (two tabs refreshing together) gets a
    sibling in the same family. Any other reuse of an exchanged token means two parties hold it
    (theft or replay): the whole family is revoked, both are signed out."""
    now = utcnow()
    hashed = token_hash(raw)
    successor_id = new_id()
    won = db.session.execute(
        sa.update(RefreshToken)
        .where(
            RefreshToken.token_hash == hashed,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.replaced_by.is_(None),
            RefreshToken.expires_at > now,
        )
        .values(revoked_at=now, replaced_by=successor_id, rotated_by=client)
        .execution_options(synchronize_session=False)
    ).rowcount
    row = db.session.scalars(
        sa.select(RefreshToken).where(RefreshToken.token_hash == hashed)
    ).first()
    user = db.session.get(User, row.user_id) if row else None
    if row is None or user is None or user.status != "active":
        db.session.rollback()
        raise _invalid_refresh()
    if won:
        pair = _issue(user, row.family_id, row.family_expires_at, successor_id)
    elif row.replaced_by is not None and _parallel_refresh(row, client, now):
        pair = _issue(user, row.family_id, row.family_expires_at)
    else:
        if row.replaced_by is not None:
            revoke_family(row.family_id, now)
            db.session.commit()
        else:
            db.session.rollback()
        raise _invalid_refresh()
    db.session.commit()
    return pair


def _parallel_refresh(row: RefreshToken, client: str, now: datetime) -> bool:
    """The same client presents a token it rotated moments ago, and the family still lives."""
    grace = timedelta(seconds=current_app.config["REFRESH_GRACE_SECONDS"])
    if row.rotated_by != client or row.revoked_at is None or row.revoked_at < now - grace:
        return False
    alive = sa.select(RefreshToken.id).where(
        RefreshToken.family_id == row.family_id,
        RefreshToken.revoked_at.is_(None),
        RefreshToken.expires_at > now,
    )
    return db.session.scalar(alive.limit(1)) is not None


def revoke(raw: str) -> None:
    """Logout: revoke the family of this refresh token; an unknown token is already signed out."""
    row = db.session.scalars(
        sa.select(RefreshToken).where(RefreshToken.token_hash == token_hash(raw))
    ).first()
    if row is not None:
        revoke_family(row.family_id)
        db.session.commit()
