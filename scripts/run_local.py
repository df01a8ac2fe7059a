"""`make run`: start the whole suite on this machine and stop all of it on Ctrl-C.

Order: RabbitMQ and Redis checks, free ports, S3 (SeaweedFS `weed mini`) and the SMTP sink,
migrations, first admin, every service with its worker, the web portal, the gateway; then wait
on /healthz and supervise. Every part starts through `portal PART [COMMAND]` (services/cli.py),
the entry point of the container image too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pika
import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from services.common.config import SERVICE_PORTS, VAR_DIR  # noqa: E402

BIN = Path(sys.executable).parent  # portal, weed and python all come from this venv
PORTAL = BIN / "portal"
HOST = "127.0.0.1"
# The services with a database and a worker; the portal (web) has neither, the gateway neither.
SERVICES = [name for name in SERVICE_PORTS if name not in ("gateway", "web")]
WIDTH = max(len(f"{name}-migrate") for name in SERVICES)
STOP_GRACE = 15.0  # seconds between SIGTERM and SIGKILL; weed mini alone needs about 4
DEFAULTS = {
    "PYTHONUNBUFFERED": "1",
    "PORTAL_VAR_DIR": str(VAR_DIR),
    "AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/%2F",
    "S3_ENDPOINT": "127.0.0.1:8333",
    "S3_ACCESS_KEY": "portal",
    "S3_SECRET_KEY": "portal-dev-secret",
    "S3_BUCKET": "portal-documents",
    "SMTP_HOST": HOST,
    "SMTP_PORT": "8025",
    "PORTAL_ADMIN_EMAIL": "admin@example.com",
    # The mailer refuses to start without the firm's name and sender (see services/mailer/config).
    "PORTAL_FIRM_NAME": "Example Firm",
    "MAIL_FROM": "Example Firm <portal@firm.example>",
    # Told of each intervention a customer requests in the portal.
    "MAIL_DISPATCH_ADDRESS": "dispatch@firm.example",
    "WEB_REDIS_URL": "redis://127.0.0.1:6379/0",
    # Seals e-mailed links for the mailer alone (services/common/sealing.py); a development key.
    "MAIL_LINK_KEYS": "ZGV2LW9ubHktbWFpbC1saW5rLWtleS0zMi1ieXRlcyE=",
    # Below STOP_GRACE, so that gunicorn drains its requests before we would kill it.
    "GRACEFUL_TIMEOUT": "10",
}


class Failure(Exception):
    """Something the person running the suite must fix; the message says what."""


class Stopped(Exception):
    """Ctrl-C or SIGTERM arrived."""


def build_env() -> dict[str, str]:
    env = dict(os.environ)
    for key, value in DEFAULTS.items():
        env[key] = env.get(key) or value
    if "GATEWAY_STORE_URL" not in env and env.get("S3_SECURE", "false").lower() == "false":
        # The gateway fetches the downloads documents authorises from the store itself.
        env["GATEWAY_STORE_URL"] = f"http://{env['S3_ENDPOINT']}"
    if not env.get("PORTAL_ADMIN_PASSWORD"):
        # Generated once and kept, so the password printed is the one the (idempotent) admin has.
        stored = VAR_DIR / "admin-password"
        if not stored.exists():
            stored.write_text(secrets.token_urlsafe(12) + "\n")
            stored.chmod(0o600)
        env["PORTAL_ADMIN_PASSWORD"] = stored.read_text().strip()
    return env


def rabbitmq_problem(url: str) -> str | None:
    params = pika.URLParameters(url)
    params.socket_timeout = params.stack_timeout = params.blocked_connection_timeout = 3
    params.connection_attempts = 1
    where = f"{params.host}:{params.port}"
    try:
        pika.BlockingConnection(params).close()
    except pika.exceptions.ProbableAuthenticationError:
        return f"RabbitMQ at {where} refused the user and password in AMQP_URL"
    except pika.exceptions.ProbableAccessDeniedError:
        return f"RabbitMQ at {where} denied access to vhost {params.virtual_host!r} (AMQP_URL)"
    except pika.exceptions.AMQPError:
        return f"RabbitMQ is not reachable at {where} — start it with: rabbitmq-server -detached"
    return None


def redis_problem(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis (the portal's sessions) is not usable at {url}: {error}"
    return None


def local_ports(env: dict[str, str]) -> tuple[int | None, int | None]:
    """The S3 and SMTP ports to serve here, or None where the settings point elsewhere."""
    s3_host, _, s3_port = env["S3_ENDPOINT"].rpartition(":")
    local = (HOST, "localhost")
    return (
        int(s3_port) if s3_host in local else None,
        int(env["SMTP_PORT"]) if env["SMTP_HOST"] in local else None,
    )


def ended(code: int) -> str:
    return f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"


def answering(port: int, path: str | None) -> bool:
    """Does the port accept connections, or, given a path, answer 200 there?"""
    try:
        if path:
            return requests.get(f"http://{HOST}:{port}{path}", timeout=2).status_code == 200
        socket.create_connection((HOST, port), timeout=1).close()
    except OSError:  # requests' errors are OSErrors too
        return False
    return True


class Suite:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.relays: list[threading.Thread] = []
        self.stopping = threading.Event()
        self.output = threading.Lock()

    def say(self, text: str, name: str = "run_local") -> None:
        with self.output:
            print(f"{name:<{WIDTH}} | {text}", flush=True)

    def spawn(self, name: str, command: list, extra_env: dict | None = None) -> subprocess.Popen:
        process = subprocess.Popen(
            [str(part) for part in command],
            cwd=ROOT,
            env={**self.env, **(extra_env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: Ctrl-C reaches only us, we stop it
        )
        self.children.append((name, process))
        self.relays.append(threading.Thread(target=self._relay, args=(name, process), daemon=True))
        self.relays[-1].start()
        return process

    def _relay(self, name: str, process: subprocess.Popen) -> None:
        for raw in iter(process.stdout.readline, b""):
            self.say(raw.decode(errors="replace").rstrip(), name)

    def check_children(self) -> None:
        if self.stopping.is_set():
            raise Stopped
        for name, process in self.children:
            if (code := process.poll()) is not None:
                raise Failure(f"{name} {ended(code)} unexpectedly; see its lines above")

    def wait_for(self, what: str, port: int, path: str | None = None, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not answering(port, path):
            self.check_children()
            if time.monotonic() > deadline:
                raise Failure(f"{what} did not come up within {timeout:.0f}s")
            self.stopping.wait(0.2)

    def run_step(self, name: str, command: list) -> None:
        """A one-shot command (migrations, first admin) that must succeed before going on."""
        process = self.spawn(name, command)
        while process.poll() is None:
            if self.stopping.wait(0.2):
                raise Stopped
        self.children.remove((name, process))
        if process.returncode != 0:
            raise Failure(f"{name} {ended(process.returncode)}; see its lines above")

    def start(self) -> None:
        env = self.env
        s3_port, smtp_port = local_ports(env)
        for folder in ("db", "s3", "mail"):
            (VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
        if s3_port:
            weed = [BIN / "weed", "mini", f"-dir={VAR_DIR / 's3'}", f"-ip={HOST}"]
            weed += [f"-ip.bind={HOST}", f"-s3.port={s3_port}", "-admin.ui=false", "-webdav=false"]
            weed += ["-s3.port.iceberg=0", "-s3.port.lance=0", f"-bucket={env['S3_BUCKET']}"]
            keys = {"AWS_ACCESS_KEY_ID": env["S3_ACCESS_KEY"]}
            keys["AWS_SECRET_ACCESS_KEY"] = env["S3_SECRET_KEY"]
            self.spawn("s3", weed, keys)
        if smtp_port:
            sink = [sys.executable, "-m", "services.common.smtp_sink", "--host", HOST]
            self.spawn("smtp-sink", [*sink, "--port", smtp_port, "--dir", VAR_DIR / "mail"])
        for what, port in (("S3 (weed mini)", s3_port), ("the SMTP sink", smtp_port)):
            if port:
                self.wait_for(what, port)
        for name in SERVICES:
            self.run_step(f"{name}-migrate", [PORTAL, name, "migrate"])
        self.run_step("create-admin", [PORTAL, "identity", "create-admin"])
        # Each web process's Prometheus files go to var/prometheus/<part> (emptied by portal).
        for name in SERVICES:
            self.spawn(name, [PORTAL, name, "web", "--host", HOST])
            self.spawn(f"{name}-worker", [PORTAL, name, "worker"])
        self.spawn("web", [PORTAL, "web", "--host", HOST])
        self.spawn("gateway", [PORTAL, "gateway", "--host", HOST])
        for name, port in SERVICE_PORTS.items():
            self.wait_for(f"{name} /healthz", port, "/healthz")

    def supervise(self) -> None:
        while True:
            self.check_children()
            self.stopping.wait(0.5)

    def stop_all(self) -> None:
        for _name, process in reversed(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for name, process in self.children:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{name} did not stop within {STOP_GRACE:.0f}s; killing it")
        for _name, process in self.children:
            # A group can outlive its leader (orphaned grandchildren): kill what is left of it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for relay in self.relays:
            relay.join(timeout=1)  # let the last lines of each child through


def summary(env: dict[str, str]) -> str:
    def rel(path: Path) -> str:
        return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)

    rows = [(name, f"http://{HOST}:{port}") for name, port in SERVICE_PORTS.items()]
    rows[0] = ("gateway", f"{rows[0][1]}   (API /api/v1, OpenAPI /openapi.json)")
    rows.insert(1, ("portal", f"{rows[0][1].split()[0]}/portal/   (sign in as a client)"))
    s3 = f"http://{env['S3_ENDPOINT']}   bucket {env['S3_BUCKET']}, key {env['S3_ACCESS_KEY']}"
    rows += [
        ("S3", s3),
        ("mail", f"{rel(VAR_DIR / 'mail')}/*.eml   (SMTP {env['SMTP_HOST']}:{env['SMTP_PORT']})"),
        ("databases", f"{rel(VAR_DIR / 'db')}/"),
        ("admin", f"{env['PORTAL_ADMIN_EMAIL']} / {env['PORTAL_ADMIN_PASSWORD']}"),
    ]
    lines = [f"  {label:<14}{where}" for label, where in rows]
    return "\n".join(["", "  The client portal suite is up. Ctrl-C stops everything.", *lines, ""])


def main() -> int:
    logging.getLogger("pika").setLevel(logging.CRITICAL)  # our one line says it better
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    env = build_env()
    for problem in (rabbitmq_problem(env["AMQP_URL"]), redis_problem(env["WEB_REDIS_URL"])):
        if problem:
            print(problem, file=sys.stderr)
            return 1
    s3_port, smtp_port = local_ports(env)
    wanted = {port: f"the {name} service" for name, port in SERVICE_PORTS.items()}
    wanted.update({s3_port: "S3 (weed mini)", smtp_port: "the SMTP sink"})
    for port, what in wanted.items():
        if port and answering(port, None):
            hint = f"is the suite already running? (see: ss -ltnp 'sport = :{port}')"
            print(f"Port {port} for {what} is already in use on {HOST} — {hint}", file=sys.stderr)
            return 1

    suite = Suite(env)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: suite.stopping.set())
    code = 0
    try:
        suite.start()
        print(summary(env), flush=True)
        suite.supervise()
    except Stopped:
        pass
    except Failure as failure:
        suite.say(f"{failure} — stopping the rest")
        code = 1
    finally:
        suite.say("stopping ...")
        suite.stop_all()
        suite.say("all stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
