"""The fault ledger: invitations and shares while the broker is stopped and started five times
and one worker of each service is SIGKILLed twice; every e-mail is counted per event and
recipient at the SMTP server: none lost, none doubled.

Black-box: it drives the public API, watches the SMTP server and the documented admin
endpoints, and kills processes; nothing depends on how the relay or the consumers work.
`make faults` runs it (LEDGER_OPERATIONS=1000); without LEDGER_OPERATIONS `make test` does not
collect it (tests/ops/conftest.py).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from services.common.testing import free_port, wait_until
from services.topology import SERVICES
from tests.conftest import running_suite

from ..e2e.stories import admin, new_company, text_of
from ..suite import Client
from .rabbit_node import RabbitNode

OPERATIONS = int(os.environ.get("LEDGER_OPERATIONS") or 0)
BROKER_OUTAGES = 5  # alternately killed (SIGKILL of the Erlang VM) and stopped cleanly
WORKER_KILLS = 2  # SIGKILLs of each service's worker
CLIENTS = 4  # requests in flight at once


RETRIED: Counter = Counter()  # gateway answers that made the ledger's client try again


class SinkProcess:
    """The SMTP server (services/common/smtp_sink.py) in a process of its own, as a real one
    is. In this process it parsed each message under the GIL the ledger's client threads share,
    and so answered "250" tens of milliseconds late under load: a worker killed in that time is
    the at-least-once window (services/mailer/delivery.py), stretched far beyond what a mail
    server gives. Messages are read back from its files, in the order they arrived."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.port = directory, free_port()
        self._parsed: dict[str, EmailMessage] = {}
        command = [sys.executable, "-m", "services.common.smtp_sink", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--dir", str(directory)], stdout=subprocess.DEVNULL
        )
        wait_until(self._listening, timeout=30, message="the SMTP sink")

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    @property
    def messages(self) -> list[EmailMessage]:
        for path in self.directory.glob("*.eml"):  # named by arrival time
            if path.name not in self._parsed and not path.name.startswith("."):  # written yet
                parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
                self._parsed[path.name] = parsed
        return [self._parsed[name] for name in sorted(self._parsed)]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def call(staff: Client, method: str, path: str, status: int, **kwargs) -> dict:
    """One request, tried again (as a client would) when the gateway answers 502-504: the
    service was restarting, or closed a kept-alive connection as the gateway reused it."""
    for attempt in range(5):
        response = staff.request(method, path, **kwargs)
        if response.status_code not in (502, 503, 504) or attempt == 4:
            break
        RETRIED[f"{method} {response.status_code}"] += 1
        time.sleep(0.5)
    if response.status_code == 409 and method == "POST" and path == "/api/v1/users" and attempt:
        # The first attempt did create the user before its answer was lost.
        found = call(staff, "GET", "/api/v1/users", 200, params={"q": kwargs["json"]["email"]})
        return found["items"][0]
    assert response.status_code == status, (method, path, response.text)
    return response.json()


def invite_and_share(staff: Client, company: dict) -> list[tuple[str, str]]:
    """A new contact invited, and a matter shown to them: the two e-mails the ledger expects,
    as (recipient, what)."""
    email = f"ledger.{uuid.uuid4().hex[:12]}@client.example"
    body = {
        "email": email,
        "name": "Ledger",
        "locale": "en",
        "kind": "portal",
        "memberships": [{"company_id": company["id"], "role": "primary"}],
    }
    user = call(staff, "POST", "/api/v1/users", 201, json=body)
    call(staff, "POST", f"/api/v1/users/{user['id']}/invite", 202)
    matter = {
        "kind": "case",
        "reference": f"LG-{uuid.uuid4().hex[:8]}",
        "title": "Ledger",
        "company_id": company["id"],
    }
    mid = call(staff, "POST", "/api/v1/matters", 201, json=matter)["id"]
    call(staff, "PUT", f"/api/v1/matters/{mid}/portal", 200, json={"requester_id": user["id"]})
    return [(email, "invitation"), (email, f"matter {mid}")]


MATTER_ID = re.compile(r"/matters/([0-9a-f-]{36})")


def what(message) -> str:
    text = text_of(message)
    if "accept-invitation" in text:
        return "invitation"
    found = MATTER_ID.search(text)
    return f"matter {found.group(1)}" if found else f"other: {message['Subject']}"


def ledger(sink: SinkProcess) -> tuple[dict, Counter]:
    """Positions of the copies of each Message-ID (one id per event and recipient) in the
    order received, and how many Message-IDs each expected e-mail got."""
    copies: dict[str, list[int]] = {}
    ids: dict[tuple[str, str], set] = {}
    for position, message in enumerate(sink.messages):
        copies.setdefault(message["Message-ID"], []).append(position)
        key = (str(message["X-RcptTo"]), what(message))
        ids.setdefault(key, set()).add(message["Message-ID"])
    return copies, Counter({key: len(found) for key, found in ids.items()})


