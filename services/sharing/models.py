"""Tables of the sharing service (its own database): matters, their publication, and replicas."""

from __future__ import annotations

from datetime import date, datetime

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

db = SQLAlchemy()

MATTER_KINDS = ("contract", "case")
MATTER_STATUSES = ("open", "in_progress", "on_hold", "closed")
MILESTONE_STATUSES = ("planned", "in_progress", "done")
COLLABORATOR_ROLES = ("approver", "signee")
# A collaborator starts "pending"; approvers end "approved"/"rejected", signees "signed".
COLLABORATOR_STATUSES = ("pending", "approved", "rejected", "signed")
AUDIENCE_REASONS = ("requester", "watcher", "collaborator", "company")


def _id() -> Mapped[str]:
    return mapped_column(sa.String(36), primary_key=True, default=new_id)


def _matter_fk() -> Mapped[str]:
    return mapped_column(sa.String(36), sa.ForeignKey("matters.id", ondelete="CASCADE"))


class OutboxEvent(OutboxMixin, db.Model):
    pass


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class Company(db.Model):
    """Replica of identity's companies: what the same-company rule and e-mails need."""

    __tablename__ = "companies"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    members_see_each_other: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # identity's version of the record applied last: a change with no greater one is ignored.
    version: Mapped[int] = mapped_column(sa.Integer, default=0)


class User(db.Model):
    """Replica of identity's users (staff and portal), from user and membership events."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    # Unknown (None) while only a membership event has mentioned the user.
    kind: Mapped[str | None] = mapped_column(sa.String(10))
    role: Mapped[str | None] = mapped_column(sa.String(10))
    status: Mapped[str | None] = mapped_column(sa.String(10))
    version: Mapped[int] = mapped_column(sa.Integer, default=0)  # 0: only a membership named them

    @property
    def disabled(self) -> bool:
        return self.status == "disabled"


class Membership(db.Model):
    """Replica of identity's memberships: a portal user's role in one company."""

    __tablename__ = "memberships"

    company_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(sa.String(10))
    active: Mapped[bool] = mapped_column(sa.Boolean)
    version: Mapped[int] = mapped_column(sa.Integer, default=0)


class Matter(db.Model):
    """A contract or case of one client company, and how it is shown in the client portal."""

    __tablename__ = "matters"

    id: Mapped[str] = _id()
    kind: Mapped[str] = mapped_column(sa.String(10))
    reference: Mapped[str] = mapped_column(sa.String(100), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    company_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    owner_id: Mapped[str] = mapped_column(sa.String(36))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visible: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    requester_id: Mapped[str | None] = mapped_column(sa.String(36))
    attachments_visible_by_default: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Bumped with every sharing.audience.changed so consumers can drop an older one.
    audience_version: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Loaded per page with selectinload where shown (the portal never needs them).
    watchers: Mapped[list[Watcher]] = relationship(
        cascade="all, delete-orphan", order_by="Watcher.created_at"
    )
    # The replica's row (no foreign key: it may arrive after the matter's first use); a locked
    # matter is read with it (service.get_matter).
    company: Mapped[Company | None] = relationship(
        primaryjoin="foreign(Matter.company_id) == Company.id", viewonly=True
    )


class Watcher(db.Model):
    """A company member a visible matter is shared with, besides its requester."""

    __tablename__ = "watchers"

    matter_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Milestone(db.Model):
    """A step of a matter; shown in the portal with the matter unless hidden on its own."""

    __tablename__ = "milestones"
    __table_args__ = (sa.Index("ix_milestones_matter_position", "matter_id", "position"),)

    id: Mapped[str] = _id()
    matter_id: Mapped[str] = _matter_fk()
    title: Mapped[str] = mapped_column(sa.String(200))
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default="planned")
    portal_visible: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Collaborator(db.Model):
    """A portal user (of any company) asked to approve or sign a matter, and their decision."""

    __tablename__ = "collaborators"
    __table_args__ = (
        # One live collaboration per person and role; withdrawn ones stay beside it as records.
        sa.Index(
            "uq_collaborators_role",
            "matter_id",
            "user_id",
            "role",
            unique=True,
            postgresql_where=sa.text("withdrawn_at IS NULL"),
            sqlite_where=sa.text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[str] = _id()
    matter_id: Mapped[str] = _matter_fk()
    user_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    role: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    # Set once the collaborator.added e-mail went out (only when the matter is visible).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the firm withdrew them after they decided: no access any more, the record stays.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(sa.String(36))  # a staff user id

    signature: Mapped[Signature | None] = relationship(cascade="all")


class Signature(db.Model):
    """Evidence of a signee's signature: who, when, from where, over which documents."""

    __tablename__ = "signatures"

    collaborator_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("collaborators.id", ondelete="CASCADE"), primary_key=True
    )
    full_name: Mapped[str] = mapped_column(sa.String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(500))
    # [{document_id, name, sha256}]: what documents showed the signee when signing (signatures
    # made before 0003 also carry a version_id).
    documents: Mapped[list] = mapped_column(sa.JSON)


class NotificationRecipient(db.Model):
    """A staff user told about client activity on a matter (none set: the owner)."""

    __tablename__ = "notification_recipients"

    matter_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)


class AudienceEntry(db.Model):
    """Materialised audience: one row per portal user who may see a visible matter."""

    __tablename__ = "audience"
    __table_args__ = (
        # The portal's list query: every matter of one user, newest first, from this index.
        sa.Index("ix_audience_user_matter", "user_id", "matter_id"),
    )

    matter_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    # Comma-separated, in AUDIENCE_REASONS order ("requester,collaborator").
    reasons: Mapped[str] = mapped_column(sa.String(60))
