"""List and replay the parked events of a service (what failed every attempt)."""

from __future__ import annotations

import json

import pika
from flask import Flask
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from . import broker


def _describe(method, properties: pika.BasicProperties, body: bytes) -> dict:
    headers = properties.headers or {}
    try:
        envelope = json.loads(body)
        event = {k: envelope.get(k) for k in ("id", "type", "subject", "time", "correlationid")}
    except ValueError:
        event = {"id": properties.message_id, "type": properties.type}
    return {
        "message_id": properties.message_id,
        "event": event,
        "attempts": headers.get("x-attempt"),
        "last_error": headers.get("x-last-error") or _death_reason(headers),
        "routing_key": headers.get("x-original-routing-key"),
    }


def _death_reason(headers: dict) -> str | None:
    deaths = headers.get("x-death") or []
    if deaths:
        death = deaths[0]
        return f"dead-lettered by the broker ({death.get('reason')}, queue {death.get('queue')})"
    return None


def _has_parked_queue(channel: BlockingChannel, service: str) -> bool:
    """Whether the parking queue exists: a service that consumes nothing never declares one, and
    one whose worker has not started yet has none so far; either way nothing is parked."""
    try:
        channel.queue_declare(broker.parked_queue(service), passive=True)
    except ChannelClosedByBroker as error:
        if error.reply_code == 404:
            return False
        raise
    return True


def list_parked(app: Flask, limit: int = 100) -> list[dict]:
    """Peek at parked messages: fetched unacknowledged, then returned when the channel closes."""
    service = app.config["SERVICE_NAME"]
    connection = broker.connect(app.config["AMQP_URL"])
    try:
        channel = connection.channel()
        if not _has_parked_queue(channel, service):
            return []
        items = []
        while len(items) < limit:
            method, properties, body = channel.basic_get(broker.parked_queue(service))
            if method is None:
                break
            items.append(_describe(method, properties, body))
        return items
    finally:
        connection.close()


def replay_parked(app: Flask, message_id: str | None = None) -> int:
    """Put parked messages (all, or the one with `message_id`) back in the service's queue."""
    service = app.config["SERVICE_NAME"]
    connection = broker.connect(app.config["AMQP_URL"])
    replayed = 0
    try:
        channel = connection.channel()
        if not _has_parked_queue(channel, service):
            return 0
        channel.confirm_delivery()
        while True:
            method, properties, body = channel.basic_get(broker.parked_queue(service))
            if method is None:
                break
            if message_id and properties.message_id != message_id:
                continue  # left unacknowledged: back to the parking queue on close
            headers = {
                k: v for k, v in (properties.headers or {}).items() if not k.startswith("x-")
            }
            headers["x-attempt"] = 0
            broker.republish(channel, broker.queue_name(service), body, properties, headers)
            channel.basic_ack(method.delivery_tag)
            replayed += 1
            if message_id:
                break
        return replayed
    finally:
        connection.close()
