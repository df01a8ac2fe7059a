"""Invitation links as their recipient uses them: what one is for, and accepting it (choosing a
password). Sending them is the back office's (users.invite_user)."""

from __future__ import annotations

import sqlalchemy as sa

from services.common.models import utcnow
from services.common.outbox import add_event
from services.common.problems import ProblemError

from . import events, tokens, versions
from .models import Company, Invitation, Membership, User, db
from .passwords import ensure_strong, hash_password
from .tokens import TokenPair


def _invitation_invalid() -> ProblemError:
    return ProblemError(
        400,
        "This invitation link cannot be used: it has expired, was already used, or a newer "
        "invitation replaced it. Ask the person who invited you to send a new invitation.",
        code="INVITATION_INVALID",
    )


def _pending(token: str) -> tuple[Invitation, User]:
    """The invitation of this token and its user, if it can still be accepted."""
    invitation = db.session.scalars(
        sa.select(Invitation).where(Invitation.token_hash == tokens.token_hash(token))
    ).first()
    user = db.session.get(User, invitation.user_id) if invitation else None
    usable = (
        invitation is not None
        and user is not None
        and invitation.accepted_at is None
        and invitation.superseded_at is None
        and invitation.expires_at > utcnow()
        and invitation.email == user.email  # sent to an address that is no longer theirs
        and user.status != "disabled"
    )
    if not usable:
        db.session.rollback()
        raise _invitation_invalid()
    return invitation, user


def inspect(token: str) -> dict:
    """What the invitation page shows before the person chooses a password."""
    invitation, user = _pending(token)
    inviter = db.session.get(User, invitation.invited_by) if invitation.invited_by else None
    companies = db.session.execute(
        sa.select(Company.id, Company.name)
        .join(Membership, Membership.company_id == Company.id)
        .where(Membership.user_id == user.id, Membership.active)
        .order_by(Company.name)
    ).all()
    return {
        "email": user.email,
        "name": user.name,
        "invited_by": {"name": inviter.name} if inviter else None,
        "companies": [{"id": c.id, "name": c.name} for c in companies],
        "expires_at": invitation.expires_at,
    }


def accept(token: str, password: str) -> TokenPair:
    """Set the password from an invitation link and sign the user in. The link is used by one
    compare-and-set UPDATE, so of concurrent acceptances exactly one wins, on every database."""
    invitation, user = _pending(token)
    ensure_strong(password, [user.email, user.name])
    password_hash = hash_password(password)  # before the UPDATE: no lock held while hashing
    # The user's row first, as every change of a user takes it (then its invitations): a disable
    # committed meanwhile is seen, and one that comes later waits for this acceptance.
    user = versions.lock(User, User.id == user.id)
    now = utcnow()
    current_email = sa.select(User.email).where(User.id == Invitation.user_id).scalar_subquery()
    won = db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.superseded_at.is_(None),
            Invitation.expires_at > now,
            Invitation.email == current_email,
        )
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won or user is None or user.status == "disabled":
        db.session.rollback()
        raise _invitation_invalid()
    user.password_hash = password_hash
    # A new password ends every earlier session.
    tokens.revoke_user_tokens(user.id)
    if user.status != "active":
        user.status = "active"
        add_event(events.user_updated(user))
    pair = tokens.issue_pair(user)
    db.session.commit()
    return pair
