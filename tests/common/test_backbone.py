"""The outbox, relay and consumer against the real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import json
import logging
import threading
import uuid

import pika
import pytest
import requests
import sqlalchemy as sa

from services.common import broker
from services.common.consumer import handle_message
from services.common.outbox import add_event
from services.common.testing import TokenMinter, free_port, throwaway_vhost, wait_until
from services.common.worker import start_worker

from . import backbone_service as svc


@pytest.fixture(scope="module")
def amqp_url():
    """A vhost of its own: the relay declares every service's queues, here with this module's
    retry delays and delivery limit, which the broker refuses on queues the services' tests made."""
    with throwaway_vhost("-backbone") as url:
        yield url + "?heartbeat=2"  # short, so a starved heartbeat would show within the test


@pytest.fixture(scope="module")
def app(new_database, amqp_url):
    app = svc.create_app(
        SQLALCHEMY_DATABASE_URI=new_database("backbone", migrated=False),
        AMQP_URL=amqp_url,
        RETRY_DELAYS=[0.2, 0.4],
        RELAY_IDLE_SECONDS=0.05,
        DELIVERY_LIMIT=3,
    )
    minter = TokenMinter()
    app.extensions["portal"].verifier = minter.verifier()
    app.minter = minter
    return app


@pytest.fixture(scope="module")
def worker(app):
    stop = threading.Event()
    threads = start_worker(app, stop)
    yield
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


def notes(app, event_id: str) -> list[str]:
    with app.app_context():
        return list(
            svc.db.session.scalars(sa.select(svc.Note.text).where(svc.Note.event_id == event_id))
        )


def publish(amqp_url: str, body: bytes, message_id: str = "m") -> None:
    connection = broker.connect(amqp_url)
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(
        "",
        broker.queue_name("backbone"),
        body,
        pika.BasicProperties(message_id=message_id, delivery_mode=2),
        mandatory=True,
    )
    connection.close()


def test_event_row_is_written_only_when_the_change_commits(app):
    rolled_back, committed = svc.note_event("rolled back"), svc.note_event("kept")
    with app.app_context():
        svc.db.session.add(svc.Note(event_id=rolled_back.id, text="x"))
        add_event(rolled_back)
        svc.db.session.rollback()
        add_event(committed)
        svc.db.session.commit()
        ids = set(svc.db.session.scalars(sa.select(svc.OutboxEvent.id)))
    assert committed.id in ids
    assert rolled_back.id not in ids


def test_relay_publishes_cloudevents_with_confirms_and_marks_rows(app, amqp_url, worker):
    connection = broker.connect(amqp_url)
    channel = connection.channel()
    broker.declare_exchange(channel, app.config["EVENT_EXCHANGE"])
    tap = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(tap, app.config["EVENT_EXCHANGE"], routing_key="backbone.#")
    event = svc.note_event("hello")
    with app.app_context():
        add_event(event)
        svc.db.session.commit()

    def received():  # earlier tests' events may come first
        method, properties, body = channel.basic_get(tap, auto_ack=True)
        return (properties, body) if method and properties.message_id == event.id else None

    properties, body = wait_until(received, message="the event on the exchange")
    connection.close()
    envelope = json.loads(body)
    assert envelope["specversion"] == "1.0"
    assert envelope["id"] == event.id == properties.message_id
    assert envelope["type"] == "backbone.note.added" == properties.type
    assert envelope["data"] == {"text": "hello", "work_seconds": 0}
    assert properties.delivery_mode == 2

    def marked() -> bool:  # once the broker's confirm is back, a moment after the delivery
        with app.app_context():
            published = svc.db.session.get(svc.OutboxEvent, event.id).published_at is not None
            svc.db.session.rollback()
            return published

    wait_until(marked, message="the row marked published")


def test_handled_event_has_its_effect_once_even_when_delivered_twice(app):
    event = svc.note_event("once")
    assert handle_message(app, event.to_json().encode(), 0).action == "ack"
    assert handle_message(app, event.to_json().encode(), 0).action == "ack"
    assert notes(app, event.id) == ["once"]


