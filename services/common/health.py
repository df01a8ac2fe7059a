"""A service's /healthz, /readyz and /metrics. Ready means a request can be served: the database
(and the object store where used) answers. The broker is reported, never required: the outbox
keeps writes safe while it is away, so its outage must not take web processes out of rotation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask, Response, jsonify
from prometheus_client import Gauge

from . import broker
from .observability import metrics_response
from .problems import problem

BROKER_REACHABLE = Gauge(
    "broker_reachable",
    "1 when the last probe of RabbitMQ from this process connected, else 0",
    ["service"],
    multiprocess_mode="livemostrecent",
)


class BrokerProbe:
    """The broker's last known state, probed again at most every `interval` seconds with a short
    timeout, so that a liveness probe or a scrape never waits long on a broker that hangs."""

    def __init__(self, url: str, service: str, interval: float = 10.0, timeout: float = 1.0):
        self.url = url
        self.service = service
        self.interval = interval
        self.timeout = timeout
        self._lock = threading.Lock()
        self._state: dict = {"status": "unknown"}
        self._expires = 0.0

    def state(self) -> dict:
        """{"status": "up"} or {"status": "down", "error": ...} (or "unknown" before a probe)."""
        # One thread probes; the others answer with the last known state instead of waiting.
        if time.monotonic() >= self._expires and self._lock.acquire(blocking=False):
            try:
                self._probe()
            finally:
                self._lock.release()
        return self._state

    def _probe(self) -> None:
        try:
            broker.ping(self.url, timeout=self.timeout)
        except Exception as exc:  # noqa: BLE001 - any failure means unreachable
            self._state = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            self._state = {"status": "up"}
        BROKER_REACHABLE.labels(self.service).set(1 if self._state["status"] == "up" else 0)
        self._expires = time.monotonic() + self.interval


def add_health_endpoints(app: Flask, readiness: dict[str, Callable[[], None]]) -> None:
    """/healthz (alive, with the broker's state), /readyz (every readiness check passes) and
    /metrics (which also carries the broker's state)."""
    service = app.config["SERVICE_NAME"]
    probe = BrokerProbe(app.config["AMQP_URL"], service)

    def healthz() -> Response:
        return jsonify(status="ok", service=service, broker=probe.state())

    def readyz() -> Response:
        failures = {}
        for name, check in readiness.items():
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                failures[name] = f"{type(exc).__name__}: {exc}"[:300]
        if failures:
            return problem(
                503,
                "Not ready: " + ", ".join(sorted(failures)) + " unreachable.",
                code="NOT_READY",
                errors=failures,
            )
        return jsonify(status="ready", checks=sorted(readiness))

    def metrics() -> Response:
        probe.state()
        return metrics_response()

    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)
    app.add_url_rule("/metrics", "metrics", metrics)
