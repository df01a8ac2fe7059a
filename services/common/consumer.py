"""The consume loop: dedupe by event id, ack after commit, batches, retry and park, outages.

The pika connection lives in one thread; handlers run in others (HANDLER_THREADS, 1 by
default: more only for a service that needs no order between its events) so that a long
handler never starves heartbeats.
Deliveries collect while the handler threads work; an idle one takes its next batch (with one
thread, all of them, up to the prefetch; with several, the next delivery or the next run of
batched ones, see `Consumer._batches`); the outcomes come back with `add_callback_threadsafe`,
and only the connection thread touches the channel.

A handler failure is one of two things:
- an outage (the database or the SMTP server cannot be reached): not the message's fault. The
  handler thread keeps the batch unacknowledged (so the broker sends nothing more), waits with
  capped back-off and tries again for as long as it takes, without spending an attempt;
- anything else, on a healthy system (a bug, a poison message): retried after RETRY_DELAYS,
  then parked.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pika
import sqlalchemy as sa
from flask import Flask
from pika.exceptions import AMQPError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from . import broker
from .events import Event
from .models import utcnow
from .observability import (
    BROKER_CONNECTED,
    DEPENDENCY_WAITING,
    EVENTS_FAILED,
    EVENTS_HANDLED,
    EVENTS_PARKED,
    EVENTS_RETRIED,
    HANDLER_DURATION,
    QUEUE_UNACKED,
    event_fields,
)

log = logging.getLogger(__name__)


class DependencyUnavailable(Exception):
    """Raised by a handler when something it needs is down: the message waits, unspent."""

    def __init__(self, dependency: str, detail: str) -> None:
        super().__init__(f"{dependency} unavailable: {detail}")
        self.dependency = dependency


def batched(handler):
    """Mark a handler that only changes this service's database: events whose handlers are all
    marked are applied many in one transaction (a handler with effects outside the database, an
    e-mail, must see its own transaction commit or roll back alone)."""
    handler.batched = True
    return handler


@dataclass(frozen=True)
class Outcome:
    action: str  # "ack", "retry", "park", or "wait" (an outage: try again, same attempt)
    attempt: int = 0
    error: str = ""
    dependency: str = ""


@dataclass(frozen=True)
class Delivery:
    tag: int
    routing_key: str
    properties: pika.BasicProperties
    body: bytes

    @property
    def attempt(self) -> int:
        return int((self.properties.headers or {}).get("x-attempt", 0))

    @property
    def event_type(self) -> str:
        return self.properties.type or self.routing_key


def _outage(app: Flask, exc: Exception) -> str | None:
    """The dependency whose outage `exc` shows, or None when the system is healthy. A database
    error is an outage only if the database cannot be reached right now (a deadlock or a
    constraint is this message's business)."""
    if isinstance(exc, DependencyUnavailable):
        return exc.dependency
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "database"  # the connection was lost: waited out even if it is back already
    if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError):
        try:
            with app.extensions["portal"].db.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure to reach it is the outage
            return "database"
    return None


# A handler may look a row up, find none and insert it while another transaction inserts the
# same row (a replica's user filled by a read-through in a request, or by another worker). Its
# insert then fails on the unique key: handled again at once, it finds that row and applies its
# change over it (versions decide), as a redelivery would, with no error and no attempt spent.
RACED_INSERT_RETRIES = 2


def _unique_violation(exc: IntegrityError) -> bool:
    return getattr(exc.orig, "pgcode", None) == "23505" or "UNIQUE constraint" in str(exc.orig)


def _handle_raced(app: Flask, events: list[Event]) -> None:
    """`_handle`, again after a row it inserts was inserted meanwhile (see above)."""
    for retries_left in range(RACED_INSERT_RETRIES, -1, -1):
        try:
            return _handle(app, events)
        except IntegrityError as exc:
            if not retries_left or not _unique_violation(exc):
                raise
            app.extensions["portal"].db.session.rollback()
            kinds = ", ".join(sorted({event.type for event in events}))
            detail = " ".join(str(exc.orig).split())
            log.info("a row was inserted meanwhile (%s); handling %s again", detail, kinds)


