"""JSON logs carrying the request id (or the event in hand), and Prometheus metrics for every
service and worker."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Iterator

from flask import Flask, Response, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "http_requests_total", "HTTP requests handled", ["service", "method", "endpoint", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds", "Time to produce a response", ["service", "endpoint"]
)

# Consumers (services/common/consumer.py) and the worker's admin endpoint (worker.py).
_EVENT = ["service", "event_type"]
EVENTS_HANDLED = Counter("portal_events_handled_total", "Events handled and acked", _EVENT)
EVENTS_FAILED = Counter(
    "portal_events_failed_total", "Handler failures on a healthy system", _EVENT
)
EVENTS_RETRIED = Counter("portal_events_retried_total", "Events sent to a retry queue", _EVENT)
EVENTS_PARKED = Counter("portal_events_parked_total", "Events parked after every attempt", _EVENT)
HANDLER_DURATION = Histogram(
    "portal_event_handler_duration_seconds",
    "Time to handle one event (its share of a batch)",
    _EVENT,
)
QUEUE_READY = Gauge("portal_queue_messages_ready", "Messages ready in the queue", ["queue"])
QUEUE_UNACKED = Gauge(
    "portal_queue_messages_unacknowledged",
    "Messages this worker holds unacknowledged (sum over a service's workers)",
    ["queue"],
)
BROKER_CONNECTED = Gauge(
    "portal_broker_connected", "1 while connected to RabbitMQ", ["service", "role"]
)
DEPENDENCY_WAITING = Gauge(
    "portal_dependency_waiting",
    "1 while a consumer waits out an outage of a dependency (database, smtp)",
    ["service", "dependency"],
)
# The outbox relay (services/common/outbox.py).
# Two relays of a service report the same backlog: in multiprocess mode keep the highest.
OUTBOX_PENDING = Gauge(
    "portal_outbox_pending", "Unpublished outbox rows", ["service"], multiprocess_mode="livemax"
)
OUTBOX_OLDEST_AGE = Gauge(
    "portal_outbox_oldest_pending_age_seconds",
    "Age of the oldest unpublished outbox row (0 when none)",
    ["service"],
    multiprocess_mode="livemax",
)
OUTBOX_PUBLISHED = Counter(
    "portal_outbox_published", "Outbox rows published and confirmed", ["service", "event_type"]
)
OUTBOX_FAILURES = Counter(
    "portal_outbox_publish_failures",
    "Publishes left for the next try (reason: nack, returned, connection)",
    ["service", "reason"],
)
OUTBOX_ACTIVE = Gauge(
    "portal_relay_active",
    "1 while this process is the service's active relay",
    ["service"],
    multiprocess_mode="livesum",
)
# The mailer's sending path (services/mailer/smtp.py).
EMAILS_SENT = Counter(
    "portal_emails_sent_total", "E-mails accepted by the SMTP server", ["template", "language"]
)
EMAILS_FAILED = Counter(
    "portal_emails_failed_total", "E-mails logged as failed", ["template", "language"]
)
SMTP_ERRORS = Counter("portal_smtp_errors_total", "SMTP failures by kind", ["kind"])

# The event a worker thread is handling: its log lines carry these fields.
_EVENT_FIELDS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("event", default=None)


@contextlib.contextmanager
def event_fields(event_id: str, event_type: str, correlationid: str | None) -> Iterator[None]:
    """Within this block, every log line of the thread names the event (and its request)."""
    token = _EVENT_FIELDS.set(
        {"event_id": event_id, "event_type": event_type, "correlationid": correlationid}
    )
    try:
        yield
    finally:
        _EVENT_FIELDS.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = g.get("request_id")
        for key in ("service", "event_id", "event_type", "correlationid"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        for key, value in (_EVENT_FIELDS.get() or {}).items():
            if value is not None:
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(os.environ.get("LOG_LEVEL", level))
    logging.getLogger("pika").setLevel(logging.WARNING)
    # Each failed connection attempt is seven ERROR lines from pika's connection code; the
    # consumer and the relay report it once, as the outage it is (a WARNING with the reason,
    # and the retry). Channel closes (pika.channel) still show.
    logging.getLogger("pika.adapters").setLevel(logging.CRITICAL)


access_log = logging.getLogger("portal.access")


def install_request_tracking(app: Flask) -> None:
    service = app.config["SERVICE_NAME"]

    @app.before_request
    def start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        # Accept the gateway's id when it looks sane; never echo arbitrary bytes into logs.
        ok = 0 < len(incoming) <= 64 and incoming.replace("-", "").isalnum()
        g.request_id = incoming if ok else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(service, request.method, endpoint, response.status_code).inc()
        seconds = time.perf_counter() - g.get("started", 0)
        LATENCY.labels(service, endpoint).observe(seconds)
        # The access log, one JSON line with the request id (the path without its query, which
        # can carry a one-time token).
        access_log.info(
            "%s %s %s %.1fms", request.method, request.path, response.status_code, seconds * 1000
        )
        return response


def metrics_response() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
