"""examples/portal_consumer.py against the real broker: identity publishes a real event through
its outbox relay, the example's own quorum queue receives it once, and an event its handler
cannot take is parked after the delivery limit, then replayed."""

from __future__ import annotations

import importlib.util
import sqlite3
import threading
from pathlib import Path

import pika
import pytest

from services.common import broker
from services.common.outbox import relay_forever
from services.common.testing import throwaway_vhost, wait_until
from services.identity import create_app
from services.identity.companies import create_company, update_company

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portal_consumer.py"
QUEUE = "erp.portal-events"


def _load_example():
    spec = importlib.util.spec_from_file_location("portal_consumer", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def world(new_database, tmp_path):
    """Identity with its outbox relay on a vhost of its own, and the example's channel."""
    with throwaway_vhost("-example") as url:
        identity = create_app(
            SQLALCHEMY_DATABASE_URI=new_database("identity"), AMQP_URL=url, TESTING=True
        )
        stop = threading.Event()
        relay = threading.Thread(target=relay_forever, args=(identity, {}, stop), daemon=True)
        relay.start()
        connection = pika.BlockingConnection(pika.URLParameters(url))
        try:
            channel = connection.channel()
            # What the suite's relay declares on start (done here first, so the test need
            # not wait for it).
            broker.declare_exchange(channel, "portal.events")
            yield identity, connection, channel
        finally:
            stop.set()
            relay.join(timeout=30)
            connection.close()


def _companies(path: Path) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(path) as db:
        return {row[0]: (row[1], row[2]) for row in db.execute("SELECT * FROM companies")}


def _pump(connection, until, message: str):
    def step():
        connection.process_data_events(time_limit=0.1)
        return until()

    return wait_until(step, timeout=30, interval=0, message=message)


def _parked(channel) -> int:
    return channel.queue_declare(f"{QUEUE}.parked", passive=True).method.message_count


def test_the_example_consumer_receives_a_real_event_once_and_replays_a_parked_one(
    world, tmp_path, monkeypatch
):
    identity, connection, channel = world
    example = _load_example()
    example.declare(channel, QUEUE, ["identity.company.*"], delivery_limit=2)
    database = tmp_path / "erp.sqlite3"
    store = example.Store(str(database))
    example.consume(channel, QUEUE, store)

    with identity.test_request_context():
        company_id = create_company({"name": "Acme", "number": "C-1"}).id
    _pump(connection, lambda: _companies(database), "the company in the example's database")
    assert _companies(database) == {company_id: ("Acme", 1)}

    # A redelivery (same event id) changes nothing.
    (event_id,) = [row[0] for row in store.db.execute("SELECT event_id FROM processed")]
    redelivered = []
    original = example.Store.apply

    def spy(self, envelope, handle):
        applied = original(self, envelope, handle)
        redelivered.append((envelope["id"], applied))
        return applied

    monkeypatch.setattr(example.Store, "apply", spy)
    with identity.app_context():
        from services.identity.models import OutboxEvent, db

        row = db.session.get(OutboxEvent, event_id)
        channel.basic_publish("portal.events", row.event_type, row.payload.encode())
    _pump(connection, lambda: redelivered, "the redelivered event")
    assert redelivered == [(event_id, False)]

    # A handler that keeps failing: the event is parked after the delivery limit...
    def broken(db, envelope):
        raise RuntimeError("the ERP is down")

    monkeypatch.setitem(example.HANDLERS, "identity.company.updated", broken)
    with identity.test_request_context():
        update_company(company_id, {"name": "Acme Industries"})
    _pump(connection, lambda: _parked(channel), "the event parked")
    assert _companies(database) == {company_id: ("Acme", 1)}

    # ...and, the cause fixed, replayed from the parking queue.
    monkeypatch.setitem(example.HANDLERS, "identity.company.updated", example.on_company)
    replay_channel = connection.channel()
    assert example.replay(replay_channel, QUEUE) == 1
    _pump(connection, lambda: _companies(database)[company_id][1] == 2, "the replayed event")
    assert _companies(database) == {company_id: ("Acme Industries", 2)}
    assert _parked(channel) == 0
