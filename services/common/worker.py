"""A service's worker process: the outbox relay and the event consumer, each in its thread, and
the admin endpoint (/healthz, /metrics) on WORKER_ADMIN_PORT."""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
import time

from flask import Flask
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from services.topology import subscriptions

from . import broker
from .consumer import Consumer
from .observability import QUEUE_READY, QUEUE_UNACKED
from .outbox import relay_forever

log = logging.getLogger(__name__)


def start_worker(app: Flask, stop: threading.Event) -> list[threading.Thread]:
    """Start the relay (and the consumer when the service handles events); used by tests too."""
    service = app.config["SERVICE_NAME"]
    threads = [
        threading.Thread(
            target=relay_forever,
            args=(app, subscriptions(), stop),
            name=f"{service}-relay",
            daemon=True,
        )
    ]
    if app.extensions["portal"].handlers:
        threads.append(
            threading.Thread(
                target=Consumer(app, stop).run_forever, name=f"{service}-consumer", daemon=True
            )
        )
    for thread in threads:
        thread.start()
    return threads


def watched_queues(app: Flask) -> list[str]:
    """The queues whose depth the worker reports: its own (when it consumes) and portal.unrouted."""
    service, config = app.config["SERVICE_NAME"], app.config
    if not app.extensions["portal"].handlers:
        return [broker.UNROUTED]
    retries = [broker.retry_queue(service, delay) for delay in sorted(set(config["RETRY_DELAYS"]))]
    own = [broker.queue_name(service), *retries, broker.parked_queue(service)]
    return [*own, broker.UNROUTED]


def _refresh_queue_depths(app: Flask) -> None:
    """Messages ready per queue, by passive declares: plain AMQP, no management plugin or its
    credentials needed. A declare does not count unacknowledged messages: each consumer reports
    those it holds (consumer.py), and only `<service>.events` has consumers."""
    queues = watched_queues(app)
    try:
        connection = broker.connect(app.config["AMQP_URL"], timeout=2)
    except Exception:  # noqa: BLE001 - broker away: report no depth rather than a stale one
        QUEUE_READY.clear()
        return
    try:
        for queue in queues:
            channel = connection.channel()
            try:
                QUEUE_READY.labels(queue).set(
                    channel.queue_declare(queue, passive=True).method.message_count
                )
            except Exception:  # noqa: BLE001 - not declared yet: the broker closed the channel
                with contextlib.suppress(KeyError):
                    QUEUE_READY.remove(queue)
                continue
            channel.close()
            if queue != broker.queue_name(app.config["SERVICE_NAME"]):
                QUEUE_UNACKED.labels(queue).set(0)
    finally:
        if connection.is_open:
            connection.close()


def admin_app(app: Flask, threads: list[threading.Thread]):
    """WSGI app: /healthz is 200 while every thread of the worker lives (a thread that died
    never comes back: restart the process); /metrics is the default Prometheus registry."""

    @Request.application
    def serve(request: Request) -> Response:
        if request.path == "/healthz":
            alive = {thread.name: thread.is_alive() for thread in threads}
            healthy = all(alive.values())
            body = {"status": "ok" if healthy else "failing", "threads": alive}
            return Response(json.dumps(body), 200 if healthy else 503, mimetype="application/json")
        if request.path == "/metrics":
            _refresh_queue_depths(app)
            return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
        return Response("not found: /healthz or /metrics\n", 404, mimetype="text/plain")

    return serve


def serve_admin(app: Flask, threads: list[threading.Thread], port: int) -> BaseWSGIServer:
    """Serve `admin_app` on `port` from a daemon thread; `.shutdown()` stops it."""
    server = make_server(
        app.config["WORKER_ADMIN_HOST"], port, admin_app(app, threads), threaded=True
    )
    name = f"{app.config['SERVICE_NAME']}-admin"
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server


def run_worker(app: Flask) -> None:
    """Entry point of `python -m services.<name>.worker`. On SIGTERM (or Ctrl-C) the consumer
    takes no new message and finishes or gives back the ones in hand, the relay stops after its
    confirms; the process exits once both threads are done."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    service = app.config["SERVICE_NAME"]
    threads = start_worker(app, stop)
    port = app.config["WORKER_ADMIN_PORT"]
    try:
        admin = serve_admin(app, threads, port) if port else None
    except OSError as exc:
        raise SystemExit(
            f"{service} worker: cannot serve /healthz and /metrics on WORKER_ADMIN_PORT={port} "
            f"({exc}); set WORKER_ADMIN_PORT to a free port, or 0 for none"
        ) from exc
    log.info("worker started", extra={"service": service})
    while not stop.wait(1):
        pass
    log.info("worker stopping", extra={"service": service})
    deadline = time.monotonic() + app.config["WORKER_STOP_SECONDS"]
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if thread.is_alive():  # a daemon thread: the process exits anyway
            log.error("%s still busy at the stop deadline; exiting anyway", thread.name)
    if admin is not None:
        admin.shutdown()
    log.info("worker stopped", extra={"service": service})
