"""The object store (MinIO, or SeaweedFS in development): streaming put and get with a size
limit, SHA-256 and type sniffing, deletion, and the readiness check."""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import logging
import mmap
import os
import select
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import filetype
import urllib3
from flask import Flask
from minio import Minio
from minio.datatypes import Part
from minio.error import MinioException, S3Error

from . import offload, splice
from .config import env_bool, env_int, env_str
from .problems import ProblemError

log = logging.getLogger(__name__)

MIB = 1024 * 1024
# One buffer of this size per upload in flight is the memory an upload costs. S3's smallest
# part; 10,000 parts still allow 48 GiB objects.
DEFAULT_PART_SIZE = 5 * MIB
SNIFF_BYTES = 8192  # what `filetype` looks at
STORE_ERRORS = (MinioException, urllib3.exceptions.HTTPError, ConnectionError)


def storage_settings() -> dict:
    return {
        "S3_ENDPOINT": env_str("S3_ENDPOINT", "127.0.0.1:8333"),
        "S3_ACCESS_KEY": env_str("S3_ACCESS_KEY", "portal"),
        "S3_SECRET_KEY": env_str("S3_SECRET_KEY", "portal-dev-secret"),
        "S3_BUCKET": env_str("S3_BUCKET", "portal-documents"),
        "S3_SECURE": env_bool("S3_SECURE", False),
        # Multipart part size of streamed uploads: one buffer of it per upload in flight.
        "S3_PART_SIZE": env_int("S3_PART_SIZE", DEFAULT_PART_SIZE),
    }


def client(app: Flask) -> Minio:
    """One client per process, made lazily: a client made before a fork (the bucket check at
    startup under `gunicorn --preload`) is never shared with the children."""
    made = app.extensions.get("s3")
    if made is None or made[0] != os.getpid():
        c = app.config
        # minio's own default waits 5 minutes to connect and retries 5 times: a store that is
        # down would hang readiness checks and requests instead of answering 503.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=120),
            maxsize=10,
            retries=urllib3.Retry(
                total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
            ),
        )
        s3 = Minio(
            c["S3_ENDPOINT"],
            c["S3_ACCESS_KEY"],
            c["S3_SECRET_KEY"],
            secure=c["S3_SECURE"],
            http_client=http,
        )
        made = app.extensions["s3"] = (os.getpid(), s3)
    return made[1]


def ensure_bucket(app: Flask) -> None:
    s3 = client(app)
    if not s3.bucket_exists(app.config["S3_BUCKET"]):
        s3.make_bucket(app.config["S3_BUCKET"])


def ping(app: Flask) -> None:
    """Readiness: the store answers and our bucket is there."""
    if not client(app).bucket_exists(app.config["S3_BUCKET"]):
        raise RuntimeError(f"bucket {app.config['S3_BUCKET']} does not exist")


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    content_type: str


def unavailable() -> ProblemError:
    return ProblemError(
        503,
        "The document store cannot be reached right now; try again in a moment.",
        code="STORAGE_UNAVAILABLE",
    )


def too_large(max_bytes: int) -> ProblemError:
    limit = f"{max_bytes / MIB:.1f}".removesuffix(".0")
    return ProblemError(
        413,
        f"The file is larger than the {limit} MB limit; send a smaller file or split it.",
        code="PAYLOAD_TOO_LARGE",
        headers={"Connection": "close"},  # the rest of the body is not read
    )


