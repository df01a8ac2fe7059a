"""`python -m bench events`: the event backbone's speed, every figure from the same run.

- publish rates to a quorum queue: pika one message per confirm (as the old relay did), pika
  with asynchronous confirms (window 1,000: the ceiling), and the outbox relay draining
  committed rows from PostgreSQL (same queue kind, same payload);
- hop latency: a company created in identity (commit included) until sharing's replica has it,
  with the real identity and sharing workers as processes;
- the mailer's e-mails/s to a local aiosmtpd, invitations published straight to its queue.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pika
import psycopg2
import sqlalchemy as sa

from bench.backends import database
from bench.harness import ROOT, free_port
from bench.mailer import invitation, use_throwaway_link_key
from services.common import broker
from services.common.events import Event
from services.common.smtp_sink import MailSink
from services.common.testing import throwaway_vhost, wait_until

EXCHANGE = "portal.events"
ROUTING_KEY = "bench.thing.happened"
BODY = Event(type=ROUTING_KEY, source="/bench", data={"text": "x" * 200}).to_json().encode()


def declare_bench_queue(url: str) -> None:
    """One quorum queue (`bench.events`, as every service's) bound to the bench's events."""
    connection = broker.connect(url)
    channel = connection.channel()
    broker.declare_exchange(channel, EXCHANGE)
    broker.declare_service_queues(channel, EXCHANGE, "bench", ["bench.#"], [1.0], 10)
    channel.queue_purge("bench.events")
    connection.close()


def properties() -> pika.BasicProperties:
    return pika.BasicProperties(
        message_id=str(uuid.uuid4()),
        type=ROUTING_KEY,
        content_type="application/cloudevents+json",
        delivery_mode=pika.DeliveryMode.Persistent,
    )


def one_by_one(url: str, count: int) -> float:
    """msg/s publishing with a BlockingChannel in confirm mode: one round trip per message."""
    connection = broker.connect(url)
    channel = connection.channel()
    channel.confirm_delivery()
    start = time.perf_counter()
    for _ in range(count):
        channel.basic_publish(EXCHANGE, ROUTING_KEY, BODY, properties(), mandatory=True)
    elapsed = time.perf_counter() - start
    connection.close()
    return count / elapsed


def async_confirms(url: str, count: int, window: int) -> float:
    """msg/s with asynchronous confirms, at most `window` unconfirmed (the broker's ceiling as
    pika can reach it from one thread)."""
    state = {"sent": 0, "confirmed": 0, "start": 0.0, "end": 0.0}
    in_flight: set[int] = set()

    def pump(channel) -> None:
        while state["sent"] < count and len(in_flight) < window:
            channel.basic_publish(EXCHANGE, ROUTING_KEY, BODY, properties(), mandatory=True)
            state["sent"] += 1
            in_flight.add(state["sent"])

    def on_confirm(channel, frame) -> None:
        tag = frame.method.delivery_tag
        done = [t for t in in_flight if t <= tag] if frame.method.multiple else [tag]
        in_flight.difference_update(done)
        state["confirmed"] += len(done)
        if state["confirmed"] >= count:
            state["end"] = time.perf_counter()
            channel.connection.close()
        else:
            pump(channel)

    def on_channel(channel) -> None:
        def ready(_frame) -> None:
            state["start"] = time.perf_counter()
            pump(channel)

        channel.confirm_delivery(lambda frame: on_confirm(channel, frame), callback=ready)

    connection = pika.SelectConnection(
        broker.connection_parameters(url),
        on_open_callback=lambda c: c.channel(on_open_callback=on_channel),
        on_close_callback=lambda c, _reason: c.ioloop.stop(),
    )
    connection.ioloop.start()
    return count / (state["end"] - state["start"])


def relay_rate(url: str, db_url: str, rows: int) -> float:
    """rows/s: the outbox relay (identity's app, in this process), connected and idle, then
    `rows` rows committed in one transaction; from that commit until the last one is marked
    published (as the ceiling's timing starts once its channel is ready)."""
    from services.common.outbox import relay_forever
    from services.identity import create_app

    app = create_app(SQLALCHEMY_DATABASE_URI=db_url, AMQP_URL=url)
    with app.app_context():
        db = app.extensions["portal"].db
        model = app.extensions["portal"].outbox_model
        body = BODY.decode()
        pending = sa.select(sa.func.count()).where(model.published_at.is_(None))

        def commit(count: int) -> float:
            for start in range(0, count, 1000):
                db.session.execute(
                    sa.insert(model),
                    [
                        {"id": str(uuid.uuid4()), "event_type": ROUTING_KEY, "payload": body}
                        for _ in range(start, min(count, start + 1000))
                    ],
                )
            db.session.commit()
            return time.perf_counter()

        def drained() -> bool:
            left = db.session.scalar(pending)
            db.session.rollback()
            return not left

        stop = threading.Event()
        thread = threading.Thread(
            target=relay_forever, args=(app, {"bench": ["bench.#"]}, stop), daemon=True
        )
        thread.start()
        try:
            commit(1)  # the relay is up once this one is published
            wait_until(drained, timeout=60, interval=0.02, message="the relay's first row")
            committed = commit(rows)
            while not drained():
                time.sleep(0.02)
            return rows / (time.perf_counter() - committed)
        finally:
            stop.set()
            thread.join(timeout=30)


@contextmanager
def worker(service: str, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [sys.executable, "-m", f"services.{service}.worker"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def company_hops(url: str, identity_db: str, sharing_db: str, count: int) -> list[float]:
    """Seconds from creating a company in identity (its commit included) until sharing's
    replica has it; one company every 20 ms, the workers running as processes."""
    from services.identity import companies, create_app

    app = create_app(SQLALCHEMY_DATABASE_URI=identity_db, AMQP_URL=url)
    watch = psycopg2.connect(
        sa.make_url(sharing_db).render_as_string(False).replace("+psycopg2", "")
    )
    watch.autocommit = True
    samples = []
    with app.app_context(), watch.cursor() as cursor:
        for i in range(count + 10):
            start = time.perf_counter()
            company = companies.create_company({"name": f"Bench {i}", "number": uuid.uuid4().hex})
            deadline = start + (10 if i >= 10 else 120)  # the workers may still be starting
            while True:
                cursor.execute("SELECT 1 FROM companies WHERE id = %s", (company.id,))
                if cursor.fetchone():
                    break
                if time.perf_counter() > deadline:
                    raise RuntimeError("sharing did not learn of a company within 10 s")
                time.sleep(0.0005)
            if i >= 10:  # the first ones warm connections and caches up
                samples.append(time.perf_counter() - start)
            time.sleep(0.02)
    watch.close()
    return samples


def mailer_rate(url: str, sink: MailSink, count: int) -> float:
    """e-mails/s: `count` invitations published at once to the running mailer; from the first
    publish until the SMTP server has them all."""
    connection = broker.connect(url)
    channel = connection.channel()
    channel.confirm_delivery()
    before = len(sink.messages)
    start = time.perf_counter()
    for i in range(count):
        event = invitation(f"bench{i}.{uuid.uuid4().hex[:6]}@client.example")
        channel.basic_publish(
            EXCHANGE,
            event.type,
            event.to_json().encode(),
            pika.BasicProperties(message_id=event.id, type=event.type, delivery_mode=2),
            mandatory=True,
        )
    connection.close()
    wait_until(
        lambda: len(sink.messages) - before >= count,
        timeout=600,
        interval=0.02,
        message=f"{count} e-mails",
    )
    return count / (time.perf_counter() - start)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench events", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="outbox rows for the relay")
    parser.add_argument("--ceiling", type=int, default=50_000, help="messages, async confirms")
    parser.add_argument("--single", type=int, default=2_000, help="messages, one by one")
    parser.add_argument("--hops", type=int, default=200, help="companies created")
    parser.add_argument("--emails", type=int, default=500, help="invitations to the mailer")
    args = parser.parse_args(argv)
    use_throwaway_link_key()  # identity and the mailer refuse to start without one
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command lines
    print(f"load average before: {os.getloadavg()}")
    with ExitStack() as stack:
        url = stack.enter_context(throwaway_vhost(f"-bench-{uuid.uuid4().hex[:6]}"))
        declare_bench_queue(url)
        single = one_by_one(url, args.single)
        declare_bench_queue(url)
        ceiling = async_confirms(url, args.ceiling, 1000)
        declare_bench_queue(url)
        identity_db = stack.enter_context(database("identity"))
        relay = relay_rate(url, identity_db, args.rows)
        declare_bench_queue(url)
        ceiling_after = async_confirms(url, args.ceiling, 1000)
        print("\n| publisher (quorum queue, persistent) | msg/s | x ceiling |\n|---|---|---|")
        ceiling_mean = (ceiling + ceiling_after) / 2
        for name, rate in (
            ("pika, one confirm per message", single),
            ("pika, async confirms, window 1000 (before)", ceiling),
            ("pika, async confirms, window 1000 (after)", ceiling_after),
            (f"outbox relay, {args.rows} committed rows in PostgreSQL", relay),
        ):
            print(f"| {name} | {rate:,.0f} | {rate / ceiling_mean:.2f} |")

        sharing_db = stack.enter_context(database("sharing"))
        mailer_db = stack.enter_context(database("mailer"))
        var = stack.enter_context(tempfile.TemporaryDirectory())
        sink = stack.enter_context(MailSink())
        sink.start("127.0.0.1", free_port())
        env = {
            "AMQP_URL": url,
            "IDENTITY_DATABASE_URL": identity_db,
            "SHARING_DATABASE_URL": sharing_db,
            "MAILER_DATABASE_URL": mailer_db,
            "PORTAL_VAR_DIR": var,
            "PORTAL_ENV": "development",
            "SMTP_PORT": str(sink.port),
            "SMTP_STARTTLS": "false",
            "WORKER_ADMIN_PORT": "0",
        }
        for service in ("identity", "sharing", "mailer"):
            stack.enter_context(worker(service, env))
        hops = company_hops(url, identity_db, sharing_db, args.hops)
        p50, p95, p99 = (1000 * s for s in percentiles(hops))
        print("\n| hop | samples | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
        print(
            f"| company created in identity -> known to sharing | {len(hops)} | "
            f"{p50:.1f} | {p95:.1f} | {p99:.1f} |"
        )
        emails = mailer_rate(url, sink, args.emails)
        print(f"\nmailer: {args.emails} invitations -> {emails:,.1f} e-mails/s to aiosmtpd")
    print(f"load average after: {os.getloadavg()}")
    return 0