def test_a_row_inserted_meanwhile_by_another_transaction_is_updated_not_an_error(app, caplog):
    key = str(uuid.uuid4())
    svc.INSERTED_MEANWHILE[key] = "from a read-through"
    event = svc.label_event(key, "from the event")
    assert handle_message(app, event.to_json().encode(), 0).action == "ack"
    with app.app_context():
        assert svc.db.session.get(svc.Label, key).text == "from the event"
    assert svc.CALLS[event.id] == 2  # the insert failed on the key; the second run updated it
    assert "handler failed" not in caplog.text


def test_published_event_reaches_the_consumer_through_the_broker(app, worker):
    event = svc.note_event("through the broker")
    with app.app_context():
        add_event(event)
        svc.db.session.commit()
    wait_until(lambda: notes(app, event.id), message="the consumer's effect")
    assert notes(app, event.id) == ["through the broker"]


def test_failing_handler_is_retried_with_back_off_until_it_succeeds(app, worker):
    event = svc.note_event("after two failures")
    svc.FAILURES[event.id] = 2
    with app.app_context():
        add_event(event)
        svc.db.session.commit()
    wait_until(lambda: notes(app, event.id), message="the effect after retries")
    assert svc.FAILURES[event.id] == 0
    assert notes(app, event.id) == ["after two failures"]


def test_event_failing_every_attempt_is_parked_then_replayed(app, worker):
    event = svc.note_event("parked")
    svc.FAILURES[event.id] = 3  # first try + two retries
    with app.app_context():
        add_event(event)
        svc.db.session.commit()
    wait_until(lambda: event.id in svc.PARKED, message="the on_park hook")
    client = app.test_client()
    admin = app.minter.headers(kind="staff", role="admin")

    def listed():
        items = client.get("/admin/parked", headers=admin).get_json()["items"]
        return [i for i in items if i["event"]["id"] == event.id]

    (item,) = wait_until(listed, message="the parked event in the admin list")
    assert item["attempts"] == 2
    assert "simulated handler failure" in item["last_error"]
    assert notes(app, event.id) == []

    response = client.post(f"/admin/parked/replay?message_id={event.id}", headers=admin)
    assert response.status_code == 200
    assert response.get_json() == {"replayed": 1}
    wait_until(lambda: notes(app, event.id), message="the replayed event's effect")
    assert listed() == []


def test_unreadable_message_is_parked_without_retries(app, amqp_url, worker):
    publish(amqp_url, b"not json at all", message_id="garbage-1")
    client = app.test_client()
    admin = app.minter.headers(kind="staff", role="admin")

    def listed():
        items = client.get("/admin/parked", headers=admin).get_json()["items"]
        return [i for i in items if i["message_id"] == "garbage-1"]

    (item,) = wait_until(listed, message="the unreadable message parked")
    assert item["last_error"].startswith("unreadable")


def test_admin_endpoints_need_an_admin(app):
    client = app.test_client()
    assert client.get("/admin/outbox").status_code == 401
    agent = app.minter.headers(kind="staff", role="agent")
    assert client.get("/admin/outbox", headers=agent).status_code == 403
    portal = app.minter.headers(kind="portal")
    assert client.get("/admin/outbox", headers=portal).status_code == 403
    admin = app.minter.headers(kind="staff", role="admin")
    body = client.get("/admin/outbox", headers=admin).get_json()
    assert set(body) == {"pending", "oldest_pending_age_seconds"}


def test_a_handler_longer_than_the_heartbeat_keeps_the_connection(app, worker, monkeypatch):
    # The broker drops a connection that misses its heartbeats (about 4 s here): the message
    # would then be delivered a second time (deduplicated, but delivered).
    deliveries: list[str] = []

    def counting(app_, body, attempt):
        deliveries.append(json.loads(body)["id"])
        return handle_message(app_, body, attempt)

    monkeypatch.setattr("services.common.consumer.handle_message", counting)
    event = svc.note_event("slow", work_seconds=6)
    follow_up = svc.note_event("after the slow one")
    with app.app_context():
        add_event(event)
        add_event(follow_up)
        svc.db.session.commit()
    wait_until(lambda: notes(app, follow_up.id), timeout=30, message="both events handled")
    assert deliveries.count(event.id) == 1


