"""Tables every service has in its own database (the outbox and the processed-event record),
and the timestamp column type every table uses.

A service declares them on its own metadata: `class OutboxEvent(OutboxMixin, db.Model)`.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .events import Event


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


# Ids are uuid4 strings; anything else cannot name a row (and must not reach the database:
# PostgreSQL refuses a NUL character in a query, as a 500).
ID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def is_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


class UTCDateTime(sa.TypeDecorator):
    """A zone-aware UTC timestamp on every backend (SQLite hands them back without a zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class OutboxMixin:
    """An event waiting to be published, written in the same transaction as the change."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str | None] = mapped_column(sa.String(200))
    payload: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:  # noqa: N805
        # The relay's query: oldest unpublished first; the partial index stays tiny on PostgreSQL.
        return (
            sa.Index(
                "ix_outbox_pending",
                "created_at",
                postgresql_where=sa.text("published_at IS NULL"),
                sqlite_where=sa.text("published_at IS NULL"),
            ),
            sa.Index("ix_outbox_published_at", "published_at"),
        )

    @classmethod
    def of(cls, event: Event):  # noqa: ANN206 - returns the concrete model
        return cls(
            id=event.id, event_type=event.type, subject=event.subject, payload=event.to_json()
        )


class ProcessedEventMixin:
    """An event this service has handled; inserted in the transaction of the handler's effect."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(200))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
