"""A consumer of the client portal suite's events, as another system (an ERP, a CRM) writes one.

It needs only `pika` and the standard library:

    python examples/portal_consumer.py --url amqp://erp:secret@rabbitmq:5672/%2F \
        --queue erp.portal-events --bind 'identity.company.*' --bind 'sharing.matter.*'
    python examples/portal_consumer.py --url ... --queue erp.portal-events --replay

What it shows (the consumer guide explains why):
- its own durable quorum queue bound to the topic exchange `portal.events`, with a delivery
  limit and dead-lettering into its own parking queue `<queue>.parked`;
- idempotency by the CloudEvents `id`: the id is recorded in the same transaction as the
  effect, so a redelivered event changes nothing;
- ordering per subject: a record's event is applied only if its `version` is newer;
- replay: the parked events moved back to the queue once the cause is fixed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
from collections.abc import Callable

import pika

EXCHANGE = "portal.events"
log = logging.getLogger("portal_consumer")


def declare(channel, queue: str, bindings: list[str], delivery_limit: int = 10) -> None:
    """The queue, its parking queue and its bindings (idempotent: safe at every start)."""
    # The suite declares the exchange; passive: fail loudly if it is not there.
    channel.exchange_declare(EXCHANGE, passive=True)
    channel.queue_declare(f"{queue}.parked", durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_declare(
        queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            # A message redelivered this many times (its handler keeps failing) is parked.
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": f"{queue}.parked",
            # Parked only once the parking queue has it (quorum queues only).
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )
    for key in bindings:
        channel.queue_bind(queue, EXCHANGE, routing_key=key)


class Store:
    """The consumer's own database (SQLite here): the companies it keeps, and the ids of the
    events it has applied."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS processed (event_id TEXT PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS companies (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL
            );
            """
        )

    def apply(self, envelope: dict, handle: Callable[[sqlite3.Connection, dict], None]) -> bool:
        """Run `handle` once per event id, in one transaction with the record of the id."""
        with self.db:  # commits both, or neither
            try:
                self.db.execute("INSERT INTO processed VALUES (?)", (envelope["id"],))
            except sqlite3.IntegrityError:
                return False  # a redelivery: applied already
            handle(self.db, envelope)
        return True


def on_company(db: sqlite3.Connection, envelope: dict) -> None:
    """`identity.company.*` carries the whole company and its `version`: keep the newest."""
    company = envelope["data"]
    db.execute(
        """INSERT INTO companies (id, name, version) VALUES (:id, :name, :version)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version
           WHERE excluded.version > companies.version""",
        company,
    )


HANDLERS: dict[str, Callable[[sqlite3.Connection, dict], None]] = {
    "identity.company.created": on_company,
    "identity.company.updated": on_company,
}


def on_message(store: Store, channel, method, properties, body: bytes) -> None:
    try:
        envelope = json.loads(body)
        handler = HANDLERS.get(envelope["type"])
        if handler is not None:
            store.apply(envelope, handler)
    except Exception:
        log.exception(
            "event %s failed; redelivered until the delivery limit", properties.message_id
        )
        channel.basic_nack(method.delivery_tag, requeue=True)
        return
    channel.basic_ack(method.delivery_tag)


def consume(channel, queue: str, store: Store, prefetch: int = 10) -> None:
    """Start consuming (run `channel.start_consuming()` or process_data_events after it)."""
    channel.basic_qos(prefetch_count=prefetch)
    channel.basic_consume(
        queue, lambda ch, method, props, body: on_message(store, ch, method, props, body)
    )


def replay(channel, queue: str) -> int:
    """Move every parked message back to `queue` (fix the cause first); how many moved."""
    channel.confirm_delivery()
    moved = 0
    while True:
        method, properties, body = channel.basic_get(f"{queue}.parked")
        if method is None:
            return moved
        # Published to the queue directly (default exchange): no other consumer gets it again.
        channel.basic_publish("", queue, body, properties, mandatory=True)
        channel.basic_ack(method.delivery_tag)
        moved += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="AMQP URL of the suite's RabbitMQ")
    parser.add_argument("--queue", required=True, help="your queue, e.g. erp.portal-events")
    parser.add_argument("--bind", action="append", default=[], help="routing key or pattern")
    parser.add_argument("--db", default="portal_consumer.sqlite3")
    parser.add_argument("--replay", action="store_true", help="move parked events back, exit")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    channel = connection.channel()
    declare(channel, args.queue, args.bind or list(HANDLERS))
    if args.replay:
        print(f"{replay(channel, args.queue)} parked event(s) replayed")
        return
    consume(channel, args.queue, Store(args.db))
    channel.start_consuming()


if __name__ == "__main__":
    main()
