"""Tables of the interventions service (its own database): sites, equipment, intervention types,
interventions with their history, portal options, and replicas of identity's facts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.common.models import OutboxMixin, ProcessedEventMixin, UTCDateTime, new_id, utcnow

db = SQLAlchemy()

FIELD_KINDS = ("text", "number", "date", "choice")
STATUSES = ("to_schedule", "scheduled", "in_progress", "completed", "cancelled")
# The sensible moves of an intervention; anything else is a 409 that lists these.
MOVES: dict[str, tuple[str, ...]] = {
    "to_schedule": ("scheduled", "cancelled"),
    "scheduled": ("in_progress", "to_schedule", "cancelled"),
    "in_progress": ("completed", "scheduled"),
    "completed": (),
    "cancelled": ("to_schedule",),
}
OPTIONS = (
    "portal_enabled",
    "create_allowed",
    "attachments_shown",
    "equipment_shown",
    "gallery_shown",
)
# PostgreSQL hands out numbers from this sequence: never twice, even after a rollback.
NUMBER_SEQUENCE = "intervention_number_seq"


def _id() -> Mapped[str]:
    return mapped_column(sa.String(36), primary_key=True, default=new_id)


def _company_fk() -> Mapped[str]:
    return mapped_column(sa.String(36), sa.ForeignKey("companies.id"), index=True)


class OutboxEvent(OutboxMixin, db.Model):
    pass


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class AddressMixin:
    address_line1: Mapped[str | None] = mapped_column(sa.String(200))
    address_line2: Mapped[str | None] = mapped_column(sa.String(200))
    address_postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    address_city: Mapped[str | None] = mapped_column(sa.String(100))
    address_country: Mapped[str | None] = mapped_column(sa.String(100))
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(50))


class Company(AddressMixin, db.Model):
    """Replica of identity's companies (the customers): what pre-fills the portal's forms."""

    __tablename__ = "companies"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    number: Mapped[str | None] = mapped_column(sa.String(50))
    extra_info: Mapped[str | None] = mapped_column(sa.Text)
    # identity's version of the company: a change applies only if its version is greater.
    version: Mapped[int] = mapped_column(sa.Integer, default=0)


class RevokedLink(db.Model):
    """Replica of identity's revoked secure links: their sessions are refused at once."""

    __tablename__ = "revoked_links"

    link_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Site(AddressMixin, db.Model):
    __tablename__ = "sites"

    id: Mapped[str] = _id()
    company_id: Mapped[str] = _company_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Equipment(db.Model):
    __tablename__ = "equipment"

    id: Mapped[str] = _id()
    company_id: Mapped[str] = _company_fk()
    site_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("sites.id"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str | None] = mapped_column(sa.String(100))
    serial: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InterventionType(db.Model):
    __tablename__ = "intervention_types"

    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    fields: Mapped[list[ExtraField]] = relationship(
        order_by="ExtraField.position", cascade="all, delete-orphan", lazy="selectin"
    )


class ExtraField(db.Model):
    """A field the customer fills in for one type ("floor", "access code", "urgency")."""

    __tablename__ = "extra_fields"
    __table_args__ = (sa.UniqueConstraint("type_id", "key"),)

    id: Mapped[str] = _id()
    type_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("intervention_types.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(sa.String(50))
    label: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10))
    required: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    choices: Mapped[list | None] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)


class Intervention(AddressMixin, db.Model):
    __tablename__ = "interventions"
    __table_args__ = (
        # The back-office queue and the portal lists: one customer's, by status, newest first.
        sa.Index("ix_interventions_company_created", "company_id", "created_at"),
        sa.Index("ix_interventions_status_created", "status", "created_at"),
        # A retried creation (same session, same Idempotency-Key) finds the first one.
        sa.UniqueConstraint("created_by", "idempotency_key"),
    )

    id: Mapped[str] = _id()
    number: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    company_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("companies.id"))
    site_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("sites.id"), index=True
    )
    equipment_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("equipment.id"), index=True
    )
    type_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("intervention_types.id")
    )
    description: Mapped[str] = mapped_column(sa.Text)
    extra: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(20), default="to_schedule")
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    technician: Mapped[str | None] = mapped_column(sa.String(200))
    # The language of the customer's e-mails about it (the portal page's, or the staff's choice).
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    # "staff:<id>", "user:<id>" or "link:<id>": who asked, also the throttling key.
    created_by: Mapped[str] = mapped_column(sa.String(50))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    type: Mapped[InterventionType | None] = relationship()
    history: Mapped[list[StatusChange]] = relationship(order_by="StatusChange.at")

    @property
    def reference(self) -> str:
        return f"INT-{self.number:06d}"


class StatusChange(db.Model):
    __tablename__ = "status_changes"

    id: Mapped[str] = _id()
    intervention_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("interventions.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    by: Mapped[str] = mapped_column(sa.String(50))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PortalOptions(db.Model):
    """What a customer's portal offers. The row with company_id "default" is the firm-wide
    default; a customer's row overrides only the options it sets (None: the default's)."""

    __tablename__ = "portal_options"

    company_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    portal_enabled: Mapped[bool | None] = mapped_column(sa.Boolean)
    create_allowed: Mapped[bool | None] = mapped_column(sa.Boolean)
    attachments_shown: Mapped[bool | None] = mapped_column(sa.Boolean)
    equipment_shown: Mapped[bool | None] = mapped_column(sa.Boolean)
    gallery_shown: Mapped[bool | None] = mapped_column(sa.Boolean)
