"""Throwaway backing services for a benchmark: a PostgreSQL database, a JWKS for minted tokens,
and SeaweedFS; each is removed when its block ends."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from minio import Minio

from services.common import migrate, testing
from services.common.testing import PG_URL, TokenMinter, pg_admin, wait_until


@contextmanager
def database(service: str) -> Iterator[str]:
    """The SQLAlchemy URL of a new database migrated for `service`; dropped at the end."""
    name = f"portal_bench_{service}_{uuid.uuid4().hex[:8]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        url = f"{PG_URL}/{name}"
        migrate.upgrade(service, url)
        yield url
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
    """The tests' SeaweedFS in a temporary directory, with an empty bucket; objects, bucket,
    server and directory go at the end."""
    data = Path(tempfile.mkdtemp(prefix="portal-bench-s3-"))
    try:
        with testing.seaweedfs(data, f"portal-bench-{uuid.uuid4().hex[:8]}") as s3:
            yield s3
            client = Minio(
                s3["S3_ENDPOINT"], s3["S3_ACCESS_KEY"], s3["S3_SECRET_KEY"], secure=False
            )
            empty_bucket(client, s3["S3_BUCKET"])
            client.remove_bucket(s3["S3_BUCKET"])
    finally:
        # A run once left part of the tree behind: retry, and fail loudly rather than silently.
        wait_until(lambda: _removed(data), timeout=10, message=f"{data} to be removed")


def _removed(path: Path) -> bool:
    shutil.rmtree(path, ignore_errors=True)
    return not path.exists()


def empty_bucket(client: Minio, bucket: str) -> None:
    for item in client.list_objects(bucket, recursive=True):
        client.remove_object(bucket, item.object_name)
