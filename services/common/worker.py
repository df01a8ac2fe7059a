"""A service's worker process: the outbox relay and the event consumer, each in its thread."""

from __future__ import annotations

import logging
import signal
import threading

from flask import Flask

from services.topology import subscriptions

from .consumer import Consumer
from .outbox import relay_forever

log = logging.getLogger(__name__)


def start_worker(app: Flask, stop: threading.Event) -> list[threading.Thread]:
    """Start the relay (and the consumer when the service handles events); used by tests too."""
    service = app.config["SERVICE_NAME"]
    threads = [
        threading.Thread(
            target=relay_forever, args=(app, subscriptions(), stop), name=f"{service}-relay"
        )
    ]
    if app.extensions["portal"].handlers:
        threads.append(
            threading.Thread(target=Consumer(app, stop).run_forever, name=f"{service}-consumer")
        )
    for thread in threads:
        thread.start()
    return threads


def run_worker(app: Flask) -> None:
    """Entry point of `python -m services.<name>.worker`; stops cleanly on SIGTERM or Ctrl-C."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threads = start_worker(app, stop)
    log.info("worker started", extra={"service": app.config["SERVICE_NAME"]})
    while not stop.wait(1):
        pass
    for thread in threads:
        thread.join(timeout=30)
    log.info("worker stopped", extra={"service": app.config["SERVICE_NAME"]})
