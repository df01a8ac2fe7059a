"""Scheduled deletion of what the event plumbing no longer needs, with configurable retention:
published outbox rows (OUTBOX_RETENTION_HOURS: their payloads can carry one-time links) and the
consumer's processed-event record (PROCESSED_RETENTION_DAYS: a redelivery of an event older
than that would be handled again, so keep it longer than parked events are kept for replay).

The active outbox relay calls `when_due` (one process per service does it); operators can run
`purge_all` by hand."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from .models import utcnow

log = logging.getLogger(__name__)

_last_run: dict[str, float] = {}  # service -> monotonic time of its last purge


def purge_published(app: Flask) -> int:
    """Delete published outbox rows past the retention window."""
    parts = app.extensions["portal"]
    model = parts.outbox_model
    cutoff = utcnow() - timedelta(hours=app.config["OUTBOX_RETENTION_HOURS"])
    return _delete(app, sa.delete(model).where(model.published_at < cutoff))


def purge_processed(app: Flask) -> int:
    """Delete processed-event records past the retention window."""
    model = app.extensions["portal"].processed_model
    cutoff = utcnow() - timedelta(days=app.config["PROCESSED_RETENTION_DAYS"])
    return _delete(app, sa.delete(model).where(model.processed_at < cutoff))


def _delete(app: Flask, statement: sa.Delete) -> int:
    session = app.extensions["portal"].db.session
    try:
        count = session.execute(statement).rowcount or 0
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return count


def purge_all(app: Flask) -> dict[str, int]:
    counts = {"outbox": purge_published(app), "processed_events": purge_processed(app)}
    if any(counts.values()):
        log.info("purged %s", counts, extra={"service": app.config["SERVICE_NAME"]})
    return counts


def when_due(app: Flask) -> None:
    """Purge once every PURGE_INTERVAL_SECONDS (the first time at once)."""
    service = app.config["SERVICE_NAME"]
    now = time.monotonic()
    if now - _last_run.get(service, -1e18) >= app.config["PURGE_INTERVAL_SECONDS"]:
        _last_run[service] = now
        purge_all(app)
