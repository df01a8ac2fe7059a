"""`python -m bench share_latency`: from a matter shown to its requester to the e-mail at the
SMTP server, at a steady rate of shares.

Sharing's use case `show_in_portal` runs in this process (the staff API's path: the matter
locked, the audience computed, `sharing.matter.published` written to the outbox, committed);
the sharing and mailer workers run as processes (relay woken by NOTIFY, consumer), the SMTP
sink in a process of its own, stamping each message as it arrives. A sample is the time from
the share's commit until its e-mail is at the sink; the e-mail is told apart by the matter's
reference in its subject. The companies and members come from identity through events in the
suite; here they are written into sharing's and the mailer's replicas first, as their handlers
would. It also prints the CPU per share of each part (producers, workers, sink, each database's
backends, RabbitMQ).

    .venv/bin/python -m bench share_latency [--rate 100] [--seconds 20]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import psycopg2

from bench.backends import database
from bench.events import percentiles, worker
from bench.harness import ROOT, free_port
from bench.mailer import _listening, use_throwaway_link_key
from bench.rss import cpu_seconds
from services.common.testing import throwaway_vhost, wait_until

REFERENCE = re.compile(r"B-\d{6}")
REQUESTERS = 200  # portal users of the client company; each share goes to one of them
# Processes making shares: one use case costs more CPU than 1/100 s on this machine class, so
# as the staff API's workers would, several make them at once (each at rate / PRODUCERS).
PRODUCERS = 4


def seed(app, count: int) -> tuple[str, list[str], list[tuple[str, str]]]:
    """A company, its active members and `count` matters not shown yet; (company, members,
    (matter id, reference) of each matter)."""
    from services.sharing import service
    from services.sharing.models import Company, Membership, User, db

    company_id = str(uuid.uuid4())
    members = [str(uuid.uuid4()) for _ in range(REQUESTERS)]
    with app.app_context():
        db.session.add(Company(id=company_id, name="Acme SA", version=1))
        for i, user_id in enumerate(members):
            locale = ("en", "fr", "es")[i % 3]
            db.session.add(
                User(
                    id=user_id,
                    email=f"member{i}@acme.example",
                    name=f"Member {i}",
                    locale=locale,
                    kind="portal",
                    status="active",
                    version=1,
                )
            )
            db.session.add(
                Membership(
                    company_id=company_id, user_id=user_id, role="member", active=True, version=1
                )
            )
        db.session.commit()
        owner = str(uuid.uuid4())
        references = [f"B-{i:06d}" for i in range(count)]
        matters = [
            (
                service.create_matter(
                    {"kind": "contract", "reference": reference, "company_id": company_id}, owner
                ).id,
                reference,
            )
            for reference in references
        ]
    return company_id, members, matters


def seed_recipients(mailer_db: str, url: str, sharing_app) -> None:
    """The mailer's replica of the same people (identity's user events reach it too)."""
    from services.mailer import create_app
    from services.mailer.models import Recipient, db
    from services.sharing.models import User

    with sharing_app.app_context():
        people = [
            {"user_id": u.id, "email": u.email, "name": u.name, "locale": u.locale}
            for u in User.query.all()
        ]
    app = create_app(
        SQLALCHEMY_DATABASE_URI=mailer_db,
        AMQP_URL=url,
        PORTAL_FIRM_NAME="Dupont & Associés",
        MAIL_FROM="Dupont & Associés <portail@dupont.example>",
    )
    with app.app_context():
        db.session.add_all(
            Recipient(**person, kind="portal", status="active", version=1) for person in people
        )
        db.session.commit()
        db.engine.dispose()


def analyze(url: str) -> None:
    """Statistics of the seeded tables, as autovacuum would soon leave them: without them the
    planner reads a company's every member to find a matter's few watchers."""
    connection = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        connection.close()


def arrivals(mail_dir: Path) -> dict[str, float]:
    """Matter reference -> when its e-mail reached the sink (epoch seconds, from the file name
    the sink gives each message as it receives it)."""
    found = {}
    for path in mail_dir.glob("*.eml"):
        stamp = datetime.strptime(path.name.split("-", 1)[0], "%Y%m%dT%H%M%S.%fZ")
        with path.open("rb") as handle:
            subject = email.message_from_binary_file(handle, policy=email.policy.default)["Subject"]
        found[REFERENCE.search(subject).group()] = stamp.replace(tzinfo=UTC).timestamp()
    return found


def share_at_rate(
    app,
    members: list[str],
    matters: list[tuple[str, str]],
    rate: float,
    start: float,
    offset=0,
    step=1,
) -> dict[str, float]:
    """Show matter i to a requester at `start + (offset + i * step) / rate`; reference -> commit
    time. `step` producers share the rate: producer k takes matters[k::step] with offset k."""
    from services.sharing import service
    from services.sharing.models import db

    committed = {}
    with app.app_context():
        for i, (matter_id, reference) in enumerate(matters):
            delay = start + (offset + i * step) / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            settings = {
                "requester_id": members[(offset + i * step) % len(members)],
                "watcher_ids": [],
                "attachments_visible_by_default": False,
            }
            service.show_in_portal(matter_id, settings)
            # Stamped as the commit returns (reading the expired matter back first would add a
            # query to the producer and move the stamp later).
            committed[reference] = time.time()
            db.session.remove()
    return committed


def _producer(job: tuple, ready, go, results) -> None:
    """One producer process: its own app and connections; it says when it is ready, waits for
    the common start time, shares its part, sends back commit times and its CPU seconds."""
    sharing_db, url, members, matters, rate, offset = job
    from services.sharing import create_app

    app = create_app(SQLALCHEMY_DATABASE_URI=sharing_db, AMQP_URL=url)
    ready.put(offset)
    start = go.get()
    cpu = time.process_time()
    committed = share_at_rate(app, members, matters, rate, start, offset, PRODUCERS)
    results.put((committed, time.process_time() - cpu))


def make_shares(
    sharing_db: str, url: str, members: list[str], matters: list[tuple[str, str]], rate: float
):
    """(reference -> commit time, CPU seconds of the producers) for `matters` shown at `rate`."""
    context = multiprocessing.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    goes = [context.Queue() for _ in range(PRODUCERS)]
    processes = [
        context.Process(
            target=_producer,
            args=(
                (sharing_db, url, members, matters[k::PRODUCERS], rate, k),
                ready,
                goes[k],
                results,
            ),
        )
        for k in range(PRODUCERS)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=120)
    start = time.time() + 0.5
    for go in goes:
        go.put(start)
    committed, cpu = {}, 0.0
    for _ in processes:
        part, seconds = results.get(timeout=600)
        committed.update(part)
        cpu += seconds
    for process in processes:
        process.join(timeout=30)
    return committed, cpu


class CpuTally:
    """CPU seconds per part of the pipeline while it runs: a part is the processes whose command
    line holds one of its strings (a database's name for its backends, which come and go with
    the producers' connections). /proc is read every `interval` seconds; a process first seen
    after the start counts from zero."""

    def __init__(self, parts: dict[str, tuple[str, ...]], interval: float = 0.25) -> None:
        self.parts, self.interval = parts, interval
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CpuTally:
        self._sample(starting=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self, starting: bool = False) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue  # gone meanwhile
            part = next(
                (p for p, marks in self.parts.items() if any(m in command for m in marks)), None
            )
            if part is not None:
                pid, used = int(entry.name), cpu_seconds(int(entry.name))
                self.first.setdefault(pid, used if starting else 0.0)
                self.last[pid] = (part, used)

    def seconds(self) -> dict[str, float]:
        totals = dict.fromkeys(self.parts, 0.0)
        for pid, (part, used) in self.last.items():
            totals[part] += used - self.first[pid]
        return totals


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench share_latency", description=__doc__)
    parser.add_argument("--rate", type=float, default=100, help="shares per second")
    parser.add_argument("--seconds", type=float, default=20, help="how long shares are made")
    args = parser.parse_args(argv)
    count = int(args.rate * args.seconds)
    use_throwaway_link_key()
    print(f"load average before: {os.getloadavg()}")
    with ExitStack() as stack:
        url = stack.enter_context(throwaway_vhost(f"-bench-shares-{uuid.uuid4().hex[:6]}"))
        sharing_db = stack.enter_context(database("sharing"))
        mailer_db = stack.enter_context(database("mailer"))
        var = stack.enter_context(tempfile.TemporaryDirectory())
        mail_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        port = free_port()
        sink = subprocess.Popen(
            [sys.executable, "-m", "services.common.smtp_sink", "--port", str(port)]
            + ["--dir", str(mail_dir)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        stack.callback(sink.wait, timeout=30)
        stack.callback(sink.terminate)
        wait_until(lambda: _listening(port), timeout=30, message="the SMTP sink")
        env = {
            "AMQP_URL": url,
            "SHARING_DATABASE_URL": sharing_db,
            "MAILER_DATABASE_URL": mailer_db,
            "PORTAL_VAR_DIR": var,
            "PORTAL_ENV": "development",
            "SMTP_PORT": str(port),
            "SMTP_STARTTLS": "false",
            "WORKER_ADMIN_PORT": "0",
        }
        from services.sharing import create_app

        app = create_app(SQLALCHEMY_DATABASE_URI=sharing_db, AMQP_URL=url)
        warm = 20  # shown first, one at a time: workers and connections start
        _, members, matters = seed(app, count + warm)
        seed_recipients(mailer_db, url, app)
        for seeded in (sharing_db, mailer_db):
            analyze(seeded)
        for service in ("sharing", "mailer"):
            stack.enter_context(worker(service, env))
        for done, matter in enumerate(matters[:warm], start=1):
            share_at_rate(app, members, [matter], args.rate, time.time())
            wait_until(
                lambda done=done: len(list(mail_dir.glob("*.eml"))) >= done,
                timeout=120,
                interval=0.05,
                message="the warm-up e-mail",
            )
        parts = {  # the producers report their own CPU
            "mailer worker": ("services.mailer.worker",),
            "sharing worker (relay)": ("services.sharing.worker",),
            "SMTP sink": ("services.common.smtp_sink",),
            "sharing's PostgreSQL backends": (sharing_db.rsplit("/", 1)[1],),
            "mailer's PostgreSQL backends": (mailer_db.rsplit("/", 1)[1],),
            "RabbitMQ (the whole broker)": ("beam.smp",),
        }
        with CpuTally(parts) as tally:
            committed, cpu = make_shares(sharing_db, url, members, matters[warm:], args.rate)
            made = max(committed.values()) - min(committed.values())
            wait_until(
                lambda: len(list(mail_dir.glob("*.eml"))) >= count + warm,
                timeout=600,
                interval=0.2,
                message=f"{count} e-mails",
            )
        arrived = arrivals(mail_dir)
    samples = [arrived[reference] - at for reference, at in committed.items()]
    p50, p95, p99 = (1000 * s for s in percentiles(samples))
    last = max(arrived[reference] for reference in committed)
    print(
        f"\n| shares | asked /s | made /s | e-mailed /s | p50 ms | p95 ms | p99 ms |\n"
        f"|---|---|---|---|---|---|---|\n"
        f"| {count} | {args.rate:.0f} | {(count - 1) / made:.1f} | "
        f"{count / (last - min(committed.values())):.1f} | {p50:.0f} | {p95:.0f} | {p99:.0f} |"
    )
    print(f"\nsharing's use case (producer processes): {1000 * cpu / count:.1f} ms CPU per share")
    print("\nCPU ms per share, from the first share to the last e-mail:\n")
    print(
        f"| part | ms |\n|---|---:|\n| producers (sharing's use case) | {1000 * cpu / count:.1f} |"
    )
    for part, seconds in tally.seconds().items():
        print(f"| {part} | {1000 * seconds / count:.1f} |")
    print(f"load average after: {os.getloadavg()}")
    return 0
