"""Tables of the mailer service (its own database): recipients replica and the e-mail log."""

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

SENT = "sent"
FAILED = "failed"
# Not sent yet: it tells a person about access before their invitation e-mail went out.
HELD = "held"


class OutboxEvent(OutboxMixin, db.Model):
    pass


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class Recipient(db.Model):
    """A person e-mails may go to, as identity last described them (`identity.user.*`)."""

    __tablename__ = "recipients"

    user_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    locale: Mapped[str | None] = mapped_column(sa.String(35))
    # IANA name of the zone dates and times are written in; None: the firm's PORTAL_TIME_ZONE.
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    kind: Mapped[str | None] = mapped_column(sa.String(20))
    status: Mapped[str | None] = mapped_column(sa.String(20))
    # identity's version of the user applied last: a change with no greater one is ignored.
    version: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Email(db.Model):
    """One e-mail of one event to one recipient: what was sent (or why it could not be)."""

    __tablename__ = "emails"
    __table_args__ = (
        # A redelivered or replayed event never sends the same e-mail twice.
        sa.UniqueConstraint("event_id", "recipient_email", name="uq_emails_event_recipient"),
        sa.CheckConstraint("status IN ('sent', 'failed', 'held')", name="ck_emails_status"),
        sa.Index("ix_emails_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(sa.String(36))
    # For a resend: the type of the event first e-mailed (the resend event's id is in event_id).
    event_type: Mapped[str] = mapped_column(sa.String(200), index=True)
    recipient_email: Mapped[str] = mapped_column(sa.String(320), index=True)
    recipient_name: Mapped[str] = mapped_column(sa.String(200), default="")
    locale: Mapped[str] = mapped_column(sa.String(10))
    template: Mapped[str] = mapped_column(sa.String(100))
    subject: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10))
    message_id: Mapped[str] = mapped_column(sa.String(300))
    error: Mapped[str | None] = mapped_column(sa.Text)
    resend_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    resend_of: Mapped[str | None] = mapped_column(
        sa.ForeignKey("emails.id", name="fk_emails_resend_of"), index=True
    )
    # The event data the e-mail was rendered from, so a resend renders the same e-mail again.
    # It can hold one-time links: never shown by the API.
    event_data: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
