"""The transactional outbox: `add_event` in request code, `relay_forever` in the worker.

How the relay publishes (one active relay per service):
- Leadership: on PostgreSQL the relay holds a session advisory lock on a connection of its own;
  a second relay of the service waits for it and takes over when the first dies (PostgreSQL
  drops the lock with the connection). With SQLite a single worker process is assumed.
  A relay that loses its lock stops as soon as its lock connection reports it; the standby
  tries the lock only every RELAY_STANDBY_SECONDS, by which time the old relay's last writes
  are at the broker. That is not a hard fence (a relay frozen longer could still send a late
  copy after its successor); the versions in replicated records make such a copy harmless.
- Throughput: rows go out with asynchronous publisher confirms, up to RELAY_WINDOW unconfirmed
  at a time, on a pika SelectConnection; a row is marked published only once the broker has
  confirmed it (`multiple=True` acks cover every tag up to theirs). A nack or a returned
  message leaves its row unpublished for the next pass; so does a connection lost before the
  confirm, at the price of a possible second copy, which consumers deduplicate by event id.
  No transaction or row lock is held while waiting for the broker.
- Order: rows leave in `seq` order (rowid on SQLite). PostgreSQL numbers a row when its
  transaction commits (a deferred trigger, see models.py), after every lock the transaction
  took: of two transactions that change one entity, the second waits for the first's row lock
  and numbers its rows after the first committed, and those rows are visible by then. So for
  one entity, seq order is commit order, whatever the order of statements in the request code.
  Rows of unrelated entities may become visible out of seq order (two commits racing); the
  relay picks such a late row up on its next pass from the start, so it may leave after a
  higher seq: order is guaranteed per entity (per locked row), not globally. Two transactions
  that lock no common row (say, two inserts of children of one parent) have no order the
  database defines; their events leave in seq order. The exception is a retry: a row nacked,
  returned or unconfirmed when the connection went is sent again on a later pass, after newer
  rows (a consumer has usually seen its first copy already; replicas compare versions).
- Wake-up: on PostgreSQL a trigger NOTIFYs `portal_outbox` when a transaction that inserted
  outbox rows commits, and the relay LISTENs on its lock connection; a poll every
  RELAY_POLL_SECONDS remains as a safety net (RELAY_IDLE_SECONDS on SQLite).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import logging
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import pika
import sqlalchemy as sa
from flask import Flask
from pika.exceptions import AMQPError
from sqlalchemy.dialects import postgresql

from . import broker, purge
from .events import Event
from .models import OUTBOX_CHANNEL, utcnow
from .observability import (
    BROKER_CONNECTED,
    OUTBOX_ACTIVE,
    OUTBOX_FAILURES,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PENDING,
    OUTBOX_PUBLISHED,
)

log = logging.getLogger(__name__)


METRICS_SECONDS = 5.0  # how often the active relay counts its backlog
STOP_SECONDS = 5.0  # how long a stopping relay waits for the confirms in flight
TICK_SECONDS = 0.1  # how soon a relay notices its stop event
# While commits keep coming, a relay reads at most once per BUSY_PASS_SECONDS: the rows of the
# commits meanwhile go out in one read, one burst of publishes (the broker writes them to its
# log together) and one mark, not one pass each; at most this much delay per hop. An idle relay
# reads at once, and one catching up on a backlog refills as soon as confirms come back.
# Measured at 100 shares/s (`bench share_latency`): 10 ms saved nothing (a commit came every
# 10 ms); 25 ms took a tenth of the pipeline's CPU; 40 ms doubled the company hop's p50.
BUSY_PASS_SECONDS = 0.025


def add_event(*events: Event) -> None:
    """Queue `events` in the current transaction, in this order; they are published only if
    the transaction commits. A Core insert, at once, one statement for all of them: the unit of
    work's flush of new rows costs more CPU than the statement. The relay's order comes from
    commit time (a deferred trigger numbers the rows), not from this insert's."""
    from flask import current_app

    parts = current_app.extensions["portal"]
    now = utcnow()
    rows = [
        {
            "id": event.id,
            "event_type": event.type,
            "subject": event.subject,
            "payload": event.to_json(),
            "created_at": now,
        }
        for event in events
    ]
    if not rows:
        return
    session = parts.db.session
    with session.no_autoflush:  # the change itself is flushed when it would have been anyway
        session.execute(_insert_into(parts.outbox_model.__table__), rows)


