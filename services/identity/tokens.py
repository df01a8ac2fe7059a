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


def _issue(user: User, family_id: str) -> tuple[TokenPair, RefreshToken]:
    raw = secrets.token_urlsafe(32)
    config = current_app.config
    row = RefreshToken(
        id=new_id(),
        user_id=user.id,
        token_hash=token_hash(raw),
        family_id=family_id,
        expires_at=utcnow() + timedelta(seconds=config["REFRESH_TOKEN_TTL"]),
    )
    db.session.add(row)
    ttl = config["ACCESS_TOKEN_TTL"]
    return TokenPair(sign_access_token(access_claims(user), ttl), ttl, raw), row


def issue_pair(user: User) -> TokenPair:
    """A new access token and refresh token (added to the session; the caller commits)."""
    return _issue(user, new_id())[0]


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


def revoke_user_tokens(user_id: str) -> None:
    """Sign a user out everywhere (disabled, or password set again)."""
    db.session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def rotate(raw: str) -> TokenPair:
    """Exchange a refresh token for a new pair. Presenting one that was already exchanged means
    two parties hold it (theft or replay): the whole family is revoked, both are signed out."""
    row = db.session.scalars(
        # Locked so that two concurrent exchanges of one token cannot both succeed.
        sa.select(RefreshToken).where(RefreshToken.token_hash == token_hash(raw)).with_for_update()
    ).first()
    if row is None:
        raise _invalid_refresh()
    now = utcnow()
    if row.replaced_by is not None:
        revoke_family(row.family_id, now)
        db.session.commit()
        raise _invalid_refresh()
    user = db.session.get(User, row.user_id)
    usable = row.revoked_at is None and row.expires_at > now
    if not usable or user is None or user.status != "active":
        raise _invalid_refresh()
    pair, successor = _issue(user, row.family_id)
    row.replaced_by = successor.id
    row.revoked_at = now
    db.session.commit()
    return pair


def revoke(raw: str) -> None:
    """Logout: revoke the family of this refresh token; an unknown token is already signed out."""
    row = db.session.scalars(
        sa.select(RefreshToken).where(RefreshToken.token_hash == token_hash(raw))
    ).first()
    if row is not None:
        revoke_family(row.family_id)
        db.session.commit()
