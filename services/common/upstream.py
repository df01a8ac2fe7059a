"""Keep-alive HTTP/1.1 connections to the services, and the exchange of one request over them:
the client of the gateway (to each service) and of web (to the API).

Its own small client rather than urllib3: a proxied GET spent 270 µs of CPU in urllib3 and
http.client (Retry and Timeout objects, the email-package header parser, a poll per reuse)
against 40 µs here, and on a two-core host that CPU is taken from the services (bench/
gateway_overhead.py, bench/web_matters.py). What both need is narrow: send a head and a body,
read a status line, headers and a body framed by Content-Length, chunked coding or the
connection's end (RFC 9112 §6.3). One pool of idle connections per base URL and process, made
after the fork.
"""

from __future__ import annotations

import json
import os
import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlsplit

from gevent.monkey import get_original

from services.common import splice

# The kernel's poll even under gevent, where select.poll builds a timer and watchers per call
# (~30 µs per reused connection); a zero timeout never blocks, so it is safe in a greenlet.
_poll = get_original("select", "poll")

# Uploads and bodies under SPLICE_MIN go through Python in blocks of this size: per 256 MiB the
# gateway spent 0.14 s of CPU at 64 KiB, 0.11 s at 256 KiB, 0.09 s at 1 MiB (bench/attachments.py);
# 256 KiB has most of the gain at a quarter of the memory.
BLOCKSIZE = 256 * 1024
_HEAD_BUFFER = 16 * 1024
# Bodies from this size on go from socket to socket by splice(2), through a pipe; smaller ones
# cost less in Python than a pipe costs to make.
SPLICE_MIN = 1024 * 1024
_MAX_LINE = 65536
# A service closes a kept-alive connection after gunicorn's keep-alive timeout (2 s by default).
# A connection idle for longer than this is not reused: a request with a body sent just as the
# service closes it could not be sent again, and would fail with a 502.
MAX_IDLE_SECONDS = 1.0
_MAX_HEADERS = 200


class Limits(Protocol):
    """A client's timeouts (seconds) and the idle connections it keeps per base URL."""

    connect_timeout: float
    read_timeout: float
    pool_maxsize: int


class UpstreamError(Exception):
    """The service could not be reached or answered something that is not HTTP."""


class Refused(UpstreamError):
    """Nothing accepted the connection."""


class UpstreamTimeout(UpstreamError):
    """Connecting, sending or waiting for the answer took longer than allowed."""


class NoAnswer(UpstreamError):
    """The connection closed before a complete answer came (also: a kept-alive connection the
    service had closed, which is worth one more try for a request without a body)."""


class HeaderLineBreak(ValueError):
    """A request header holds a line break (which would let a client add headers of its own)."""


class Pool:
    """Idle kept-alive connections to one service (host, port); the base URL's path prefix."""

    def __init__(self, base_url: str, settings: Limits) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"plain HTTP between the suite's parts, not {base_url!r}")
        self.address = (parts.hostname, parts.port or 80)
        self.host = parts.netloc  # the Host header the service expects
        self.prefix = parts.path.rstrip("/")
        self.connect_timeout = settings.connect_timeout
        self.read_timeout = settings.read_timeout
        self.maxsize = settings.pool_maxsize
        self._idle: list[_Connection] = []  # list.pop/append are atomic: fine for threads too

    def connection(self, connect_timeout: float | None = None) -> tuple[_Connection, bool]:
        """An idle connection still open (True), or a new one (False)."""
        while self._idle:
            try:
                conn = self._idle.pop()
            except IndexError:
                break
            if time.monotonic() - conn.idle_since < MAX_IDLE_SECONDS and conn.usable():
                return conn, True
            conn.close()
        try:
            sock = socket.create_connection(
                self.address, timeout=connect_timeout or self.connect_timeout
            )
        except TimeoutError as exc:
            raise UpstreamTimeout("connect") from exc
        except ConnectionRefusedError as exc:
            raise Refused("connect") from exc
        except OSError as exc:
            raise Refused(str(exc)) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Connection(sock), False

    def give_back(self, conn: _Connection) -> None:
        if len(self._idle) < self.maxsize:
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
        else:
            conn.close()


class _Connection:
    __slots__ = ("sock", "file", "idle_since")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.idle_since = 0.0
        # Made once per connection: readline and read1 run in C. The buffer holds heads; a
        # body block larger than it is read straight into its own bytes (no copy, no idle RAM).
        self.file: BinaryIO = sock.makefile("rb", buffering=_HEAD_BUFFER)

    def usable(self) -> bool:
        # An idle connection that is readable was closed by the service (or sent garbage).
        poller = _poll()
        poller.register(self.sock, select.POLLIN)
        return not poller.poll(0)

    def close(self) -> None:
        self.file.close()
        self.sock.close()


