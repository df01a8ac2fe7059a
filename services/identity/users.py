"""User and invitation use cases of the back office, and the first admin's creation."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from services.common.auth import Caller
from services.common.models import is_id, new_id, utcnow
from services.common.outbox import add_event
from services.common.pagination import contains, paginate
from services.common.problems import ProblemError, field_error

from . import events, tokens, versions
from .errors import commit, email_taken, not_found
from .models import Company, Invitation, Membership, User, db
from .passwords import ensure_strong, hash_password


def get_user(user_id: str, lock: bool = False) -> User:
    user = db.session.get(User, user_id, with_for_update=lock) if is_id(user_id) else None
    if user is None:
        raise not_found("user", user_id)
    return user


def _admin_for_staff(user_kind: str, caller: Caller, action: str) -> None:
    # An agent who could edit or re-invite an admin could take that account over.
    if user_kind == "staff" and not caller.is_admin:
        raise ProblemError(403, f"Only an admin can {action} staff users.", code="ROLE_REQUIRED")


def _ensure_email_free(email: str, user_id: str | None = None) -> None:
    clash = sa.select(User.id).where(User.email == email, User.id != (user_id or ""))
    if db.session.scalar(clash) is not None:
        raise email_taken(email)


def list_users(
    kind: str | None, company_id: str | None, q: str | None, page: int, page_size: int
) -> dict:
    query = (
        sa.select(User)
        .options(selectinload(User.memberships).joinedload(Membership.company))
        .order_by(User.created_at, User.id)
    )
    if kind:
        query = query.where(User.kind == kind)
    if company_id:
        members = sa.select(Membership.user_id).where(
            Membership.company_id == company_id, Membership.active
        )
        query = query.where(User.id.in_(members))
    if q:
        query = query.where(sa.or_(contains(User.email, q), contains(User.name, q)))
    return paginate(db.session, query, page, page_size)


def create_user(data: dict, caller: Caller) -> User:
    _admin_for_staff(data["kind"], caller, "create")
    _ensure_email_free(data["email"])
    wanted = data["memberships"]
    known = set(
        db.session.scalars(
            sa.select(Company.id).where(Company.id.in_([m["company_id"] for m in wanted]))
        )
    )
    unknown = {
        str(i): {"company_id": ["No company has this id."]}
        for i, m in enumerate(wanted)
        if m["company_id"] not in known
    }
    if unknown:
        raise field_error("memberships", unknown)
    user = User(
        id=new_id(),
        email=data["email"],
        name=data["name"],
        locale=data["locale"],
        time_zone=data.get("time_zone"),
        kind=data["kind"],
        role=data.get("role") if data["kind"] == "staff" else None,
        status="invited",
    )
    db.session.add(user)
    memberships = [
        Membership(id=new_id(), user=user, company_id=m["company_id"], role=m["role"], active=True)
        for m in wanted
    ]
    db.session.add_all(memberships)
    add_event(events.user_created(user))
    for membership in memberships:
        add_event(events.membership_changed(membership, user))
    commit(email_taken(user.email))
    return user


def _keeps_an_admin(user: User, data: dict) -> None:
    loses_admin = data.get("role", "admin") != "admin" or data.get("status") == "disabled"
    if user.role != "admin" or user.status == "disabled" or not loses_admin:
        return
    others = sa.select(sa.func.count()).where(
        User.kind == "staff", User.role == "admin", User.status == "active", User.id != user.id
    )
    if not db.session.scalar(others):
        raise ProblemError(
            409,
            "This is the last admin; make another staff user admin first.",
            code="LAST_ADMIN",
        )


def update_user(user_id: str, data: dict, caller: Caller) -> User:
    user = versions.lock(User, User.id == user_id) if is_id(user_id) else None
    if user is None:
        raise not_found("user", user_id)
    _admin_for_staff(user.kind, caller, "change")
    if "role" in data and user.kind != "staff":
        raise field_error("role", "Only staff users have a role.")
    if "email" in data:
        _ensure_email_free(data["email"], user.id)
    _keeps_an_admin(user, data)
    editable = ("email", "name", "locale", "time_zone", "role")
    changes = {key: data[key] for key in editable if key in data}
    if data.get("status") == "disabled":
        changes["status"] = "disabled"
    elif data.get("status") == "active" and user.status == "disabled":
        # Enabled again: back where they were, signed up or still to accept an invitation.
        changes["status"] = "active" if user.password_hash else "invited"
    changes = {key: value for key, value in changes.items() if getattr(user, key) != value}
    if not changes:
        return user
    if changes.get("status") == "disabled":
        # Before the changes: this UPDATE autoflushes, and a lost e-mail race must reach commit().
        tokens.revoke_user_tokens(user.id)
    if "email" in changes:
        # A link sent to the old address must not let whoever reads that mailbox in.
        _void_pending_invitations(user.id)
    for key, value in changes.items():
        setattr(user, key, value)
    add_event(events.user_updated(user))
    commit(email_taken(user.email))
    return user


def _void_pending_invitations(user_id: str) -> None:
    db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.user_id == user_id,
            Invitation.accepted_at.is_(None),
            Invitation.superseded_at.is_(None),
        )
        .values(superseded_at=utcnow())
    )


def invite_user(user_id: str, caller: Caller) -> Invitation:
    """A new invitation link (e-mailed by the mailer from the event); older ones stop working."""
    user = get_user(user_id, lock=True)  # serialises two invitations of one user
    _admin_for_staff(user.kind, caller, "invite")
    if user.status == "disabled":
        raise ProblemError(
            409,
            "This user is disabled; enable them (PATCH status 'active') before inviting them.",
            code="USER_DISABLED",
        )
    invitation = send_invitation(user, caller.user_id)
    db.session.commit()
    return invitation


def send_invitation(user: User, inviter_id: str | None) -> Invitation:
    """Queue a new invitation of `user` (older ones stop working); the caller commits."""
    _void_pending_invitations(user.id)
    now = utcnow()
    raw = secrets.token_urlsafe(32)
    inviter = db.session.get(User, inviter_id) if inviter_id else None
    invitation = Invitation(
        id=new_id(),
        user_id=user.id,
        email=user.email,
        token_hash=tokens.token_hash(raw),
        expires_at=now + timedelta(seconds=current_app.config["INVITATION_TTL"]),
        invited_by=inviter.id if inviter else None,
    )
    db.session.add(invitation)
    companies = db.session.scalars(
        sa.select(Company)
        .join(Membership, Membership.company_id == Company.id)
        .where(Membership.user_id == user.id, Membership.active)
        .order_by(Company.name)
    ).all()
    accept_url = f"{current_app.config['PORTAL_WEB_URL']}/accept-invitation?token={raw}"
    add_event(events.invitation_sent(invitation, user, accept_url, inviter, list(companies)))
    return invitation


def ensure_admin(email: str, password: str, name: str = "Administrator") -> bool:
    """Create the first staff admin, active, unless the e-mail is taken; True if created.
    A password too easy to guess is refused (422 problem on `password`)."""
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        return False
    ensure_strong(password, [email, name])
    user = User(
        id=new_id(),
        email=email,
        name=name,
        locale="en",
        kind="staff",
        role="admin",
        status="active",
        password_hash=hash_password(password),
    )
    db.session.add(user)
    add_event(events.user_created(user))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # created by a concurrent run meanwhile
        return False
    return True
