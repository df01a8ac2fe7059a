"""An integrator's view of the running suite: a queue bound to every routing key of
`portal.events`, read in a thread, and the checks every end-to-end story's events must pass."""

from __future__ import annotations

import json
import re
import threading
from functools import cache

import jsonschema_rs
import pika

from services import contract
from services.common import broker

from ..contract.sensitive import leaks

TOKEN_IN_MAIL = re.compile(r"token=([A-Za-z0-9_\-]{8,})")


class EventTap:
    def __init__(self, amqp_url: str) -> None:
        self.events: list[dict] = []
        self.checked = 0
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(amqp_url,), daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the event tap could not bind to portal.events")

    def _run(self, amqp_url: str) -> None:
        while not self._stop.is_set():
            try:
                self._listen(amqp_url)
            except pika.exceptions.AMQPError:
                # The broker restarted (the fault tests restart it): bind again, as an
                # integrator's consumer would; what was published meanwhile is not seen.
                self._stop.wait(0.5)

    def _listen(self, amqp_url: str) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        channel = connection.channel()
        # The relays declare it when they connect, maybe after this: the same declaration.
        broker.declare_exchange(channel, contract.EXCHANGE)
        queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
        channel.queue_bind(queue, contract.EXCHANGE, routing_key="#")
        channel.basic_consume(
            queue, lambda ch, m, p, body: self.events.append(json.loads(body)), auto_ack=True
        )
        self._ready.set()
        while not self._stop.is_set():
            connection.process_data_events(time_limit=0.2)
        connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def unchecked(self) -> list[dict]:
        """The events received since the last call."""
        new = self.events[self.checked :]
        self.checked += len(new)
        return new


@cache
def _validator(event_type: str):
    published = contract.published().get(event_type)
    if published is None:
        return None
    return jsonschema_rs.validator_for(contract.data_schema(published))


def live_tokens(smtp_server) -> set[str]:
    """The tokens of every link e-mailed so far."""
    found = set()
    for message in list(smtp_server.messages):
        for part in message.walk():
            if part.get_content_maintype() == "text":
                found.update(TOKEN_IN_MAIL.findall(part.get_content()))
    return found


def problems(events: list[dict], smtp_server) -> list[str]:
    """What is wrong with these events: a type not described, data that does not match its
    schema, or anything an integrator must not read."""
    tokens = live_tokens(smtp_server)
    found = []
    for envelope in events:
        name = envelope.get("type")
        validator = _validator(name)
        if validator is None:
            found.append(f"{name}: published but not described")
            continue
        found.extend(
            f"{name} {envelope['id']}: {error.message[:200]}"
            for error in validator.iter_errors(envelope["data"])
        )
        found.extend(f"{name} {envelope['id']}: {leak}" for leak in leaks(envelope, tokens))
    return found
