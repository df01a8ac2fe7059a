"""Sign-in use cases: login, refresh, logout, accepting an invitation, who am I. No Flask here
beyond the app context (configuration, session)."""

from __future__ import annotations

import sqlalchemy as sa

from services.common.auth import Caller
from services.common.models import utcnow
from services.common.outbox import add_event
from services.common.problems import ProblemError

from . import events, throttle, tokens
from .models import Company, Invitation, Membership, User, db
from .passwords import hash_password, needs_rehash, verify_password
from .tokens import TokenPair

# One message for every refusal, so that a login never tells whether an account exists.
INVALID_CREDENTIALS = "The e-mail address or password is not correct."


def login(email: str, password: str, client_ip: str) -> TokenPair:
    throttle.check(email, client_ip)
    user = db.session.scalars(sa.select(User).where(User.email == email)).first()
    # Always one argon2 verification (against a dummy hash when there is no user or password).
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or user.status != "active":
        throttle.record_failure(email, client_ip)
        db.session.commit()
        raise ProblemError(401, INVALID_CREDENTIALS, code="INVALID_CREDENTIALS")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.clear(email)
    pair = tokens.issue_pair(user)
    db.session.commit()
    return pair


def refresh(refresh_token: str) -> TokenPair:
    return tokens.rotate(refresh_token)


def logout(refresh_token: str) -> None:
    tokens.revoke(refresh_token)


def _invitation_invalid() -> ProblemError:
    return ProblemError(
        400,
        "This invitation link cannot be used: it has expired, was already used, or a newer "
        "invitation replaced it. Ask the person who invited you to send a new invitation.",
        code="INVITATION_INVALID",
    )


def accept_invitation(token: str, password: str) -> TokenPair:
    """Set the password from an invitation link and sign the user in."""
    invitation = db.session.scalars(
        # Locked so that one link cannot be accepted twice by concurrent requests.
        sa.select(Invitation)
        .where(Invitation.token_hash == tokens.token_hash(token))
        .with_for_update()
    ).first()
    now = utcnow()
    user = db.session.get(User, invitation.user_id) if invitation else None
    pending = invitation is not None and not invitation.accepted_at and not invitation.superseded_at
    if not pending or invitation.expires_at <= now or user is None or user.status == "disabled":
        db.session.rollback()
        raise _invitation_invalid()
    invitation.accepted_at = now
    user.password_hash = hash_password(password)
    # A new password ends every earlier session (this link may be a reset for a lost password).
    tokens.revoke_user_tokens(user.id)
    if user.status != "active":
        user.status = "active"
        add_event(events.user_updated(user))
    pair = tokens.issue_pair(user)
    db.session.commit()
    return pair


def me(caller: Caller) -> dict:
    user = db.session.get(User, caller.user_id)
    if user is None or user.status != "active":
        raise ProblemError(
            401,
            "This account is not active any more; sign in again or contact the firm.",
            code="ACCOUNT_INACTIVE",
            headers={"WWW-Authenticate": "Bearer"},
        )
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
        "kind": user.kind,
        "role": user.role,
        "companies": companies,
    }
