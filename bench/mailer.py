"""The mailer's sending rate: N invitation events queued in RabbitMQ, then the mailer's worker
(consumer, PostgreSQL, outbox relay) sends them to a local SMTP sink in its own process; once
with the SMTP session kept across e-mails (as it runs), once with a session per e-mail (as it
ran before), in the same run.

    .venv/bin/python -m bench mailer [--emails 1000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pika
from cryptography.fernet import Fernet

from services.common import broker, migrate
from services.common.events import Event
from services.common.sealing import seal
from services.common.testing import PG_URL, free_port, pg_admin, throwaway_vhost, wait_until


def invitation(email: str) -> Event:
    """`identity.invitation.sent` as identity publishes it: the link sealed for the mailer alone
    (MAIL_LINK_KEYS: `use_throwaway_link_key`)."""
    user_id = str(uuid.uuid4())
    return Event(
        type="identity.invitation.sent",
        subject=user_id,
        source="/identity",
        data={
            "invitation_id": str(uuid.uuid4()),
            "email": email,
            "user": {"id": user_id, "email": email, "name": "Bench", "locale": "en"},
            "sealed_url": seal("https://portal.example.com/portal/accept-invitation?token=t"),
            "expires_at": "2099-01-01T00:00:00Z",
            "invited_by": {"id": str(uuid.uuid4()), "name": "Jean Dupont"},
            "companies": [{"id": str(uuid.uuid4()), "name": "Acme SA"}],
        },
    )


def thread_cpu(thread: threading.Thread) -> float:
    """CPU seconds a live thread of this process used (Linux: /proc/self/task)."""
    stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
    utime, stime = stat.rsplit(")", 1)[1].split()[11:13]  # fields 14 and 15 of proc(5)
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


def use_throwaway_link_key() -> None:
    """A key sealing the benchmarks' invitation links, for the events and the mailer alike."""
    os.environ.setdefault("MAIL_LINK_KEYS", Fernet.generate_key().decode())


def _queue(app, url: str, count: int) -> None:
    config = app.config
    connection = broker.connect(url)
    channel = connection.channel()
    broker.declare_exchange(channel, config["EVENT_EXCHANGE"])
    keys = sorted(app.extensions["portal"].handlers)
    broker.declare_service_queues(
        channel,
        config["EVENT_EXCHANGE"],
        "mailer",
        keys,
        config["RETRY_DELAYS"],
        config["DELIVERY_LIMIT"],
    )
    channel.confirm_delivery()
    for i in range(count):
        event = invitation(f"bench{i}@example.com")
        properties = pika.BasicProperties(message_id=event.id, type=event.type, delivery_mode=2)
        channel.basic_publish(
            config["EVENT_EXCHANGE"], event.type, event.to_json().encode(), properties
        )
    connection.close()


def run(count: int, session_per_email: bool, smtp_port: int, mail_dir: Path) -> tuple[float, float]:
    """E-mails per second for `count` invitations, and the worker's CPU milliseconds per e-mail
    (this process: consumer, handler and relay threads; the sink runs apart)."""
    from services.common.worker import start_worker
    from services.mailer import create_app, smtp

    name = f"portal_bench_mailer_{uuid.uuid4().hex[:8]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    send = smtp.send
    try:
        migrate.upgrade("mailer", f"{PG_URL}/{name}")
        with throwaway_vhost(f"-bench-mailer-{uuid.uuid4().hex[:6]}") as url:
            app = create_app(
                SQLALCHEMY_DATABASE_URI=f"{PG_URL}/{name}",
                AMQP_URL=url,
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=smtp_port,
                PORTAL_FIRM_NAME="Dupont & Associés",
                MAIL_FROM="Dupont & Associés <portail@dupont.example>",
            )
            _queue(app, url, count)
            if session_per_email:

                def send_alone(config, message) -> None:
                    try:
                        send(config, message)
                    finally:
                        smtp.close_session()

                smtp.send = send_alone
            before = len(os.listdir(mail_dir))
            stop = threading.Event()
            started, cpu = time.perf_counter(), time.process_time()
            threads = start_worker(app, stop)
            wait_until(
                lambda: len(os.listdir(mail_dir)) - before >= count,
                timeout=600,
                interval=0.1,
                message=f"{count} e-mails",
            )
            elapsed = time.perf_counter() - started
            cpu_ms = 1000 * (time.process_time() - cpu) / count
            per_thread = {
                thread.name: 1000 * thread_cpu(thread) / count
                for thread in threading.enumerate()
                if thread.name.startswith("mailer-")
            }
            print("worker CPU ms per e-mail by thread:", end=" ")
            print(", ".join(f"{name} {ms:.1f}" for name, ms in sorted(per_thread.items())))
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            with app.app_context():
                app.extensions["portal"].db.engine.dispose()
            return count / elapsed, cpu_ms
    finally:
        smtp.send = send
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=1000)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    use_throwaway_link_key()
    with tempfile.TemporaryDirectory() as folder:
        mail_dir = Path(folder)
        port = free_port()
        sink = subprocess.Popen(
            [sys.executable, "-m", "services.common.smtp_sink", "--port", str(port)]
            + ["--dir", str(mail_dir)],
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda: _listening(port), timeout=30, message="the SMTP sink")
            kept = run(args.emails, False, port, mail_dir)
            alone = run(args.emails, True, port, mail_dir)
        finally:
            sink.terminate()
            sink.wait(timeout=30)
    print(f"load average after: {os.getloadavg()}")
    print(f"| mailer, {args.emails} invitations | e-mails/s | worker CPU ms per e-mail |")
    print("|---|---|---|")
    print(f"| SMTP session kept across e-mails | {kept[0]:.0f} | {kept[1]:.1f} |")
    print(f"| one SMTP session per e-mail | {alone[0]:.0f} | {alone[1]:.1f} |")
    print(f"\nkept / per e-mail: {kept[0] / alone[0]:.2f}")
    return 0


def _listening(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
