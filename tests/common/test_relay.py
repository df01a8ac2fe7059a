"""The outbox relay against the real RabbitMQ and PostgreSQL: order with two relays, the broker
stopped mid-batch, a clean stop, queue arguments that change between restarts, metrics, purge."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from services.common import broker, purge
from services.common.models import utcnow
from services.common.outbox import RELAY_SETTINGS, add_event, relay_forever, relay_statements
from services.common.testing import rabbitmqctl, throwaway_vhost, wait_until
from services.common.worker import start_worker

from . import backbone_service as svc

TAP = "relay-test.tap"


@pytest.fixture
def amqp_url():
    with throwaway_vhost("-relay") as url:
        yield url


@pytest.fixture
def app(new_database, amqp_url):
    return svc.create_app(
        SQLALCHEMY_DATABASE_URI=new_database("relay", migrated=False),
        AMQP_URL=amqp_url,
        RETRY_DELAYS=[0.2],
        DELIVERY_LIMIT=3,
        RELAY_WINDOW=200,  # several windows per test batch
    )


@pytest.fixture
def tap(app, amqp_url):
    """A durable queue bound to every backbone event; yields a function reading what arrived
    (event ids and data, in arrival order)."""
    connection = broker.connect(amqp_url)
    channel = connection.channel()
    broker.declare_exchange(channel, app.config["EVENT_EXCHANGE"])
    channel.queue_declare(TAP, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(TAP, app.config["EVENT_EXCHANGE"], routing_key="backbone.#")
    connection.close()
    seen: list[dict] = []

    def read() -> list[dict]:
        connection = broker.connect(amqp_url)
        try:
            channel = connection.channel()
            while True:
                method, _, body = channel.basic_get(TAP, auto_ack=True)
                if method is None:
                    return seen
                seen.append(json.loads(body))
        finally:
            connection.close()

    return read


class Relay:
    """relay_forever in a thread with its own stop event: a relay process of the service."""

    def __init__(self, app) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=relay_forever, args=(app, {}, self.stop))
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def commit_notes(app, count: int) -> list[str]:
    events = [svc.note_event(f"n{i}") for i in range(count)]
    with app.app_context():
        for event in events:
            add_event(event)
        svc.db.session.commit()
    return [e.id for e in events]


def published_ids(app) -> set[str]:
    with app.app_context():
        model = svc.OutboxEvent
        return set(
            svc.db.session.scalars(sa.select(model.id).where(model.published_at.is_not(None)))
        )


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": "backbone", **labels}) or 0.0


def change_tally(app) -> None:
    """One transaction that writes its event first, then bumps the tally (whose row lock orders
    concurrent ones) and puts the new value in the event."""
    with app.app_context():
        session = svc.db.session
        event = svc.note_event("?")
        add_event(event)
        session.flush()  # the outbox row exists before the entity is locked
        value = session.execute(
            sa.update(svc.Tally)
            .where(svc.Tally.id == 1)
            .values(value=svc.Tally.value + 1)
            .returning(svc.Tally.value)
        ).scalar_one()
        event.data["text"] = str(value)
        session.get(svc.OutboxEvent, event.id).payload = event.to_json()
        session.commit()


def kill_lock_holder(app) -> None:
    """What PostgreSQL sees when a relay process dies: its session ends, its lock goes."""
    with app.app_context():
        session = svc.db.session
        killed = session.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = "
                "'advisory' AND granted AND database = (SELECT oid FROM pg_database "
                "WHERE datname = current_database())"
            )
        )
        session.rollback()
    assert killed == 1


def test_changes_to_one_entity_leave_in_commit_order_with_two_relays(app, tap):
    with app.app_context():
        svc.db.session.add(svc.Tally(id=1, value=0))
        svc.db.session.commit()
    first = Relay(app)
    wait_until(lambda: metric("portal_relay_active") == 1, message="an active relay")
    second = Relay(app)  # waits for the lock
    try:
        with ThreadPoolExecutor(max_workers=4) as writers:  # concurrent transactions
            changes = [writers.submit(change_tally, app) for _ in range(1000)]
            changes[300].result()
            first.close()  # the second takes over while changes keep committing
            changes[600].result()
            wait_until(lambda: metric("portal_relay_active") == 1, message="a take-over")
            kill_lock_holder(app)  # the active relay's lock session dies: it stops, retakes
            for change in changes:
                change.result()
        wait_until(lambda: len(tap()) >= 1000, timeout=60, message="1,000 events at the tap")
    finally:
        first.close()
        second.close()
    values, seen = [], set()
    for envelope in tap():
        if envelope["id"] not in seen:  # a redelivery would be deduplicated by the consumer
            seen.add(envelope["id"])
            values.append(int(envelope["data"]["text"]))
    assert values == list(range(1, 1001))


def test_broker_stopped_mid_batch_loses_and_doubles_no_effect(app, tap):
    ids = commit_notes(app, 2500)
    app.config["RELAY_WINDOW"] = 5  # slower, so that the broker stops while rows remain
    stop = threading.Event()
    threads = start_worker(app, stop)  # relay and the consumer that records notes (deduped)
    try:
        wait_until(lambda: len(published_ids(app)) >= 200, message="the relay under way")
        rabbitmqctl("stop_app")
        assert len(published_ids(app)) < len(ids)  # stopped mid-batch
        rabbitmqctl("start_app")
        wait_until(lambda: published_ids(app) >= set(ids), timeout=120, message="all published")
        with app.app_context():
            query = sa.select(svc.Note.event_id, sa.func.count()).group_by(svc.Note.event_id)

            def handled():
                return dict(svc.db.session.execute(query).all())

            counts = wait_until(
                lambda: (c := handled()).keys() >= set(ids) and c, timeout=120, message="notes"
            )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert {i: counts[i] for i in ids} == dict.fromkeys(ids, 1)
    arrived = {e["id"] for e in tap()}
    assert arrived >= set(ids)  # at-least-once at the broker


def test_stop_waits_for_confirms_in_flight_and_marks_them(app, tap):
    ids = commit_notes(app, 5000)
    relay = Relay(app)
    wait_until(lambda: published_ids(app), message="the relay under way")
    relay.close()
    marked = published_ids(app)
    arrived = {e["id"] for e in tap()}
    assert marked and marked <= arrived  # nothing marked that the broker does not have
    assert arrived <= marked  # and nothing confirmed left unmarked (it would go out twice)
    assert len(marked) < len(ids) or marked == set(ids)


def test_relay_keeps_publishing_after_a_restart_with_another_delivery_limit(
    app, new_database, amqp_url
):
    def handled_once_started(delivery_limit: int) -> None:
        current = svc.create_app(
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            AMQP_URL=amqp_url,
            RETRY_DELAYS=[0.2],
            DELIVERY_LIMIT=delivery_limit,
        )
        stop = threading.Event()
        threads = start_worker(current, stop)
        try:
            event = svc.note_event(f"limit {delivery_limit}")
            with current.app_context():
                add_event(event)
                svc.db.session.commit()
            wait_until(lambda: published_ids(current) >= {event.id}, message="the event published")
            with current.app_context():
                wait_until(
                    lambda: svc.db.session.scalar(
                        sa.select(svc.Note.id).where(svc.Note.event_id == event.id)
                    ),
                    message="the event handled",
                )
                svc.db.session.rollback()
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)

    handled_once_started(3)
    handled_once_started(7)  # the queue exists with x-delivery-limit 3: no 406 loop


def test_relay_metrics_follow_the_backlog(app):
    before = metric("portal_outbox_published_total", event_type="backbone.note.added")
    ids = commit_notes(app, 50)
    relay = Relay(app)
    try:
        wait_until(lambda: published_ids(app) >= set(ids), message="published")
        assert metric("portal_relay_active") == 1
        wait_until(lambda: metric("portal_outbox_pending") == 0, timeout=20, message="backlog 0")
    finally:
        relay.close()
    assert metric("portal_relay_active") == 0
    after = metric("portal_outbox_published_total", event_type="backbone.note.added")
    assert after - before == 50
    assert metric("portal_outbox_oldest_pending_age_seconds") == 0


def test_the_relays_session_settings_stay_on_its_own_connection(app):
    """The relay marks rows without waiting for the WAL flush, and plans without bitmap scans;
    the connections the service's requests and consumers get afterwards still have neither."""
    ids = commit_notes(app, 20)
    relay = Relay(app)
    try:
        wait_until(lambda: published_ids(app) >= set(ids), message="published")
    finally:
        relay.close()
    with app.app_context():
        engine = svc.db.engine
        connections = [engine.connect() for _ in range(engine.pool.checkedin() + 1)]
        try:
            settings = {
                (
                    c.exec_driver_sql("SHOW synchronous_commit").scalar(),
                    c.exec_driver_sql("SHOW enable_bitmapscan").scalar(),
                )
                for c in connections
            }
        finally:
            for connection in connections:
                connection.close()
    assert settings == {("on", "on")}