def tallies(app) -> list[tuple[str, int]]:
    with app.app_context():
        return list(
            svc.db.session.execute(sa.select(svc.BatchTally.event_id, svc.BatchTally.txid)).all()
        )


def test_batched_handlers_apply_many_events_in_one_transaction(app, amqp_url, worker):
    events = [svc.tally_event() for _ in range(60)]
    poison = events[30]
    svc.FAILURES[poison.id] = 1  # fails once inside its batch: the others still apply
    connection = broker.connect(amqp_url)
    channel = connection.channel()
    channel.confirm_delivery()
    for event in [*events, events[5]]:  # one delivered twice
        channel.basic_publish(
            "",
            broker.queue_name("backbone"),
            event.to_json().encode(),
            pika.BasicProperties(message_id=event.id, delivery_mode=2),
        )
    connection.close()
    ids = {event.id for event in events}
    rows = wait_until(
        lambda: (
            len([r for r in tallies(app) if r[0] in ids]) == len(ids)
            and [r for r in tallies(app) if r[0] in ids]
        ),
        timeout=30,
        message="every tally",
    )
    assert sorted(event_id for event_id, _ in rows) == sorted(ids)  # once each
    assert len({txid for _, txid in rows}) < len(ids) / 2  # many per transaction
    assert svc.FAILURES[poison.id] == 0


def _scrape(url: str) -> dict:
    from prometheus_client.parser import text_string_to_metric_families

    text = requests.get(url, timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_worker_metrics_show_handled_events_and_queue_depths(app, worker):
    from services.common.worker import serve_admin

    server = serve_admin(app, [threading.current_thread()], free_port())
    base = f"http://127.0.0.1:{server.server_port}"
    key = (
        "portal_events_handled_total",
        (("event_type", "backbone.note.added"), ("service", "backbone")),
    )
    try:
        before = _scrape(base + "/metrics").get(key, 0)
        event = svc.note_event("counted")
        with app.app_context():
            add_event(event)
            svc.db.session.commit()
        wait_until(lambda: notes(app, event.id), message="the event handled")
        metrics = _scrape(base + "/metrics")
        assert metrics[key] >= before + 1
        for queue in ("backbone.events", "backbone.parked", "portal.unrouted"):
            assert ("portal_queue_messages_ready", (("queue", queue),)) in metrics
        connected = (("role", "consumer"), ("service", "backbone"))
        assert metrics[("portal_broker_connected", connected)] == 1
        assert requests.get(base + "/healthz", timeout=10).json()["status"] == "ok"
    finally:
        server.shutdown()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_worker_health_fails_when_its_consumer_thread_died(app, monkeypatch):
    from services.common.consumer import Consumer
    from services.common.worker import serve_admin

    def die(self):
        raise SystemExit("the consumer thread ends")  # not an Exception: nothing catches it

    monkeypatch.setattr(Consumer, "_consume", die)
    stop = threading.Event()
    threads = start_worker(app, stop)
    server = serve_admin(app, threads, free_port())
    health = f"http://127.0.0.1:{server.server_port}/healthz"
    try:
        detail = wait_until(
            lambda: (r := requests.get(health, timeout=10)).status_code == 503 and r.json(),
            message="the worker reporting its dead consumer",
        )
        assert detail["threads"] == {"backbone-relay": True, "backbone-consumer": False}
    finally:
        stop.set()
        server.shutdown()
        for thread in threads:
            thread.join(timeout=30)


def test_an_unreachable_broker_is_one_warning_with_its_reason_not_errors(new_database, caplog):
    app = svc.create_app(
        SQLALCHEMY_DATABASE_URI=new_database("backbone", migrated=False),
        AMQP_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/",  # nothing listens there
    )
    stop = threading.Event()
    threads = start_worker(app, stop)
    try:
        wait_until(
            lambda: (
                "consumer lost the broker (AMQPConnectionError" in caplog.text
                and "outbox relay lost the broker (AMQPConnectionError" in caplog.text
            ),
            message="both loops to report the broker they cannot reach",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert "ConnectionRefusedError" in caplog.text  # the reason, for the operator
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
