"""Tables of the onboarding service (its own database): customer groups and their billing-portal
configuration, signup links, access requests, and the replicas of identity's companies and
representatives (memberships) it matches and notifies."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import (
    OutboxMixin,
    ProcessedEventMixin,
    UTCDateTime,
    new_id,
    utcnow,
)

db = SQLAlchemy()

LOCALES = ("en", "fr", "es")
# The wizard's messages a group may set, each in en, fr and es (see the seed's portal setup).
MESSAGE_KEYS = (
    "terms",
    "contact",
    "company",
    "questions",
    "status_incomplete",
    "status_complete",
    "contact_updated",
    "additional_contact",
)
# draft: being filled in; in_review: waiting for the firm; completed: the user was created;
# rejected: the firm said no (with a reason).
REQUEST_STATUSES = ("draft", "in_review", "completed", "rejected")


class OutboxEvent(OutboxMixin, db.Model):
    pass


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class CustomerGroup(db.Model):
    """A group of client companies and its billing-portal configuration. Changing the terms'
    text makes a new terms version: a representative must accept the version in force."""

    __tablename__ = "customer_groups"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    portal_enabled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    requires_approval: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    terms: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # locale -> text
    terms_version: Mapped[int] = mapped_column(sa.Integer, default=0)  # 0: no terms yet
    terms_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tax_id_format: Mapped[str] = mapped_column(sa.String(20), default="nine_digits")
    email_help_url: Mapped[str | None] = mapped_column(sa.String(500))
    messages: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # key -> locale -> text
    questions: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{key, label, required}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SignupLink(db.Model):
    """A link handed to a group's customers; only the SHA-256 of its token is kept."""

    __tablename__ = "signup_links"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    group_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("customer_groups.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccessRequest(db.Model):
    """One representative's registration, reached with a resume token (hash kept) until done."""

    __tablename__ = "access_requests"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    group_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("customer_groups.id", ondelete="CASCADE"), index=True
    )
    signup_link_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("signup_links.id", ondelete="CASCADE")
    )
    resume_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    resume_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    terms_version: Mapped[int | None] = mapped_column(sa.Integer)
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    contact_phone: Mapped[str | None] = mapped_column(sa.String(32))  # E.164
    company_name: Mapped[str | None] = mapped_column(sa.String(200))
    tax_id: Mapped[str | None] = mapped_column(sa.String(20))  # in the group's format
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    answered: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    company_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)  # matched/chosen
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(sa.String(36))  # staff user; None: automatic
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GuessAttempt(db.Model):
    """A signup or resume token that matched nothing, per client address, for throttling."""

    __tablename__ = "guess_attempts"
    __table_args__ = (sa.Index("ix_guess_attempts_ip_at", "ip", "at"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Company(db.Model):
    """Replica of identity's companies: what matching a tax ID within a group needs."""

    __tablename__ = "companies"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    customer_group_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    tax_id: Mapped[str | None] = mapped_column(sa.String(50))
    tax_id_digits: Mapped[str | None] = mapped_column(sa.String(50), index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=0)  # identity's, see replicas.py


class Representative(db.Model):
    """Replica of identity's memberships (who represents which company, with which role)."""

    __tablename__ = "representatives"

    company_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(10))
    active: Mapped[bool] = mapped_column(sa.Boolean)
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    phone: Mapped[str | None] = mapped_column(sa.String(32))  # E.164, kept by the representative
    version: Mapped[int] = mapped_column(sa.Integer, default=0)  # the membership's, in identity