def test_after_a_burst_the_relay_reads_its_next_rows_without_sorting_the_backlog(app):
    """5,000 rows committed at once, before PostgreSQL's statistics know of them: the relay's
    read of its next 200 walks the pending index in order and stops there. Fetching and
    sorting every pending row at each read would make draining a backlog quadratic."""
    commit_notes(app, 5000)
    with app.app_context():
        engine = svc.db.engine
        read = relay_statements(svc.OutboxEvent, "postgresql").read_after
        sql = read.compile(engine)
        parameters = sql.construct_params({"room": 200, "cursor": 0})
        with engine.connect() as connection:
            connection.exec_driver_sql(RELAY_SETTINGS)
            explain = connection.exec_driver_sql(f"EXPLAIN ANALYZE {sql}", parameters)
            plan = "\n".join(explain.scalars())
            connection.invalidate()
    assert "Index Scan using ix_outbox_pending_seq" in plan, plan
    assert "Sort" not in plan, plan


def test_purge_deletes_only_rows_past_their_retention(app):
    old_event, new_event, pending = (svc.note_event(t) for t in ("old", "new", "pending"))
    now = utcnow()
    with app.app_context():
        for event in (old_event, new_event, pending):
            add_event(event)
        session = svc.db.session
        session.flush()
        session.get(svc.OutboxEvent, old_event.id).published_at = now - timedelta(hours=25)
        session.get(svc.OutboxEvent, new_event.id).published_at = now - timedelta(hours=23)
        session.add_all(
            [
                svc.ProcessedEvent(
                    event_id=old_event.id, event_type="t", processed_at=now - timedelta(days=31)
                ),
                svc.ProcessedEvent(
                    event_id=new_event.id, event_type="t", processed_at=now - timedelta(days=29)
                ),
            ]
        )
        session.commit()
        assert purge.purge_all(app) == {"outbox": 1, "processed_events": 1}
        assert set(session.scalars(sa.select(svc.OutboxEvent.id))) == {new_event.id, pending.id}
        assert list(session.scalars(sa.select(svc.ProcessedEvent.event_id))) == [new_event.id]
