"""The consume loop: one session per message, dedupe by event id, ack after commit, retry, park.

The pika connection lives in one thread; handlers run in another so that a long handler never
starves heartbeats. The handler thread hands the outcome back with `add_callback_threadsafe`,
and only the connection thread touches the channel.
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pika
from flask import Flask
from pika.exceptions import AMQPError
from sqlalchemy.exc import IntegrityError

from . import broker
from .events import Event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    action: str  # "ack", "retry" or "park"
    attempt: int = 0
    error: str = ""


def handle_message(app: Flask, body: bytes, attempt: int) -> Outcome:
    """Run the handlers of one message in one transaction; say what to do with the message."""
    try:
        event = Event.from_json(body)
    except ValueError as exc:
        log.error("unreadable message parked: %s", exc)
        return Outcome("park", attempt, f"unreadable: {exc}")
    parts = app.extensions["portal"]
    session = parts.db.session
    with app.app_context():
        try:
            if session.get(parts.processed_model, event.id) is not None:
                log.info("duplicate event %s (%s) ignored", event.id, event.type)
                return Outcome("ack")
            session.add(parts.processed_model(event_id=event.id, event_type=event.type))
            for handler in parts.handlers.get(event.type, ()):
                handler(event)
            session.commit()
            log.info("handled event %s (%s)", event.id, event.type)
            return Outcome("ack")
        except IntegrityError:
            session.rollback()
            if session.get(parts.processed_model, event.id) is not None:
                return Outcome("ack")  # a concurrent delivery of the same event won
            return _failed(app, event, attempt, "integrity error")
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then parked
            session.rollback()
            log.exception("handler failed for event %s (%s)", event.id, event.type)
            return _failed(app, event, attempt, f"{type(exc).__name__}: {exc}")
        finally:
            session.remove()


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


def _headers(properties: pika.BasicProperties, outcome: Outcome, routing_key: str) -> dict:
    headers = {k: v for k, v in (properties.headers or {}).items() if not k.startswith("x-death")}
    headers.update({"x-attempt": outcome.attempt, "x-last-error": outcome.error[:500]})
    headers.setdefault("x-original-routing-key", routing_key)
    return headers


class Consumer:
    """Consumes `<service>.events` until `stop` is set, reconnecting with back-off."""

    def __init__(self, app: Flask, stop: threading.Event) -> None:
        self.app = app
        self.stop = stop
        self.service = app.config["SERVICE_NAME"]
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.service}-h")

    def run_forever(self) -> None:
        backoff = 0.5
        while not self.stop.is_set():
            try:
                self._consume()
                backoff = 0.5
            except (AMQPError, OSError) as exc:
                log.warning("consumer lost the broker (%s); retrying in %.1fs", exc, backoff)
            except Exception:
                log.exception("consumer failed; retrying in %.1fs", backoff)
            self.stop.wait(backoff)
            backoff = min(backoff * 2, self.app.config["RECONNECT_MAX_SECONDS"])
        self.executor.shutdown(wait=True)

    def _consume(self) -> None:
        config = self.app.config
        connection = broker.connect(config["AMQP_URL"])
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
            on_message = functools.partial(self._on_message, connection)
            tag = channel.basic_consume(broker.queue_name(self.service), on_message)
            log.info("consuming %s (%s)", broker.queue_name(self.service), ", ".join(keys))
            while not self.stop.is_set():
                connection.process_data_events(time_limit=1)
            channel.basic_cancel(tag)
            # Let the handler in flight finish and its ack go out before closing.
            self.executor.submit(lambda: None).result()
            connection.process_data_events(time_limit=0)
        finally:
            if connection.is_open:
                connection.close()

    def _on_message(self, connection, channel, method, properties, body) -> None:
        attempt = int((properties.headers or {}).get("x-attempt", 0))
        self.executor.submit(self._work, connection, channel, method, properties, body, attempt)

    def _work(self, connection, channel, method, properties, body, attempt) -> None:
        outcome = handle_message(self.app, body, attempt)
        finish = functools.partial(self._finish, channel, method, properties, body, outcome)
        try:
            connection.add_callback_threadsafe(finish)
        except Exception:  # noqa: BLE001 - connection gone: the broker redelivers, dedupe holds
            log.warning("connection closed before ack of %s", properties.message_id)

    def _finish(self, channel, method, properties, body, outcome: Outcome) -> None:
        if outcome.action != "ack":
            target = (
                broker.retry_queue(
                    self.service, self.app.config["RETRY_DELAYS"][outcome.attempt - 1]
                )
                if outcome.action == "retry"
                else broker.parked_queue(self.service)
            )
            headers = _headers(properties, outcome, method.routing_key)
            broker.republish(channel, target, body, properties, headers)
        channel.basic_ack(method.delivery_tag)