def sniff(head: bytes) -> str:
    """The content type from the first bytes (never from the client's name or header)."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if head and b"\x00" not in head:
        try:  # not final: the sample may end inside a multi-byte character
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            return "application/octet-stream"
        return "text/plain; charset=utf-8"
    return "application/octet-stream"


def _read_function(source: Any) -> Callable[[int], bytes]:
    """`read(n)` over a file-like object or an iterator of byte chunks (never more than n)."""
    if hasattr(source, "read"):
        return source.read
    chunks = iter(source)
    pending = b""

    def read(n: int) -> bytes:
        nonlocal pending
        while not pending:
            pending = next(chunks, None)
            if pending is None:
                pending = b""
                return b""
        if n < 0:
            n = len(pending)
        data, pending = pending[:n], pending[n:]
        return data

    return read


_READ_SIZE = 256 * 1024  # bounds what a reader hands over at once, on top of the buffer


class _Parts:
    """The upload's bytes, one part at a time, in one buffer reused for every part: counted,
    hashed, and stopped as soon as they pass the limit."""

    def __init__(self, read: Callable[[int], bytes], part_size: int, max_bytes: int) -> None:
        self._read, self.max_bytes = read, max_bytes
        self.part_size = part_size
        # Mapped on its own, not from malloc: unmapped when the upload ends. A freed 5 MiB
        # bytearray raises glibc's mmap threshold, so the next upload's buffer comes from the
        # heap of its thread's arena and stays in the process's RSS after it.
        self._buffer = memoryview(mmap.mmap(-1, part_size))
        self.size = 0
        self.hash = hashlib.sha256()

    def put(self, data: bytes, at: int) -> int:
        """Add `data` at `at` in the buffer; the position after it."""
        self.size += len(data)
        if self.size > self.max_bytes:
            raise too_large(self.max_bytes)
        self.hash.update(data)
        self._buffer[at : at + len(data)] = data
        return at + len(data)

    def next(self, at: int = 0) -> memoryview:
        """The next part (the buffer filled from `at`; shorter at the end, empty after it).
        Valid until the next call: it is a view of the buffer, not a copy."""
        while at < self.part_size:
            data = self._read(min(self.part_size - at, _READ_SIZE))
            if not data:
                break
            at = self.put(data, at)
        return self._buffer[:at]


def put_stream(
    app: Flask,
    reader: Any,
    max_bytes: int,
    check: Callable[[str, bytes], None] | None = None,
) -> StoredObject:
    """Stream `reader` (file-like or iterator of bytes) to a new object under a generated key.

    `check(content_type, first_bytes)` may refuse the file (raise) before anything is stored.

    One buffer of S3_PART_SIZE is in memory, nothing on local disk: each part is read into it
    and sent from it, never copied (minio's put_object with an unknown length held about four
    copies of each part). A body that fits in one part is one PUT; a longer one a multipart
    upload. Past `max_bytes` the upload stops with a 413 problem; on that or any other failure,
    even SystemExit, the multipart upload is aborted and nothing stays in the bucket (a process
    killed outright leaves its upload to the sweeper).
    """
    read = _read_function(reader)
    head = b""
    while len(head) < SNIFF_BYTES and len(head) <= max_bytes:
        chunk = read(SNIFF_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    content_type = sniff(head)
    if check is not None:
        check(content_type, head)
    parts = _Parts(read, app.config.get("S3_PART_SIZE", DEFAULT_PART_SIZE), max_bytes)
    first = parts.next(parts.put(head, 0))
    s3, bucket, key = client(app), app.config["S3_BUCKET"], str(uuid.uuid4())
    headers = {"Content-Type": content_type}
    upload_id = None
    try:
        if len(first) < parts.part_size:
            _on_store(s3._put_object, bucket, key, first, headers)
        else:
            upload_id = _on_store(s3._create_multipart_upload, bucket, key, headers)
            _send_parts(s3, bucket, key, upload_id, parts, first)
    except BaseException:
        _discard(s3, bucket, key, upload_id)
        raise
    return StoredObject(key, parts.size, parts.hash.hexdigest(), content_type)


def _send_parts(
    s3: Minio, bucket: str, key: str, upload_id: str, parts: _Parts, part: memoryview
) -> None:
    """`part` and every one after it, then the upload completed. minio's own S3 calls: its
    public API has none that sends a part from a buffer of ours."""
    sent: list[Part] = []
    while part:
        number = len(sent) + 1
        etag = _on_store(s3._upload_part, bucket, key, part, None, upload_id, number)
        sent.append(Part(number, etag))
        part = parts.next()
    _on_store(s3._complete_multipart_upload, bucket, key, upload_id, sent)


def _discard(s3: Minio, bucket: str, key: str, upload_id: str | None) -> None:
    """Best effort after a failed upload: abort the multipart upload and delete the object
    (stored if only the store's answer was lost)."""
    try:
        if upload_id is not None:
            s3._abort_multipart_upload(bucket, key, upload_id)
        s3.remove_object(bucket, key)
    except Exception:
        log.exception("could not clean up object %s after a failed upload", key)


def _on_store(call: Callable[..., Any], *args: Any) -> Any:
    """`call(*args)` on the store; its failure is an outage (503) for the caller."""
    try:
        return call(*args)
    except STORE_ERRORS as exc:
        log.exception("upload to the object store failed")
        raise unavailable() from exc


@contextlib.contextmanager
def deleted_on_error(app: Flask, key: str) -> Iterator[None]:
    """Delete the object `key` if the block fails (e.g. the database write after the upload)."""
    try:
        yield
    except BaseException:
        try:
            delete(app, key)
        except Exception:
            log.exception("could not delete orphan object %s", key)
        raise


# A download from this size on moves from the store's socket to the client's inside the kernel
# (splice(2)): a quarter of the CPU of copying each block through Python (bench/attachments.py).
SPLICE_MIN = MIB
_FIRST_READ = 64 * 1024


class ObjectStream:
    """The chunks of one stored object; the connection is released when iteration ends or
    when the WSGI server closes the response (client gone), whichever comes first.

    With `client` (the WSGI server's socket to the client, plain and blocking, as gunicorn's
    gthread worker hands it over), a large body is spliced into it: the first block goes
    through the server (which sends the status line and headers with it), the rest never
    enters Python.
    """

    def __init__(self, response: Any, chunk: int, client: socket.socket | None = None) -> None:
        self._response, self._chunk, self._client = response, chunk, client
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            spliced = self._splice_source()
            if spliced is None:
                yield from self._response.stream(self._chunk)
            else:
                yield from _splice(*spliced, self._client)
        finally:
            self.close()

    def _splice_source(self) -> tuple[bytes, socket.socket, int] | None:
        """(the bytes read along with the head, the store's socket, the bytes left after them),
        or None when the body cannot be spliced."""
        response, client = self._response, self._client
        if client is None or not splice.available() or hasattr(client, "cipher"):
            return None
        if type(client).__module__.startswith("gevent"):
            return None  # a blocking poll would stop every greenlet
        left = response.length_remaining  # by Content-Length; None when chunked
        conn = response.connection
        sock = getattr(conn, "sock", None)
        # What http.client buffered past the head: urllib3 offers no public way to it.
        buffered = getattr(getattr(response, "_fp", None), "fp", None)
        if left is None or left < SPLICE_MIN or sock is None or buffered is None:
            return None
        if hasattr(sock, "cipher"):
            return None  # TLS to the store: the bytes on the socket are not the object's
        first = buffered.read1(min(left, _FIRST_READ))  # what is buffered, or one read
        return first, sock, left - len(first)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._response.close()
            self._response.release_conn()


def _splice(
    first: bytes, source: socket.socket, left: int, target: socket.socket
) -> Iterator[bytes]:
    yield first  # maybe b"": the server still sends the status line and headers on it
    timeout = source.gettimeout()  # with a timeout, the socket is non-blocking underneath

    def wait(sock: socket.socket, events: int, timeout: float | None) -> None:
        poller = select.poll()
        poller.register(sock, events)
        if not poller.poll(None if timeout is None else timeout * 1000):
            raise TimeoutError("the store sent nothing in time")

    try:
        splice.move(
            source.fileno(),
            target.fileno(),
            left,
            lambda _fd: wait(source, select.POLLIN, timeout),
            lambda _fd: wait(target, select.POLLOUT, None),
        )
    except EOFError as exc:
        raise ConnectionError(f"the store's answer: {exc}") from exc


def origin(app: Flask) -> str:
    """The store's origin as a client reaches it: what `X-Portal-Offload` must name (offload.py)."""
    return f"{'https' if app.config['S3_SECURE'] else 'http'}://{app.config['S3_ENDPOINT']}"


def presigned_get(app: Flask, key: str) -> str:
    """A URL that GETs `key` for URL_SECONDS without credentials (signed here, no round trip
    once the bucket's region is known)."""
    bucket = app.config["S3_BUCKET"]
    return client(app).presigned_get_object(bucket, key, timedelta(seconds=offload.URL_SECONDS))


def open_stream(
    app: Flask,
    key: str,
    chunk: int = 256 * 1024,
    offset: int = 0,
    length: int = 0,
    send_to: socket.socket | None = None,
) -> Iterable[bytes]:
    """Open `key` now (so that a missing object or a down store fails before any byte is
    sent) and return its chunks (`length` bytes from `offset`; 0: to the end); the response
    closing releases the connection. `send_to`: the client's socket, see ObjectStream."""
    try:
        response = client(app).get_object(
            app.config["S3_BUCKET"], key, offset=offset, length=length
        )
    except S3Error as exc:
        if exc.code == "NoSuchKey":
            raise  # a version without its object is a bug, not an outage
        log.exception("could not open object %s", key)
        raise unavailable() from exc
    except STORE_ERRORS as exc:
        log.exception("could not open object %s", key)
        raise unavailable() from exc
    return ObjectStream(response, chunk, send_to)


def delete(app: Flask, key: str) -> None:
    client(app).remove_object(app.config["S3_BUCKET"], key)