class Response:
    """The service's answer: status, reason, headers in order; the body as `stream()`."""

    __slots__ = (
        "pool",
        "conn",
        "status",
        "reason",
        "headers",
        "connection",
        "_framing",
        "_left",
        "_reuse",
    )

    def __init__(self, pool: Pool, conn: _Connection, method: str, spent: bool = False) -> None:
        # spent: the request was not sent whole, so the connection cannot carry another.
        self.pool, self.conn = pool, conn
        file = conn.file
        while True:
            version, self.status, self.reason = _status_line(file)
            self.headers = _header_lines(file)
            if not 100 <= self.status < 200:
                break  # an interim answer (103 Early Hints) is not passed on
        connection = encoding = length = None
        for name, value in self.headers:
            lower = name.lower()
            if lower == "connection":
                connection = value
            elif lower == "transfer-encoding":
                encoding = value
            elif lower == "content-length":
                length = value
        self.connection = _tokens(connection)  # the hop-by-hop headers it names
        self._reuse = not spent and version == "HTTP/1.1" and "close" not in self.connection
        self._left = 0
        if method == "HEAD" or self.status in (204, 304):
            self._framing = "none"
        elif encoding is not None:
            self._framing = "chunked" if _tokens(encoding)[-1:] == ("chunked",) else "close"
        elif length is not None and length.isdigit():
            self._framing, self._left = "length", int(length)
        elif length is not None:
            raise NoAnswer(f"Content-Length {length!r}")
        else:
            self._framing = "close"
        if self._framing == "close":
            self._reuse = False  # the body ends with the connection
        elif self._framing == "none":
            self.release()

    @property
    def has_body(self) -> bool:
        return self._framing != "none"

    def stream(self) -> Iterator[bytes]:
        """The body in blocks of at most BLOCKSIZE, as received (chunked coding removed)."""
        file = self.conn.file
        if self._framing == "length":
            left = self._left
            while left:
                block = file.read1(min(left, BLOCKSIZE))
                if not block:
                    raise NoAnswer(f"the body ended {left} bytes early")
                left -= len(block)
                yield block
        elif self._framing == "chunked":
            while size := _chunk_size(file):
                while size:
                    block = file.read1(min(size, BLOCKSIZE))
                    if not block:
                        raise NoAnswer("the chunked body ended early")
                    size -= len(block)
                    yield block
                if file.readline(_MAX_LINE) not in (b"\r\n", b"\n"):
                    raise NoAnswer("a chunk without its line end")
            while file.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                pass  # trailer fields: not passed on
        elif self._framing == "close":
            while block := file.read1(BLOCKSIZE):
                yield block
        self.release()

    def read(self) -> bytes:
        return b"".join(self.stream())

    @property
    def spliceable(self) -> int:
        """Bytes of a Content-Length body worth moving with splice(2); 0 when it is not."""
        return self._left if self._framing == "length" and self._left >= SPLICE_MIN else 0

    def splice_to(self, out: socket.socket) -> Iterator[bytes]:
        """The body moved from the service's socket to `out` inside the kernel: what was read
        with the head is yielded first (the server sends its status line and headers then), the
        rest never enters Python. gevent only: its sockets are non-blocking, and waiting for one
        yields to the other greenlets."""
        from gevent.socket import wait_read, wait_write

        head_part = self.conn.file.read1(min(self._left, _HEAD_BUFFER))  # empties the buffer
        left = self._left - len(head_part)
        yield head_part  # maybe b"": the server still sends the headers on it
        try:
            splice.move(
                self.conn.sock.fileno(),
                out.fileno(),
                left,
                lambda fd: wait_read(fd, timeout=self.pool.read_timeout),
                wait_write,  # a slow reader holds a greenlet, nothing more
            )
        except EOFError as exc:
            raise NoAnswer(str(exc)) from exc
        self.release()

    def release(self) -> None:
        """Hand the connection back once the body has been read, or close it."""
        conn, self.conn = self.conn, None
        if conn is not None:
            if self._reuse:
                self.pool.give_back(conn)
            else:
                conn.close()

    def close(self) -> None:
        """Drop the connection: unread bytes of this body would corrupt the next answer."""
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()