def _handle(app: Flask, events: list[Event]) -> None:
    """Run the handlers of `events` in the current transaction; skip ids already processed."""
    parts = app.extensions["portal"]
    session = parts.db.session
    seen: set[str] = set()
    for event in events:
        if event.id in seen or not _first_time(session, parts.processed_model, event):
            log.info("duplicate event %s (%s) ignored", event.id, event.type)
            continue
        seen.add(event.id)
        with event_fields(event.id, event.type, event.correlationid):
            for handler in parts.handlers.get(event.type, ()):
                handler(event)
    session.commit()


@functools.cache
def _record_processed(table: sa.Table, dialect: str) -> sa.Insert:
    """`INSERT ... ON CONFLICT DO NOTHING RETURNING`, built once per table."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    return insert.on_conflict_do_nothing(index_elements=[table.c.event_id]).returning(
        table.c.event_id
    )


def _first_time(session, model: type, event: Event) -> bool:
    """Record `event` as processed; False when it was already. One round trip: a copy of it
    being handled by another thread makes this wait for that one's commit, then find it."""
    insert = _record_processed(model.__table__, session.get_bind(model).dialect.name)
    row = {"event_id": event.id, "event_type": event.type, "processed_at": utcnow()}
    return session.execute(insert, row).first() is not None


def handle_message(app: Flask, body: bytes, attempt: int) -> Outcome:
    """Run the handlers of one message in one transaction; say what to do with the message."""
    try:
        event = Event.from_json(body)
    except ValueError as exc:
        log.error("unreadable message parked: %s", exc)
        return Outcome("park", attempt, f"unreadable: {exc}")
    return _handle_events(app, [event], attempt)[0]


def _handle_events(app: Flask, events: list[Event], attempt: int = 0) -> list[Outcome]:
    """One transaction for `events`; one outcome each (a failure is one message's: callers pass
    several events only when a failure makes them try each alone)."""
    parts = app.extensions["portal"]
    service = app.config["SERVICE_NAME"]
    started = time.perf_counter()
    with app.app_context():
        try:
            _handle_raced(app, events)
        except Exception as exc:  # noqa: BLE001 - an outage waits; anything else is retried
            parts.db.session.rollback()
            dependency = _outage(app, exc)
            if dependency is not None:
                log.warning("%s unavailable (%s): waiting", dependency, exc)
                return [Outcome("wait", attempt, str(exc), dependency)] * len(events)
            if len(events) > 1:
                return []  # the caller tries them one by one
            event = events[0]
            processed = parts.processed_model
            if isinstance(exc, IntegrityError) and parts.db.session.get(processed, event.id):
                return [Outcome("ack")]  # a concurrent delivery of the same event won
            with event_fields(event.id, event.type, event.correlationid):
                log.exception("handler failed for event %s (%s)", event.id, event.type)
            EVENTS_FAILED.labels(service, event.type).inc()
            return [_failed(app, event, attempt, f"{type(exc).__name__}: {exc}")]
        finally:
            parts.db.session.remove()
    share = (time.perf_counter() - started) / len(events)
    for event in events:
        EVENTS_HANDLED.labels(service, event.type).inc()
        HANDLER_DURATION.labels(service, event.type).observe(share)
        with event_fields(event.id, event.type, event.correlationid):
            log.info("handled event %s (%s)", event.id, event.type)
    return [Outcome("ack")] * len(events)


def _failed(app: Flask, event: Event, attempt: int, error: str) -> Outcome:
    if attempt < len(app.config["RETRY_DELAYS"]):
        return Outcome("retry", attempt + 1, error)
    on_park = app.extensions["portal"].on_park
    if on_park is not None:
        try:
            on_park(event, error)
            app.extensions["portal"].db.session.commit()
        except Exception:
            app.extensions["portal"].db.session.rollback()
            log.exception("on_park hook failed for event %s", event.id)
    return Outcome("park", attempt, error)


def _all_batched(handlers: dict, event_type: str) -> bool:
    return all(getattr(handler, "batched", False) for handler in handlers.get(event_type, ()))