def withdraw_event(event_id: str) -> None:
    """Take back an event `add_event` queued in the current transaction, for a change undone
    by hand rather than by rolling back."""
    from flask import current_app

    parts = current_app.extensions["portal"]
    parts.db.session.execute(_delete_from(parts.outbox_model.__table__), {"id": event_id})


@functools.cache
def _insert_into(table: sa.Table) -> sa.Insert:
    return sa.insert(table)


@functools.cache
def _delete_from(table: sa.Table) -> sa.Delete:
    return sa.delete(table).where(table.c.id == sa.bindparam("id"))


def order_key(model: type, dialect: str) -> sa.ColumnElement:
    """The relay's order: `seq` on PostgreSQL; SQLite's rowid (a single writer, so insert
    order is commit order)."""
    return (
        model.seq if dialect == "postgresql" else sa.literal_column(f"{model.__tablename__}.rowid")
    )


# The relay's own PostgreSQL session (closed after each run, so none of this reaches another
# user of the pool). A mark need not wait for its WAL flush: one lost in a crash sends its row
# again, which consumers deduplicate (as after any lost confirm). And a read walks the pending
# index in `seq` order and stops at its limit: after a burst of commits the statistics lag,
# and PostgreSQL chose to fetch and sort every pending row (a bitmap scan) at each read, which
# made draining a backlog quadratic (100,000 rows: 0.40-0.46x the broker's ceiling, now
# 0.58-0.70x).
RELAY_SETTINGS = "SET synchronous_commit TO off; SET enable_bitmapscan TO off"


@dataclass(frozen=True)
class RelayStatements:
    read_from_start: sa.Select
    read_after: sa.Select  # rows past `cursor`, the last order key sent
    mark_published: sa.Update


@functools.cache
def relay_statements(model: type, dialect: str) -> RelayStatements:
    """The relay's three statements, built once: building them on every pass cost about as
    much CPU as running them."""
    key = order_key(model, dialect)
    read = (
        sa.select(model.id, key, model.event_type, model.payload)
        .where(model.published_at.is_(None))
        .order_by(key)
        .limit(sa.bindparam("room"))
    )
    if dialect == "postgresql":
        # One array parameter: rendering and parsing hundreds of IN literals cost more.
        ids = model.id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(model.id.type)))
    else:
        ids = model.id.in_(sa.bindparam("ids", expanding=True))
    return RelayStatements(
        read,
        read.where(key > sa.bindparam("cursor")),
        sa.update(model).where(ids).values(published_at=sa.bindparam("now")),
    )


def _lock_key(service: str) -> int:
    # Advisory locks are per database; the service name keeps two services sharing one apart.
    return zlib.crc32(f"portal-outbox-relay:{service}".encode())


@contextlib.contextmanager
def leadership(app: Flask, stop: threading.Event) -> Iterator[object | None]:
    """Wait until this process is the service's active relay; yield the psycopg2 connection
    that holds the lock and LISTENs (None on SQLite). Leaving the block gives the lock up."""
    engine = app.extensions["portal"].db.engine
    if engine.dialect.name != "postgresql":
        yield None
        return
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        pg.autocommit = True
        with pg.cursor() as cursor:
            while True:
                cursor.execute(
                    "SELECT pg_try_advisory_lock(%s)", (_lock_key(app.config["SERVICE_NAME"]),)
                )
                if cursor.fetchone()[0]:
                    break
                if stop.wait(app.config["RELAY_STANDBY_SECONDS"]):
                    yield None  # stopping while standing by: the caller sees stop and leaves
                    return
            cursor.execute(f"LISTEN {OUTBOX_CHANNEL}")
        yield pg
    finally:
        raw.invalidate()  # closes it: the lock and the LISTEN go with it


