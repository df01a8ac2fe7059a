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


# PostgreSQL objects the relay relies on (created by each service's migration, and by
# create_all in tests of the plumbing):
# - `outbox_seq` numbers each outbox row when its transaction commits: a deferred constraint
#   trigger runs at commit, after every lock the transaction took, so of two transactions that
#   change one entity the second (blocked on the first's row lock) numbers its rows after the
#   first committed. Numbering at insert would not: a transaction may insert its event before
#   it locks the entity, and request code never has to care about the order of its statements.
# - a statement trigger NOTIFYs `portal_outbox` (delivered at commit, once per transaction).
OUTBOX_CHANNEL = "portal_outbox"
OUTBOX_SEQ = sa.Sequence("outbox_seq")
OUTBOX_DDL = [
    sa.DDL(
        "CREATE OR REPLACE FUNCTION portal_outbox_number() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN UPDATE outbox SET seq = nextval('outbox_seq') WHERE id = NEW.id; "
        "RETURN NULL; END $$"
    ),
    sa.DDL(
        "CREATE CONSTRAINT TRIGGER outbox_number AFTER INSERT ON outbox "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION portal_outbox_number()"
    ),
    sa.DDL(
        "CREATE OR REPLACE FUNCTION portal_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN PERFORM pg_notify('{OUTBOX_CHANNEL}', ''); RETURN NULL; END $$"
    ),
    sa.DDL(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION portal_outbox_notify()"
    ),
]


class OutboxMixin:
    """An event waiting to be published, written in the same transaction as the change."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    # The relay's order on PostgreSQL, set at commit by the trigger above. SQLite leaves it
    # NULL and the relay orders by rowid (one writer at a time: insert order is commit order).
    seq: Mapped[int | None] = mapped_column(sa.BigInteger)
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
            sa.Index(
                "ix_outbox_pending_seq", "seq", postgresql_where=sa.text("published_at IS NULL")
            ),
            # create_all (tests of the plumbing) gets the triggers too; services migrate.
            {
                "listeners": [
                    ("after_create", ddl.execute_if(dialect="postgresql"))
                    for ddl in [
                        sa.schema.CreateSequence(OUTBOX_SEQ, if_not_exists=True),
                        *OUTBOX_DDL,
                    ]
                ]
            },
        )


class ProcessedEventMixin:
    """An event this service has handled; inserted in the transaction of the handler's effect."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(200))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def add_outbox_order(op) -> None:  # noqa: ANN001 - alembic's op module
    """Migration step every service shares: the relay's `seq` and, on PostgreSQL, the triggers
    that number rows at commit and wake the relay. Rows already there are numbered in table
    order (published ones included: harmless)."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            "ix_outbox_pending_seq", ["seq"], postgresql_where=sa.text("published_at IS NULL")
        )
    if postgresql:
        op.execute(sa.schema.CreateSequence(OUTBOX_SEQ))
        op.execute("UPDATE outbox SET seq = nextval('outbox_seq')")
        for ddl in OUTBOX_DDL:
            op.execute(ddl)


def drop_outbox_order(op) -> None:  # noqa: ANN001
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
        op.execute("DROP TRIGGER IF EXISTS outbox_number ON outbox")
        op.execute("DROP FUNCTION IF EXISTS portal_outbox_notify()")
        op.execute("DROP FUNCTION IF EXISTS portal_outbox_number()")
        op.execute(sa.schema.DropSequence(OUTBOX_SEQ))
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_pending_seq")
        batch_op.drop_column("seq")