def handle_batch(app: Flask, deliveries: list[Delivery]) -> list[Outcome]:
    """Outcomes of `deliveries`, in order. Consecutive events whose handlers are all `batched`
    share one transaction (if it fails, each is tried alone); the others go one by one. Once a
    dependency is found down, the rest wait too, unhandled."""
    handlers = app.extensions["portal"].handlers
    outcomes: list[Outcome] = []
    run: list[tuple[Event, int]] = []

    def waiting() -> bool:
        return bool(outcomes) and outcomes[-1].action == "wait"

    def flush() -> None:
        together = _handle_events(app, [event for event, _ in run]) if run else []
        if together or not run:
            outcomes.extend(together)
        else:
            for event, attempt in run:
                outcomes.append(
                    outcomes[-1] if waiting() else _handle_events(app, [event], attempt)[0]
                )
        run.clear()

    for delivery in deliveries:
        if waiting():
            break
        try:
            event = Event.from_json(delivery.body)
        except ValueError:
            event = None
        if event is not None and _all_batched(handlers, event.type):
            run.append((event, delivery.attempt))
            continue
        flush()
        if not waiting():
            outcomes.append(handle_message(app, delivery.body, delivery.attempt))
    flush()
    return outcomes + outcomes[-1:] * (len(deliveries) - len(outcomes))  # the rest wait


def _headers(properties: pika.BasicProperties, outcome: Outcome, routing_key: str) -> dict:
    headers = {k: v for k, v in (properties.headers or {}).items() if not k.startswith("x-death")}
    headers.update({"x-attempt": outcome.attempt, "x-last-error": outcome.error[:500]})
    headers.setdefault("x-original-routing-key", routing_key)
    return headers


