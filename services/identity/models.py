"""Tables of the identity service (its own database): people, companies and their credentials."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.common.models import (
    OutboxMixin,
    ProcessedEventMixin,
    UTCDateTime,
    new_id,
    utcnow,
)

# Named constraints, so that later migrations (batch mode on SQLite) can address them.
db = SQLAlchemy(
    metadata=sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
        }
    )
)

LOCALES = ("en", "fr", "es")
USER_KINDS = ("staff", "portal")
STAFF_ROLES = ("admin", "agent")
USER_STATUSES = ("invited", "active", "disabled")
MEMBER_ROLES = ("primary", "secondary", "member")


def _id() -> Mapped[str]:
    return mapped_column(sa.String(36), primary_key=True, default=new_id)


def _created() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, default=utcnow)


def _version() -> Mapped[int]:
    # Bumped under the row's lock with every event about the row (see versions.py); replicas
    # apply only a greater one. Rows older than the column start at 0.
    return mapped_column(sa.Integer, default=1, server_default="0")


def _user_fk() -> Mapped[str]:
    return mapped_column(sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)


class OutboxEvent(OutboxMixin, db.Model):
    pass


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class User(db.Model):
    """A staff member (admin or agent) or a portal user (a client contact)."""

    __tablename__ = "users"

    id: Mapped[str] = _id()
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # always lower case
    name: Mapped[str] = mapped_column(sa.String(200))
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    # An IANA zone ("Europe/Paris"); None means the firm's default (PORTAL_TIME_ZONE).
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(10), index=True)
    role: Mapped[str | None] = mapped_column(sa.String(10))  # staff only
    status: Mapped[str] = mapped_column(sa.String(10), default="invited", index=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    version: Mapped[int] = _version()
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", order_by="Membership.created_at"
    )


class Company(db.Model):
    """A client organisation; its settings drive what its members see of each other."""

    __tablename__ = "companies"

    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    number: Mapped[str | None] = mapped_column(sa.String(50), unique=True)  # customer number
    tax_id: Mapped[str | None] = mapped_column(sa.String(50), index=True)
    address_line1: Mapped[str | None] = mapped_column(sa.String(200))
    address_line2: Mapped[str | None] = mapped_column(sa.String(200))
    address_postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    address_city: Mapped[str | None] = mapped_column(sa.String(100))
    address_country: Mapped[str | None] = mapped_column(sa.String(100))
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(50))
    extra_info: Mapped[str | None] = mapped_column(sa.Text)
    members_see_each_other: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # The customer group (kept by onboarding) whose billing-portal signups match this company.
    customer_group_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    version: Mapped[int] = _version()
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Membership(db.Model):
    """A portal user's role in one company; deactivated rather than deleted."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "company_id"),)

    id: Mapped[str] = _id()
    user_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE")
    )  # indexed by the unique constraint, whose first column it is
    company_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(10))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    version: Mapped[int] = _version()
    created_at: Mapped[datetime] = _created()

    user: Mapped[User] = relationship(back_populates="memberships")
    company: Mapped[Company] = relationship()


class Invitation(db.Model):
    """A one-time link to set a password; only the SHA-256 of its token is kept. It is bound to
    the address it was sent to: once the user's e-mail changes, it cannot be accepted."""

    __tablename__ = "invitations"

    id: Mapped[str] = _id()
    user_id: Mapped[str] = _user_fk()
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()


class RefreshToken(db.Model):
    """An opaque refresh token (hashed); rotation links it to its successor within a family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = _id()
    user_id: Mapped[str] = _user_fk()
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    family_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_by: Mapped[str | None] = mapped_column(sa.String(36))
    # Absolute end of the family (sign in again after it); None on tokens issued before it existed.
    family_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who rotated it (hash of address and user agent): a parallel refresh from the same client
    # within the grace window gets a sibling instead of tripping reuse detection.
    rotated_by: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = _created()


class PasswordReset(db.Model):
    """A one-time "forgot password" link, bound to the address it was sent to (SHA-256 kept)."""

    __tablename__ = "password_resets"

    id: Mapped[str] = _id()
    user_id: Mapped[str] = _user_fk()
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _created()


class PasswordResetRequest(db.Model):
    """One "forgot password" request, whether or not the address is known, for throttling."""

    __tablename__ = "password_reset_requests"
    __table_args__ = (
        sa.Index("ix_password_reset_requests_email_at", "email", "at"),
        sa.Index("ix_password_reset_requests_ip_at", "ip", "at"),
    )

    id: Mapped[str] = _id()
    email: Mapped[str] = mapped_column(sa.String(254))
    ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SigningKey(db.Model):
    """An Ed25519 key pair; the active one signs access tokens, every stored one is in the JWKS
    (so tokens signed before a rotation still verify; deleting a row revokes its key)."""

    __tablename__ = "signing_keys"
    __table_args__ = (
        # At most one active key: two workers generating the first key at once cannot both win.
        sa.Index(
            "uq_signing_keys_one_active",
            "active",
            unique=True,
            postgresql_where=sa.text("active"),
            sqlite_where=sa.text("active"),
        ),
    )

    kid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    private_key_pem: Mapped[str] = mapped_column(sa.Text)
    public_jwk: Mapped[str] = mapped_column(sa.Text)  # JSON
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = _created()


class LoginFailure(db.Model):
    """One sign-in attempt that failed or is still being checked (reserved before the password
    is hashed, deleted when it succeeds), counted per account, address and pair for throttling."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index("ix_login_failures_email_at", "email", "at"),
        sa.Index("ix_login_failures_ip_at", "ip", "at"),
    )

    id: Mapped[str] = _id()
    email: Mapped[str] = mapped_column(sa.String(254))
    ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


LINK_SCOPES = ("company", "site", "intervention")


class SecureLink(db.Model):
    """A link that opens one customer's portal without an account, scoped to the whole customer,
    one site or one intervention. Only the SHA-256 of its token is kept (it is shown once)."""

    __tablename__ = "secure_links"

    id: Mapped[str] = _id()
    company_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    # Sites and interventions belong to the interventions service, which checks them per request.
    scope_type: Mapped[str] = mapped_column(sa.String(20))
    scope_id: Mapped[str] = mapped_column(sa.String(36))
    label: Mapped[str | None] = mapped_column(sa.String(200))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()