class _Publisher:
    """One broker connection's worth of publishing, driven by pika's ioloop in this thread."""

    def __init__(self, app: Flask, pg: object | None, stop: threading.Event) -> None:
        self.app, self.pg, self.stop = app, pg, stop
        config = app.config
        self.service = config["SERVICE_NAME"]
        self.exchange = config["EVENT_EXCHANGE"]
        self.window = config["RELAY_WINDOW"]
        parts = app.extensions["portal"]
        self.engine, self.model = parts.db.engine, parts.outbox_model
        self.db: sa.Connection | None = None  # autocommit, for the whole run (see run)
        self.statements = relay_statements(self.model, self.engine.dialect.name)
        self.poll = config["RELAY_POLL_SECONDS"] if pg is not None else config["RELAY_IDLE_SECONDS"]
        self.channel = None
        self.next_tag = 1
        self.in_flight: dict[int, tuple[str, str]] = {}  # delivery tag -> (row id, event type)
        self.returned: set[str] = set()  # row ids the broker returned (their ack follows)
        self.confirmed: list[tuple[str, str]] = []  # acked, not yet marked in the database
        self.cursor = None  # highest order key sent on this connection
        self.pump_due = self.refill = False
        # Rows may be pending beyond what the last pass read (its read was full, or it had no
        # room): a confirm must then pump. Otherwise a new row's NOTIFY (or the poll) will.
        self.more = True
        self.stopping_since: float | None = None
        self.error: BaseException | None = None
        self.last_pass = self.last_metrics = self.last_read = 0.0
        self.connection = pika.SelectConnection(
            broker.connection_parameters(config["AMQP_URL"]),
            on_open_callback=lambda c: c.channel(on_open_callback=self._on_channel),
            on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_closed,
        )

    def run(self) -> None:
        # One database connection for the whole run, in autocommit: a pass per commit elsewhere
        # (one NOTIFY each) is then a read and an update, two round trips, with no pool checkout
        # and no BEGIN/ROLLBACK/COMMIT around them. Each statement is atomic on its own, and no
        # transaction stays open while the broker works. A database failure ends the run; the
        # next one connects afresh.
        with self.engine.connect() as connection:
            self.db = connection.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name != "postgresql":
                return self._run()
            self.db.exec_driver_sql(RELAY_SETTINGS)
            try:
                self._run()
            finally:
                connection.invalidate()  # that setting must not reach the pool's next user

    def _run(self) -> None:
        ioloop = self.connection.ioloop
        if self.pg is not None:
            ioloop.add_handler(self.pg.fileno(), self._on_notify, ioloop.READ)
        ioloop.call_later(0, self._tick)
        try:
            ioloop.start()  # until _on_closed stops it
        except BaseException:
            # A bug in a callback: close the connection before the next one is opened.
            if self.connection.is_open:
                with contextlib.suppress(Exception):
                    self.connection.close()
                    ioloop.start()
            raise
        finally:
            if self.pg is not None:
                with contextlib.suppress(Exception):
                    ioloop.remove_handler(self.pg.fileno())
            self._mark_confirmed()  # what the broker confirmed before it went
        if self.error is not None:
            raise self.error

    # -- pika callbacks (all run in this thread, one at a time) --------------------------------

    def _on_channel(self, channel) -> None:
        self.channel = channel
        channel.add_on_close_callback(lambda _channel, reason: self._close(reason))
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(self._on_confirm, callback=lambda _frame: self._schedule_pump())
        BROKER_CONNECTED.labels(self.service, "relay").set(1)
        log.info("outbox relay connected", extra={"service": self.service})

    def _on_open_error(self, _connection, exc) -> None:
        self.error = exc if isinstance(exc, BaseException) else AMQPError(str(exc))
        self.connection.ioloop.stop()

    def _on_closed(self, _connection, reason) -> None:
        BROKER_CONNECTED.labels(self.service, "relay").set(0)
        if self.stopping_since is None and self.error is None:
            self.error = reason  # the broker went, or closed our channel
        if self.in_flight:
            OUTBOX_FAILURES.labels(self.service, "connection").inc(len(self.in_flight))
            self.in_flight.clear()  # their rows stay unpublished: the next connection resends
        self.connection.ioloop.stop()

    def _on_return(self, _channel, _method, properties, _body) -> None:
        # Unroutable despite the alternate exchange (broken topology): keep the row.
        self.returned.add(properties.message_id)

    def _on_confirm(self, frame) -> None:
        method = frame.method
        acked = isinstance(method, pika.spec.Basic.Ack)
        tags = [method.delivery_tag]
        if method.multiple:
            tags = [t for t in self.in_flight if t <= method.delivery_tag]  # in tag order
        for tag in tags:
            row_id, event_type = self.in_flight.pop(tag, (None, None))
            if row_id is None:
                continue
            if acked and row_id not in self.returned:
                self.confirmed.append((row_id, event_type))
            else:
                reason = "nack" if not acked else "returned"
                OUTBOX_FAILURES.labels(self.service, reason).inc()
                self.returned.discard(row_id)
                log.warning("outbox row %s %s by the broker; kept for the next try", row_id, reason)
        self._schedule_pump(refill=self.more)

    def _on_notify(self, _fd, _events) -> None:
        try:
            self.pg.poll()  # raises when the lock connection is gone: we are no longer leader
        except Exception as exc:  # noqa: BLE001 - psycopg2's errors: give up leadership
            return self._fail(exc)
        self.pg.notifies.clear()
        self._schedule_pump()

    def _tick(self) -> None:
        """Every TICK_SECONDS: stopping, the safety poll, the backlog metrics, the purge."""
        now = time.monotonic()
        try:
            if self.stop.is_set():
                return self._stopping(now)
            if now - self.last_pass >= self.poll:
                self.last_pass = now
                self._mark_confirmed()
                if not self.in_flight:
                    # Start again from the oldest pending row: rows a nack or return left
                    # behind, and rows that committed after a higher seq had gone out.
                    self.cursor = None
                self._pump()
            if now - self.last_metrics >= METRICS_SECONDS:
                self.last_metrics = now
                update_backlog_metrics(self.app)
                purge.when_due(self.app)
        except Exception as exc:  # noqa: BLE001 - the database failed: reconnect everything
            return self._fail(exc)
        self.connection.ioloop.call_later(min(TICK_SECONDS, self.poll), self._tick)

    # -- the work ------------------------------------------------------------------------------

    def _schedule_pump(self, refill: bool = True) -> None:
        """Mark what the broker confirmed and, if `refill`, publish what is pending, soon."""
        self.refill = self.refill or refill
        if not self.pump_due:
            self.pump_due = True  # coalesces the many confirms of one read into one pass
            catching_up = refill and self.more
            delay = 0.0 if catching_up else self.last_read + BUSY_PASS_SECONDS - time.monotonic()
            self.connection.ioloop.call_later(max(delay, 0.0), self._run_pump)

    def _run_pump(self) -> None:
        refill, self.pump_due, self.refill = self.refill, False, False
        try:
            if refill and self.cursor is not None:
                # Publish first, then mark: the broker stores the new messages while the
                # database marks the confirmed ones. (A read from the start must wait for the
                # marks, or it would send the confirmed rows again.)
                self._pump()
                self._mark_confirmed()
            else:
                self._mark_confirmed()
                if refill:
                    self._pump()
        except Exception as exc:  # noqa: BLE001 - the database failed: reconnect everything
            self._fail(exc)

    def _pump(self) -> None:
        """Publish pending rows in order until the window of unconfirmed messages is full."""
        room = self.window - len(self.in_flight)
        if self.channel is None or not self.channel.is_open or self.stopping_since:
            return
        if room <= 0 or (self.in_flight and room < self.window // 2):
            self.more = True
            return  # refill by half windows: fewer, larger reads while confirms stream in
        self.last_read = time.monotonic()
        if self.cursor is None:
            rows = self.db.execute(self.statements.read_from_start, {"room": room}).all()
        else:
            parameters = {"room": room, "cursor": self.cursor}
            rows = self.db.execute(self.statements.read_after, parameters).all()
        self.more = len(rows) == room
        for row_id, key, event_type, payload in rows:
            self.channel.basic_publish(
                self.exchange,
                event_type,
                payload.encode(),
                pika.BasicProperties(
                    message_id=row_id,
                    type=event_type,
                    content_type="application/cloudevents+json",
                    delivery_mode=pika.DeliveryMode.Persistent,
                ),
                mandatory=True,
            )
            self.in_flight[self.next_tag] = (row_id, event_type)
            self.next_tag += 1
            self.cursor = key

    def _mark_confirmed(self) -> None:
        if not self.confirmed:
            return
        done, self.confirmed = self.confirmed, []
        # Autocommit: marked as the statement ends; if it fails the rows go again (a duplicate,
        # never a loss).
        ids = [row_id for row_id, _ in done]
        self.db.execute(self.statements.mark_published, {"ids": ids, "now": utcnow()})
        for event_type, count in collections.Counter(t for _, t in done).items():
            OUTBOX_PUBLISHED.labels(self.service, event_type).inc(count)

    def _stopping(self, now: float) -> None:
        """Publish nothing new, wait (bounded) for the confirms in flight, mark them, close."""
        if self.stopping_since is None:
            self.stopping_since = now
        self._mark_confirmed()
        if self.in_flight and now - self.stopping_since < STOP_SECONDS:
            self.connection.ioloop.call_later(0.05, self._tick)
            return
        self._close("relay stopping")

    def _fail(self, exc: BaseException) -> None:
        self.error = exc
        self._close(str(exc))

    def _close(self, reason: object) -> None:
        ioloop = self.connection.ioloop
        if self.connection.is_closed:
            ioloop.stop()
            return
        if not self.connection.is_closing:
            # Open or still opening: _on_closed (or _on_open_error) stops the ioloop.
            self.connection.close(reply_text=str(reason)[:200])
        # A broker that never answers the close must not keep this thread (and SIGTERM) waiting.
        ioloop.call_later(STOP_SECONDS, ioloop.stop)


def update_backlog_metrics(app: Flask) -> None:
    service = app.config["SERVICE_NAME"]
    state = backlog(app)
    OUTBOX_PENDING.labels(service).set(state["pending"])
    OUTBOX_OLDEST_AGE.labels(service).set(state["oldest_pending_age_seconds"] or 0)


def relay_forever(app: Flask, subscriptions: dict[str, list[str]], stop: threading.Event) -> None:
    """Publish outbox rows until `stop` is set, as the service's one active relay; reconnect with
    back-off when the broker or the database goes."""
    config = app.config
    service = config["SERVICE_NAME"]
    backoff = 0.5
    while not stop.is_set():
        try:
            with app.app_context(), leadership(app, stop) as pg:
                if stop.is_set():
                    break
                OUTBOX_ACTIVE.labels(service).set(1)
                log.info("active outbox relay", extra={"service": service})
                while not stop.is_set():
                    _declare(config, subscriptions)
                    _Publisher(app, pg, stop).run()
                    backoff = 0.5
        except (AMQPError, OSError) as exc:
            log.warning(
                "outbox relay lost the broker (%s); retrying in %.1fs", broker.reason(exc), backoff
            )
        except Exception:
            log.exception("outbox relay failed; retrying in %.1fs", backoff)
        finally:
            OUTBOX_ACTIVE.labels(service).set(0)
            with contextlib.suppress(Exception), app.app_context():
                app.extensions["portal"].db.session.remove()
        stop.wait(backoff)
        backoff = min(backoff * 2, config["RECONNECT_MAX_SECONDS"])


def _declare(config: dict, subscriptions: dict[str, list[str]]) -> None:
    """Every subscriber's queues exist before the first publish, whichever process started first
    (a short blocking connection: declaring is rare and simpler in that style)."""
    connection = broker.connect(config["AMQP_URL"])
    try:
        broker.declare_topology(
            connection.channel(),
            config["EVENT_EXCHANGE"],
            subscriptions,
            config["RETRY_DELAYS"],
            config["DELIVERY_LIMIT"],
        )
    finally:
        if connection.is_open:
            connection.close()


def backlog(app: Flask) -> dict:
    """What the admin endpoint shows: unpublished rows and the age of the oldest."""
    parts = app.extensions["portal"]
    model = parts.outbox_model
    try:
        count, oldest = parts.db.session.execute(
            sa.select(sa.func.count(), sa.func.min(model.created_at)).where(
                model.published_at.is_(None)
            )
        ).one()
    finally:
        parts.db.session.rollback()
    age = None if oldest is None else round((utcnow() - oldest).total_seconds(), 3)
    return {"pending": count, "oldest_pending_age_seconds": age}