def doubled(sink: SinkProcess, copies: dict, ids: Counter, faults: list) -> list[dict]:
    """Each e-mail received more than once, with the faults between its first and last copy
    (a fault's position is how many e-mails had arrived when it struck)."""
    messages = sink.messages
    found = []
    for message_id, positions in copies.items():
        if len(positions) > 1:
            first = messages[positions[0]]
            found.append(
                {
                    "message_id": message_id,
                    "to": str(first["X-RcptTo"]),
                    "what": what(first),
                    "copies": len(positions),
                    "faults_between": [
                        f"{kind} {target}"
                        for kind, target, at in faults
                        if positions[0] < at <= positions[-1]
                    ],
                }
            )
    found += [
        {"to": r, "what": w, "message_ids": n, "cause": "two events for one change"}
        for (r, w), n in ids.items()
        if n > 1
    ]
    return found


def outboxes_empty(suite, operator: Client) -> bool:
    return all(
        operator.get(suite.url(s) + "/admin/outbox", absolute=True).json()["pending"] == 0
        for s in SERVICES
    )


def parked(suite, operator: Client) -> dict[str, int]:
    found = {
        s: len(operator.get(suite.url(s) + "/admin/parked", absolute=True).json()["items"])
        for s in SERVICES
    }
    return {s: n for s, n in found.items() if n}


def log_lines(suite, needle: str) -> int:
    """How often workers logged `needle` (figures only, never asserted)."""
    return sum(
        (suite.logs / f"{s}-worker.log").read_text(errors="replace").count(needle) for s in SERVICES
    )


def test_no_email_lost_or_doubled_through_broker_outages_and_killed_workers(
    tmp_path, tmp_path_factory, new_database, s3_server
):
    node = RabbitNode(tmp_path)
    sink = SinkProcess(tmp_path / "mail")
    node.start()
    try:
        with running_suite(
            "ledger", tmp_path_factory, new_database, s3_server, sink, AMQP_URL=node.url
        ) as suite:
            figures = run_ledger(suite, node, sink)
    finally:
        node.stop(signal.SIGKILL)
        sink.stop()
    print("fault ledger:", json.dumps(figures))
    report = os.environ.get("LEDGER_REPORT")
    if report:
        with open(report, "w") as out:
            json.dump(figures, out, indent=2)
    assert not figures["lost"] and not figures["doubled"] and not figures["parked"], json.dumps(
        figures, indent=1
    )


def run_ledger(suite, node: RabbitNode, sink: SinkProcess) -> dict:
    staff = admin(suite)
    company = new_company(staff, "Ledger Ltd")
    units = OPERATIONS // 2  # each unit: an invitation and a share
    chunks = [list(range(units))[i::BROKER_OUTAGES] for i in range(BROKER_OUTAGES)]
    kills = itertools.cycle([s for _ in range(WORKER_KILLS) for s in SERVICES])
    kills_per_round = -(-len(SERVICES) * WORKER_KILLS // BROKER_OUTAGES)
    expected: list[tuple[str, str]] = []
    faults: list[tuple[str, str, int]] = []  # what, whom, e-mails received by then
    killed = 0
    # A quorum queue declared seconds before its node is SIGKILLed can be lost for good (RabbitMQ
    # 3.10 syncs its registry lazily): the first outage comes after the suite's queues settled.
    time.sleep(max(0.0, node.started_at + 20 - time.monotonic()))
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        for round_, chunk in enumerate(chunks):
            futures = [pool.submit(invite_and_share, staff, company) for _ in chunk]
            time.sleep(1)  # requests under way, events flowing
            how = signal.SIGKILL if round_ % 2 == 0 else signal.SIGTERM
            faults.append((how.name, "broker", len(sink.messages)))
            node.stop(how)
            time.sleep(3)  # requests keep succeeding: their events wait in the outboxes
            node.start()
            for _ in range(kills_per_round):
                if killed == len(SERVICES) * WORKER_KILLS:
                    break
                service = next(kills)
                time.sleep(0.5)
                faults.append(("SIGKILL", f"{service} worker", len(sink.messages)))
                suite.stop_worker(service, signal.SIGKILL)
                time.sleep(0.5)
                suite.start_worker(service)
                killed += 1
            for future in futures:
                expected.extend(future.result())
    requests_done = time.monotonic() - started

    def complete() -> bool:
        _copies, ids = ledger(sink)
        return all(ids.get(e) for e in expected)

    wait_until(complete, timeout=600, interval=1, message="every expected e-mail")
    operator = admin(suite)
    wait_until(lambda: outboxes_empty(suite, operator), timeout=120, message="outboxes drained")
    time.sleep(10)  # late copies (a redelivery after a restart) would arrive by now
    copies, ids = ledger(sink)
    wanted = Counter(expected)
    return {
        "invitations_and_shares": len(expected),
        "emails_expected": sum(wanted.values()),
        "emails_received": len(sink.messages),
        "broker_outages": BROKER_OUTAGES,
        "worker_kills": killed,
        "seconds_requests": round(requests_done, 1),
        "seconds_total": round(time.monotonic() - started, 1),
        "lost": sorted(f"{r} {w}" for (r, w) in wanted if not ids.get((r, w))),
        "doubled": doubled(sink, copies, ids, faults),
        "unexpected": sorted(f"{r} {w}" for (r, w) in ids if (r, w) not in wanted),
        "parked": parked(suite, operator),
        "requests_retried_after_gateway_5xx": dict(RETRIED),
        "duplicate_deliveries_ignored": log_lines(suite, "duplicate event"),
        "handler_failures": log_lines(suite, "handler failed"),
    }