def exchange(
    pool: Pool,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes | Any | None = None,
    chunked: bool = False,
    retryable: bool = False,
    timeout: float | None = None,
) -> Response:
    """Send one request and read the answer's head. `body`: bytes, or a file-like object read
    in blocks (sent chunked when `chunked`, else under the Content-Length in `headers`).

    A kept-alive connection that the service closed meanwhile is retried once on a new one
    when `retryable` (no body, a method safe to repeat).
    """
    if chunked:
        headers = {**headers, "transfer-encoding": "chunked"}
    head = _head(method, target, pool.host, headers)
    while True:
        conn, reused = pool.connection(timeout)
        try:
            conn.sock.settimeout(timeout or pool.read_timeout)
            _send(conn.sock, head, body, chunked)
            return Response(pool, conn, method)
        except NoAnswer:
            conn.close()
            if reused and retryable:
                continue
            raise
        except TimeoutError as exc:
            conn.close()
            raise UpstreamTimeout("answer") from exc
        except (ConnectionResetError, BrokenPipeError) as exc:
            if body is not None and (early := _early_answer(pool, conn, method)) is not None:
                return early
            conn.close()
            if reused and retryable:
                continue
            raise NoAnswer(exc.__class__.__name__) from exc
        except OSError as exc:
            conn.close()
            raise UpstreamError(exc.__class__.__name__) from exc
        except BaseException:
            conn.close()  # the client's body failed half-way: this request cannot go on
            raise


def _early_answer(pool: Pool, conn: _Connection, method: str) -> Response | None:
    """The answer a service sent before it stopped reading the body (a 413 for a file over the
    limit, a 401): what the client must see, rather than a 502. None when nothing came."""
    try:
        return Response(pool, conn, method, spent=True)
    except (UpstreamError, OSError, ValueError):
        return None


def _head(method: str, target: str, host: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1\r\nhost: {host}\r\n"]
    for name, value in headers.items():
        lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    text = "".join(lines)
    # A line break inside a name or value would let a client add headers or a request.
    if text.count("\n") != len(headers) + 3 or "\r" in text.replace("\r\n", ""):
        raise HeaderLineBreak
    # WSGI hands header values over as latin-1 strings: the bytes go on as they came.
    return text.encode("latin-1")


def _send(sock: socket.socket, head: bytes, body: bytes | Any | None, chunked: bool) -> None:
    if body is None or isinstance(body, bytes):
        sock.sendall(head + body if body else head)
        return
    sock.sendall(head)
    while block := body.read(BLOCKSIZE):
        if chunked:
            sock.sendall(b"%x\r\n%b\r\n" % (len(block), block))
        else:
            sock.sendall(block)
    if chunked:
        sock.sendall(b"0\r\n\r\n")


def _status_line(file: BinaryIO) -> tuple[str, int, str]:
    line = file.readline(_MAX_LINE)
    if not line:
        raise NoAnswer("closed before the status line")
    parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise NoAnswer(f"not an HTTP status line: {line[:80]!r}")
    return parts[0], int(parts[1]), parts[2] if len(parts) > 2 else ""


def _header_lines(file: BinaryIO) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    while True:
        line = file.readline(_MAX_LINE)
        if line in (b"\r\n", b"\n"):
            return headers
        if not line.endswith(b"\n") or len(headers) >= _MAX_HEADERS:
            raise NoAnswer("a header line cut off, too long or too many")
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon or not name or name != name.strip():
            raise NoAnswer(f"not a header line: {line[:80]!r}")  # also obsolete line folding
        headers.append((name, value.strip()))


def _chunk_size(file: BinaryIO) -> int:
    line = file.readline(_MAX_LINE)
    try:
        return int(line.split(b";", 1)[0], 16)
    except ValueError:
        raise NoAnswer(f"not a chunk size: {line[:80]!r}") from None


def _tokens(value: str | None) -> tuple[str, ...]:
    return tuple(t.strip().lower() for t in value.split(",")) if value else ()


_lock = threading.Lock()
_pid = 0
_pools: dict[tuple, Pool] = {}


def pool_for(base_url: str, settings: Limits) -> Pool:
    """The pool for a base URL and limits, made once per process."""
    global _pid
    # Per limits too: the gateway's and web's pools to one service do not share timeouts.
    key = (base_url, settings.connect_timeout, settings.read_timeout, settings.pool_maxsize)
    found = _pools.get(key)
    # A pool inherited across a fork would share sockets with the parent: check the pid.
    if found is not None and _pid == os.getpid():
        return found
    with _lock:
        if _pid != os.getpid():
            _pools.clear()
            _pid = os.getpid()
        found = _pools.get(key)
        if found is None:
            found = _pools[key] = Pool(base_url, settings)
    return found


def get_json(base_url: str, path: str, settings: Limits, timeout: float) -> tuple[int, Any]:
    """GET a small JSON document from a service: (status, parsed body or None).

    Raises UpstreamError when the service cannot be reached in time.
    """
    pool = pool_for(base_url, settings)
    headers = {"accept": "application/json"}
    response = exchange(pool, "GET", pool.prefix + path, headers, retryable=True, timeout=timeout)
    try:
        data = response.read()
    except TimeoutError as exc:
        raise UpstreamTimeout("body") from exc
    except OSError as exc:
        raise UpstreamError(exc.__class__.__name__) from exc
    finally:
        response.close()  # a no-op once read: the connection went back to the pool
    try:
        body = json.loads(data) if response.status == 200 else None
    except ValueError:
        body = None
    return response.status, body
