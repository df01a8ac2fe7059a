"""RabbitMQ connection settings and the topology every service relies on.

Each consuming service owns three kinds of durable quorum queues:
- `<svc>.events`: bound to the event types it handles. `x-delivery-limit` dead-letters a message
  that keeps killing its consumer (at-least-once dead-lettering, which RabbitMQ 3.10 does not
  default) into the parking queue.
- `<svc>.retry.<delay>ms`: one per back-off delay; a message waits out the TTL, then dead-letters
  back into `<svc>.events`. Named by their delay, so changing RETRY_DELAYS makes new queues
  instead of clashing with the arguments of existing ones.
- `<svc>.parked`: what failed every attempt or could not be read; the admin API lists and replays.
Events nobody subscribes to go to `portal.unrouted` through the exchange's alternate exchange, so
`mandatory=True` only ever fails when the topology itself is broken.

Queue arguments are fixed when a queue is created: declaring it again with others is refused
(406 PRECONDITION_FAILED, the channel closes), so a relay or consumer started with another
DELIVERY_LIMIT would loop on that error and publish nothing. Hence a queue is declared with its
arguments only when it does not exist yet; an existing queue keeps those it was created with,
whatever this process's settings say. Changing them on a running system is an operator's
migration (README: "Changing queue arguments"), never a side effect of a restart.
"""

from __future__ import annotations

import logging

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

log = logging.getLogger(__name__)

UNROUTED = "portal.unrouted"


def connection_parameters(url: str, *, timeout: float = 5.0) -> pika.URLParameters:
    params = pika.URLParameters(url)
    # Heartbeats stay alive while a handler runs because the connection thread never blocks on
    # it. 30 s unless the URL says otherwise (`?heartbeat=N`).
    if "heartbeat=" not in url:
        params.heartbeat = 30
    # A broker under a memory or disk alarm blocks publishers; give up instead of hanging forever.
    params.blocked_connection_timeout = 60
    params.socket_timeout = timeout
    params.stack_timeout = timeout * 2
    params.connection_attempts = 1
    return params


def connect(url: str, *, timeout: float = 5.0) -> pika.BlockingConnection:
    return pika.BlockingConnection(connection_parameters(url, timeout=timeout))


def queue_name(service: str) -> str:
    return f"{service}.events"


def parked_queue(service: str) -> str:
    return f"{service}.parked"


def retry_queue(service: str, delay: float) -> str:
    return f"{service}.retry.{round(delay * 1000)}ms"


def _quorum(**extra: object) -> dict:
    return {"x-queue-type": "quorum", **extra}


def _dead_letter_to(queue: str) -> dict:
    return {
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def declare_queue(channel: BlockingChannel, queue: str, arguments: dict) -> None:
    """Declare `queue` with `arguments` unless it exists (then it keeps its own: see above)."""
    probe = channel.connection.channel()  # a failed passive declare closes its channel
    try:
        probe.queue_declare(queue, passive=True)
    except ChannelClosedByBroker as exc:
        if exc.reply_code != 404:
            raise
        channel.queue_declare(queue, durable=True, arguments=arguments)
        log.info("declared queue %s with %s", queue, arguments)
    else:
        probe.close()


def declare_exchange(channel: BlockingChannel, exchange: str) -> None:
    channel.exchange_declare(UNROUTED, "fanout", durable=True)
    declare_queue(channel, UNROUTED, {"x-max-length": 100_000, "x-overflow": "drop-head"})
    channel.queue_bind(UNROUTED, UNROUTED)
    channel.exchange_declare(
        exchange, "topic", durable=True, arguments={"alternate-exchange": UNROUTED}
    )


def declare_service_queues(
    channel: BlockingChannel,
    exchange: str,
    service: str,
    routing_keys: list[str],
    retry_delays: list[float],
    delivery_limit: int,
) -> None:
    main = queue_name(service)
    declare_queue(channel, parked_queue(service), _quorum())
    declare_queue(
        channel,
        main,
        _quorum(**{"x-delivery-limit": delivery_limit}, **_dead_letter_to(parked_queue(service))),
    )
    for delay in sorted(set(retry_delays)):
        declare_queue(
            channel,
            retry_queue(service, delay),
            _quorum(**{"x-message-ttl": int(delay * 1000)}, **_dead_letter_to(main)),
        )
    for key in routing_keys:
        channel.queue_bind(main, exchange, routing_key=key)


def declare_topology(
    channel: BlockingChannel,
    exchange: str,
    subscriptions: dict[str, list[str]],
    retry_delays: list[float],
    delivery_limit: int,
) -> None:
    """Declare the exchange and every subscriber's queues, so no event is published before its
    queue exists, whichever process starts first."""
    declare_exchange(channel, exchange)
    for service, keys in subscriptions.items():
        if keys:
            declare_service_queues(channel, exchange, service, keys, retry_delays, delivery_limit)


def reason(exc: BaseException) -> str:
    """What went wrong with the broker, for a log line: pika's connection errors say nothing
    in `str()` ("AMQPConnectionError: (...ConnectionRefusedError(111, ...),)" in `repr()`)."""
    return str(exc) or repr(exc)


def ping(url: str, timeout: float = 2.0) -> None:
    """Open and close a connection; raises when the broker cannot be reached."""
    connect(url, timeout=timeout).close()


def republish(
    channel: BlockingChannel,
    queue: str,
    body: bytes,
    properties: pika.BasicProperties,
    headers: dict,
) -> None:
    """Send a consumed message on to `queue` (retry, parking, replay), persistent and confirmed,
    keeping its id and type."""
    channel.basic_publish(
        "",
        queue,
        body,
        pika.BasicProperties(
            message_id=properties.message_id,
            type=properties.type,
            content_type=properties.content_type,
            delivery_mode=pika.DeliveryMode.Persistent,
            headers=headers,
        ),
        mandatory=True,
    )