class Consumer:
    """Consumes `<service>.events` until `stop` is set, reconnecting with back-off.

    On `stop` it takes no new delivery, lets the batch in hand finish (or gives it back when it
    is waiting out an outage), acks what was handled and closes: the broker redelivers the rest.
    """

    def __init__(self, app: Flask, stop: threading.Event) -> None:
        self.app = app
        self.stop = stop
        self.service = app.config["SERVICE_NAME"]
        self.threads = app.config["HANDLER_THREADS"]
        self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix=f"{self.service}-h")
        self.pending: list[Delivery] = []
        # Delivered to this consumer and not settled yet (passive declares do not count them).
        self.unacked = QUEUE_UNACKED.labels(broker.queue_name(self.service))

    def run_forever(self) -> None:
        backoff = 0.5
        while not self.stop.is_set():
            try:
                self._consume()
                backoff = 0.5
            except (AMQPError, OSError) as exc:
                log.warning(
                    "consumer lost the broker (%s); retrying in %.1fs", broker.reason(exc), backoff
                )
            except Exception:
                log.exception("consumer failed; retrying in %.1fs", backoff)
            finally:
                BROKER_CONNECTED.labels(self.service, "consumer").set(0)
                self.pending = []  # they come back from the broker, with the unacked ones
                self.unacked.set(0)
            self.stop.wait(backoff)
            backoff = min(backoff * 2, self.app.config["RECONNECT_MAX_SECONDS"])
        self.executor.shutdown(wait=True)

    def _consume(self) -> None:
        config = self.app.config
        connection = broker.connect(config["AMQP_URL"])
        busy: set[Future] = set()
        self.idle = self.threads  # handler threads free; only this thread changes it
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            keys = sorted(self.app.extensions["portal"].handlers)
            broker.declare_exchange(channel, config["EVENT_EXCHANGE"])
            broker.declare_service_queues(
                channel,
                config["EVENT_EXCHANGE"],
                self.service,
                keys,
                config["RETRY_DELAYS"],
                config["DELIVERY_LIMIT"],
            )
            channel.basic_qos(prefetch_count=config["PREFETCH"])
            tag = channel.basic_consume(broker.queue_name(self.service), self._on_message)
            BROKER_CONNECTED.labels(self.service, "consumer").set(1)
            log.info("consuming %s (%s)", broker.queue_name(self.service), ", ".join(keys))
            while not self.stop.is_set():
                busy = {future for future in busy if not future.done()}
                for batch in self._batches(self.idle):
                    self.idle -= 1
                    busy.add(self.executor.submit(self._work, connection, channel, batch))
                connection.process_data_events(time_limit=1)
            channel.basic_cancel(tag)
            for future in busy:  # the batches in hand finish (or are given back), then their acks
                future.result()
            connection.process_data_events(time_limit=0)
        finally:
            for future in busy:
                future.result()  # no batch outlives its connection, even across a reconnection
            if connection.is_open:
                connection.close()

    def _batches(self, free: int) -> list[list[Delivery]]:
        """What the idle threads take next. One thread takes every delivery waiting (handled in
        order, runs of batched handlers sharing transactions). With several, an idle thread
        takes the next delivery only, or the next run of deliveries whose handlers are all
        batched: no delivery waits in one thread's line while another thread idles."""
        if free <= 0 or not self.pending:
            return []
        if self.threads == 1:
            pending, self.pending = self.pending, []
            return [pending]
        handlers = self.app.extensions["portal"].handlers
        batches = []
        while self.pending and len(batches) < free:
            size = 1
            if _all_batched(handlers, self.pending[0].event_type):
                while size < len(self.pending) and _all_batched(
                    handlers, self.pending[size].event_type
                ):
                    size += 1
            batches.append(self.pending[:size])
            del self.pending[:size]
        return batches

    def _on_message(self, channel, method, properties, body) -> None:
        self.unacked.inc()
        self.pending.append(Delivery(method.delivery_tag, method.routing_key, properties, body))

    def _work(self, connection, channel, batch: list[Delivery]) -> None:
        """Handle `batch` (handler thread); settle what is done, wait out an outage for the rest.
        Its last settling also tells the connection's thread that this one is idle: the
        deliveries waiting are handed over then, not at the broker's next frame."""
        done: list[tuple[Delivery, Outcome]] = []
        try:
            done = self._work_out(connection, channel, batch)
        except Exception:  # the connection's next loss (or a restart) redelivers the batch
            log.exception("the handler thread failed on a batch of %d message(s)", len(batch))
        finally:
            for dependency in ("database", "smtp"):
                DEPENDENCY_WAITING.labels(self.service, dependency).set(0)
            self._settle(connection, channel, done, thread_idle=True)

    def _work_out(self, connection, channel, batch: list[Delivery]) -> list:
        """The outcomes of the batch's last round, not settled yet (the earlier rounds' are)."""
        pause = 0.5
        while True:
            outcomes = handle_batch(self.app, batch)
            done = [(d, o) for d, o in zip(batch, outcomes, strict=True) if o.action != "wait"]
            batch = [d for d, o in zip(batch, outcomes, strict=True) if o.action == "wait"]
            if not batch:
                return done
            self._settle(connection, channel, done)
            dependency = next(o.dependency for o in outcomes if o.action == "wait")
            DEPENDENCY_WAITING.labels(self.service, dependency).set(1)
            if self.stop.wait(pause) or not connection.is_open:
                # Never acked: the broker gives them to the next consumer (or this one again).
                log.info("%d message(s) given back unhandled", len(batch))
                return []
            pause = min(pause * 2, self.app.config["RECONNECT_MAX_SECONDS"])

    def _settle(
        self, connection, channel, done: list[tuple[Delivery, Outcome]], thread_idle=False
    ) -> None:
        if not done and not thread_idle:
            return
        try:
            connection.add_callback_threadsafe(
                functools.partial(self._finish, channel, done, thread_idle)
            )
        except Exception:  # noqa: BLE001 - connection gone: the broker redelivers, dedupe holds
            if done:
                log.warning("connection closed before the ack of %d message(s)", len(done))

    def _finish(self, channel, done: list[tuple[Delivery, Outcome]], thread_idle: bool) -> None:
        self.idle += thread_idle
        for delivery, outcome in done:
            if outcome.action in ("retry", "park"):
                if outcome.action == "retry":
                    delay = self.app.config["RETRY_DELAYS"][outcome.attempt - 1]
                    target = broker.retry_queue(self.service, delay)
                    EVENTS_RETRIED.labels(self.service, delivery.event_type).inc()
                else:
                    target = broker.parked_queue(self.service)
                    EVENTS_PARKED.labels(self.service, delivery.event_type).inc()
                headers = _headers(delivery.properties, outcome, delivery.routing_key)
                broker.republish(channel, target, delivery.body, delivery.properties, headers)
            channel.basic_ack(delivery.tag)
            self.unacked.dec()
