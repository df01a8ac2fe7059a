"""An outage is not a bug: with the database or the SMTP server away for longer than every retry
delay together, the mailer's worker parks nothing and, once it is back, sends every e-mail once.
Against the real broker, PostgreSQL (through a proxy the test cuts) and SMTP server."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from services.common import broker
from services.common.consumer import handle_message
from services.common.testing import pg_admin, wait_until
from services.common.worker import start_worker
from services.mailer import create_app
from services.mailer.models import db

from .conftest import body, invitation_event
from .test_worker import _consuming, _publish

RETRY_DELAYS = [0.2, 0.5]


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _depth(amqp_url: str, queue: str) -> int:
    connection = broker.connect(amqp_url)
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def _run(app, amqp_url) -> tuple[threading.Event, list[threading.Thread]]:
    stop = threading.Event()
    threads = start_worker(app, stop)
    wait_until(lambda: _consuming(amqp_url), timeout=30, message="the mailer consumer")
    return stop, threads


def _stop(stop: threading.Event, threads: list[threading.Thread]) -> None:
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)


@pytest.fixture
def proxied_app(new_database, amqp_url, mail, pg_proxy):
    """The mailer, its database reached through `pg_proxy`."""
    app = create_app(
        SQLALCHEMY_DATABASE_URI=pg_proxy.url(new_database("mailer")),
        AMQP_URL=amqp_url,
        SMTP_HOST=mail.host,
        SMTP_PORT=mail.port,
        SMTP_TIMEOUT=5.0,
        RETRY_DELAYS=RETRY_DELAYS,
        RECONNECT_MAX_SECONDS=1,
        PORTAL_FIRM_NAME="Dupont & Associés",
        MAIL_FROM="Dupont & Associés <portail@dupont.example>",
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def worker_app(proxied_app, amqp_url):
    """The mailer's worker running, its database reached through `pg_proxy`."""
    stop, threads = _run(proxied_app, amqp_url)
    yield proxied_app
    _stop(stop, threads)


def _every_email_once(amqp_url, mail, addresses: set[str]) -> None:
    def received() -> Counter:
        return Counter(m["X-RcptTo"] for m in mail.messages if m["X-RcptTo"] in addresses)

    wait_until(lambda: len(received()) == len(addresses), timeout=30, message="every e-mail")
    wait_until(
        lambda: (
            _depth(amqp_url, broker.queue_name("mailer")) == 0
            and not _sample("portal_dependency_waiting", service="mailer", dependency="database")
            and not _sample("portal_dependency_waiting", service="mailer", dependency="smtp")
        ),
        message="the mailer's queue drained",
    )
    assert set(received().values()) == {1}


def _outage_then_every_email_once(amqp_url, mail, dependency, cut, restore) -> None:
    parked_before = _depth(amqp_url, broker.parked_queue("mailer"))
    events = [invitation_event(email=f"outage.{dependency}.{i}@example.com") for i in range(5)]
    cut()
    try:
        for event in events:
            _publish(amqp_url, event)
        wait_until(
            lambda: _sample("portal_dependency_waiting", service="mailer", dependency=dependency),
            message=f"the consumer waiting for {dependency}",
        )
        time.sleep(3 * sum(RETRY_DELAYS) + 1)  # longer than every retry delay together
        assert _depth(amqp_url, broker.parked_queue("mailer")) == parked_before
        retrying = [broker.retry_queue("mailer", delay) for delay in RETRY_DELAYS]
        assert sum(_depth(amqp_url, queue) for queue in retrying) == 0
        assert mail.messages == []
    finally:
        restore()
    _every_email_once(amqp_url, mail, {event.data["user"]["email"] for event in events})
    assert _depth(amqp_url, broker.parked_queue("mailer")) == parked_before


def test_database_outage_parks_nothing_and_every_email_goes_once(
    worker_app, amqp_url, mail, pg_proxy
):
    _outage_then_every_email_once(amqp_url, mail, "database", pg_proxy.cut, pg_proxy.restore)


def test_smtp_outage_parks_nothing_and_every_email_goes_once(worker_app, amqp_url, mail):
    port = mail.port
    _outage_then_every_email_once(
        amqp_url, mail, "smtp", mail.stop, lambda: mail.start("127.0.0.1", port)
    )


def test_a_worker_stopped_during_an_outage_gives_its_messages_back(
    proxied_app, amqp_url, mail, pg_proxy
):
    stop, threads = _run(proxied_app, amqp_url)
    events = [invitation_event(email=f"given.back.{i}@example.com") for i in range(3)]
    pg_proxy.cut()
    try:
        for event in events:
            _publish(amqp_url, event)
        wait_until(
            lambda: _sample("portal_dependency_waiting", service="mailer", dependency="database"),
            message="the consumer waiting for the database",
        )
        _stop(stop, threads)  # SIGTERM's path: the waiting batch is given back, not kept
        wait_until(
            lambda: _depth(amqp_url, broker.queue_name("mailer")) == len(events),
            message="the messages back in the queue",
        )
    finally:
        pg_proxy.restore()
    stop, threads = _run(proxied_app, amqp_url)
    try:
        _every_email_once(amqp_url, mail, {event.data["user"]["email"] for event in events})
    finally:
        _stop(stop, threads)


def test_a_connection_the_database_dropped_while_pooled_costs_no_attempt(app, mail):
    """Pooled connections are not pinged with a round trip (services/common/app.py). One the
    database ended in between is replaced at checkout, or fails at its first statement and the
    consumer waits that out like any database outage: no attempt spent, the e-mail goes once."""
    handle_message(app, body(invitation_event(email="before@example.com")), 0)
    database = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    others = f"datname = '{database}' AND pid <> pg_backend_pid()"
    pg_admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {others}")  # noqa: S608
    event = invitation_event(email="after@example.com")

    outcomes = [handle_message(app, body(event), 0).action]
    while outcomes[-1] == "wait" and len(outcomes) < 5:
        outcomes.append(handle_message(app, body(event), 0).action)

    assert outcomes[-1] == "ack", outcomes
    assert "retry" not in outcomes
    assert [m["X-RcptTo"] for m in mail.messages] == ["before@example.com", "after@example.com"]
