"""The transactional outbox: `add_event` in request code, `relay_forever` in the worker."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from datetime import timedelta

import pika
import sqlalchemy as sa
from flask import Flask
from pika.exceptions import AMQPError

from . import broker
from .events import Event
from .models import utcnow

log = logging.getLogger(__name__)


def add_event(event: Event) -> None:
    """Queue `event` in the current session; it is published only if the transaction commits."""
    from flask import current_app

    parts = current_app.extensions["portal"]
    parts.db.session.add(parts.outbox_model.of(event))


def _publish_batch(app: Flask, channel, exchange: str) -> int:
    parts = app.extensions["portal"]
    session, model = parts.db.session, parts.outbox_model
    try:
        rows = session.scalars(
            sa.select(model)
            .where(model.published_at.is_(None))
            .order_by(model.created_at)
            .limit(app.config["RELAY_BATCH"])
            # Several relays of one service share the work; a row is published by one of them.
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            # With confirms on, basic_publish returns once the broker has the message on disk,
            # and raises if it was nacked or (mandatory) could not be routed.
            channel.basic_publish(
                exchange,
                row.event_type,
                row.payload.encode(),
                pika.BasicProperties(
                    message_id=row.id,
                    type=row.event_type,
                    content_type="application/cloudevents+json",
                    delivery_mode=pika.DeliveryMode.Persistent,
                ),
                mandatory=True,
            )
            row.published_at = utcnow()
        session.commit()
        return len(rows)
    except BaseException:
        session.rollback()
        raise


def purge_published(app: Flask) -> int:
    """Delete published rows past the retention window (their payloads may carry links)."""
    parts = app.extensions["portal"]
    model = parts.outbox_model
    cutoff = utcnow() - timedelta(hours=app.config["OUTBOX_RETENTION_HOURS"])
    result = parts.db.session.execute(
        sa.delete(model).where(model.published_at.is_not(None), model.published_at < cutoff)
    )
    parts.db.session.commit()
    return result.rowcount or 0


def relay_forever(app: Flask, subscriptions: dict[str, list[str]], stop: threading.Event) -> None:
    """Publish outbox rows until `stop` is set; reconnect with back-off when the broker goes."""
    config = app.config
    backoff = 0.5
    last_purge = 0.0
    while not stop.is_set():
        connection = None
        try:
            with app.app_context():
                connection = broker.connect(config["AMQP_URL"])
                channel = connection.channel()
                channel.confirm_delivery()
                broker.declare_topology(
                    channel,
                    config["EVENT_EXCHANGE"],
                    subscriptions,
                    config["RETRY_DELAYS"],
                    config["DELIVERY_LIMIT"],
                )
                log.info("outbox relay connected", extra={"service": config["SERVICE_NAME"]})
                backoff = 0.5
                while not stop.is_set():
                    if time.monotonic() - last_purge > 3600:
                        purge_published(app)
                        last_purge = time.monotonic()
                    if _publish_batch(app, channel, config["EVENT_EXCHANGE"]) == 0:
                        # Idle: keep heartbeats flowing while waiting for new rows.
                        connection.process_data_events(time_limit=config["RELAY_IDLE_SECONDS"])
        except (AMQPError, OSError) as exc:
            log.warning("outbox relay lost the broker (%s); retrying in %.1fs", exc, backoff)
        except Exception:
            log.exception("outbox relay failed; retrying in %.1fs", backoff)
        finally:
            if connection is not None and connection.is_open:
                with contextlib.suppress(Exception):  # already broken; reconnecting anyway
                    connection.close()
        stop.wait(backoff)
        backoff = min(backoff * 2, config["RECONNECT_MAX_SECONDS"])


def backlog(app: Flask) -> dict:
    """What the admin endpoint shows: unpublished rows and the age of the oldest."""
    parts = app.extensions["portal"]
    model = parts.outbox_model
    count, oldest = parts.db.session.execute(
        sa.select(sa.func.count(), sa.func.min(model.created_at)).where(
            model.published_at.is_(None)
        )
    ).one()
    age = None if oldest is None else round((utcnow() - oldest).total_seconds(), 3)
    return {"pending": count, "oldest_pending_age_seconds": age}
