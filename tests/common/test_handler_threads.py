"""A consumer with several handler threads, against the real RabbitMQ and PostgreSQL: no event
waits behind a long one while another thread is idle."""

from __future__ import annotations

import threading

import pika
import pytest
import sqlalchemy as sa

from services.common import broker
from services.common.consumer import Consumer
from services.common.testing import throwaway_vhost, wait_until

from . import backbone_service as svc


@pytest.fixture
def app(new_database):
    with throwaway_vhost("-threads") as url:
        yield svc.create_app(
            SQLALCHEMY_DATABASE_URI=new_database("threads", migrated=False),
            AMQP_URL=url,
            HANDLER_THREADS=2,
        )


def queue_up(app, events: list) -> None:
    """The events waiting in the service's queue before its consumer starts."""
    config = app.config
    connection = broker.connect(config["AMQP_URL"])
    channel = connection.channel()
    channel.confirm_delivery()
    broker.declare_exchange(channel, config["EVENT_EXCHANGE"])
    broker.declare_service_queues(
        channel,
        config["EVENT_EXCHANGE"],
        "backbone",
        sorted(svc.HANDLERS),
        config["RETRY_DELAYS"],
        config["DELIVERY_LIMIT"],
    )
    for event in events:
        channel.basic_publish(
            "",
            broker.queue_name("backbone"),
            event.to_json().encode(),
            pika.BasicProperties(message_id=event.id, type=event.type, delivery_mode=2),
            mandatory=True,
        )
    connection.close()


def handled(app, events: list) -> set[str]:
    ids = [event.id for event in events]
    with app.app_context():
        query = sa.select(svc.Note.event_id).where(svc.Note.event_id.in_(ids))
        return set(svc.db.session.scalars(query))


def test_events_behind_a_long_one_are_handled_by_the_idle_thread_meanwhile(app):
    slow = svc.note_event("slow", work_seconds=4)
    quick = [svc.note_event(f"quick {i}") for i in range(12)]
    queue_up(app, [slow, *quick])
    stop = threading.Event()
    consumer = threading.Thread(target=Consumer(app, stop).run_forever)
    consumer.start()
    try:
        wait_until(
            lambda: handled(app, quick) == {e.id for e in quick},
            timeout=30,
            message="the quick events handled",
        )
        assert not handled(app, [slow])  # all of them went while the long one was still going
        wait_until(lambda: handled(app, [slow]), timeout=30, message="the long one handled")
    finally:
        stop.set()
        consumer.join(timeout=30)
    assert not consumer.is_alive()
