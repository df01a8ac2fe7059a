"""The gateway's gunicorn worker: gevent's own WSGI server (pywsgi), with the limits it lacks.

gunicorn's `gevent` worker runs gunicorn's HTTP parser and response writer on greenlets; with
an empty app they cost 192 µs of CPU per request against pywsgi's ~90 (README: gateway and
downloads). pywsgi alone would let a slow client hold a connection for ever, so this adds:

- a deadline on the request line and headers (`keepalive`, as gunicorn's gevent worker has):
  a client that stalls or trickles them, or idles between requests, has its connection closed;
- a body the app left unread is not read to its end (it may never come, as after the gateway's
  408): the answer says `Connection: close` and the connection closes;
- `Connection: keep-alive` or `close` on every HTTP/1.1 answer, as gunicorn sends;
- `gunicorn.socket` in the environ (the client's socket: body deadlines, spliced downloads);
- the status line and headers sent with the first block of the body, in one write;
- request headers parsed without the email package (http.client's parser cost ~30 µs).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import BinaryIO

from gevent import Timeout, pywsgi
from gunicorn.workers.ggevent import GeventPyWSGIWorker, PyWSGIHandler, PyWSGIServer

# Bodies up to this size go out in the same write as the headers; larger ones are not copied.
_JOIN_MAX = 64 * 1024
# gunicorn's limits on request header fields (limit_request_fields, limit_request_field_size).
_MAX_HEADERS = 100
_MAX_LINE = 8190
# Not passed on as HTTP_*: pywsgi sets CONTENT_TYPE and CONTENT_LENGTH itself.
_OWN_KEYS = frozenset(("CONTENT_TYPE", "CONTENT_LENGTH"))


class _HeadTimeout(socket.timeout):
    """The request line and headers did not arrive within the deadline."""


class _Body(pywsgi.Input):
    __slots__ = ("handler",)

    @property
    def finished(self) -> bool:
        if self.chunked_input:
            return self.chunk_length == 0
        return self.position >= (self.content_length or 0)

    def _discard(self) -> None:
        # pywsgi would read the rest, however long the client takes to send it.
        if not self.finished:
            self.handler.close_connection = True


class _Headers:
    """A request's header fields: the part of http.client's HTTPMessage that pywsgi reads.

    A malformed head sets `status`, which pywsgi answers with a 400: a line too long or cut off,
    too many fields, a field without a name, obsolete line folding (RFC 9112 §5.2), or a body
    framed ambiguously (below).
    """

    status = ""

    def __init__(self, rfile: BinaryIO) -> None:
        self.fields: list[tuple[str, str]] = []
        self._first: dict[str, str] = {}
        while True:
            line = rfile.readline(_MAX_LINE + 1)
            if line in (b"\r\n", b"\n"):
                self.status = self._framing_error()
                return
            if (
                len(line) > _MAX_LINE
                or not line.endswith(b"\n")
                or len(self.fields) >= _MAX_HEADERS
            ):
                self.status = "a header line too long or cut off, or too many"
                return
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or not name or name != name.strip():
                self.status = f"not a header line: {line[:80]!r}"
                return
            value = value.strip()
            self.fields.append((name, value))
            self._first.setdefault(name.lower(), value)

    def _framing_error(self) -> str:
        """Why the body's length is ambiguous, or "". A proxy in front that read it otherwise
        would take the rest of this body for another request (request smuggling), so only
        one Content-Length of digits, or `Transfer-Encoding: chunked` alone, is accepted."""
        lengths = {v for k, v in self.fields if k.lower() == "content-length"}
        codings = [v for k, v in self.fields if k.lower() == "transfer-encoding"]
        if len(lengths) > 1 or not all(v.isascii() and v.isdigit() for v in lengths):
            return "Content-Length is not one number"
        if codings and (lengths or len(codings) > 1 or codings[0].lower() != "chunked"):
            return "Transfer-Encoding is not `chunked` alone"
        return ""

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    getheader = get

    @property
    def typeheader(self) -> str | None:
        return self._first.get("content-type")

    def __delitem__(self, name: str) -> None:
        name = name.lower()
        self.fields = [(k, v) for k, v in self.fields if k.lower() != name]
        self._first.pop(name, None)

    def items(self) -> list[tuple[str, str]]:
        return self.fields


class Handler(PyWSGIHandler):
    """One client connection: its requests in turn, each head under the deadline."""

    _timer: Timeout | None = None

    def handle_one_request(self) -> tuple[str, bytes] | bool | None:
        try:
            return super().handle_one_request()
        finally:
            if self._timer is not None:
                self._timer.close()  # a request line too long, or the client left

    def read_requestline(self) -> str:
        # One timer for the request line and the headers; read_request cancels it.
        self._timer = Timeout.start_new(self.server.head_timeout, _HeadTimeout)
        try:
            return super().read_requestline()
        except _HeadTimeout:
            return ""  # pywsgi closes the connection without a word

    def read_request(self, raw_requestline: str) -> bool:
        try:
            return super().read_request(raw_requestline)
        finally:
            self._timer.close()

    def MessageClass(self, rfile: BinaryIO, *_: object) -> _Headers:  # noqa: N802 (pywsgi's name)
        return _Headers(rfile)

    def _headers(self) -> Iterator[tuple[str, str]]:
        for name, value in self.headers.fields:
            if "_" not in name:  # as pywsgi: `X_Forwarded_For` could pose as `X-Forwarded-For`
                key = name.replace("-", "_").upper()
                if key not in _OWN_KEYS:
                    yield "HTTP_" + key, value

    def _handle_client_error(self, ex: BaseException) -> tuple[str, bytes] | None:
        if isinstance(ex, _HeadTimeout):
            return None  # closed without an answer, as for a stalled request line
        return super()._handle_client_error(ex)

    def get_environ(self) -> dict:
        environ = super().get_environ()
        environ["gunicorn.socket"] = self.socket
        body = _Body(
            self.rfile,
            self.content_length,
            socket=self.wsgi_input.socket,
            chunked_input=self.wsgi_input.chunked_input,
        )
        body.handler = self
        if environ["wsgi.input"] is self.wsgi_input:
            environ["wsgi.input"] = body
        self.wsgi_input = body
        return environ

    def finalize_headers(self) -> None:
        super().finalize_headers()
        if not self.wsgi_input.finished:
            self.close_connection = True  # an early answer (413, 408): the rest is not read
        given = any(name.lower() == b"connection" for name, _ in self.response_headers)
        if self.request_version == "HTTP/1.1" and not given:
            self.response_headers.append(
                (b"Connection", b"close" if self.close_connection else b"keep-alive")
            )

    def process_result(self) -> None:
        for data in self.result:
            # An empty first block still sends the headers: a spliced body follows them.
            if data or (self.status and not self.headers_sent):
                self.write(data)
        if self.status and not self.headers_sent:
            self.write(b"")
        if self.response_use_chunked:
            self._sendall(b"0\r\n\r\n")

    def _write_with_headers(self, data: bytes) -> None:
        self.headers_sent = True
        self.finalize_headers()
        head = bytearray(b"HTTP/1.1 %b\r\n" % self.status)
        for name, value in self.response_headers:
            head += b"%b: %b\r\n" % (name, value)
        head += b"\r\n"
        if data and not self.response_use_chunked and len(data) <= _JOIN_MAX:
            head += data
            data = b""
        self._sendall(head)
        self._write(data)

    def log_request(self) -> None:
        pass  # the gateway writes its own access log (gateway/observe.py)


class Server(PyWSGIServer):
    head_timeout = 10.0


class GatewayWorker(GeventPyWSGIWorker):
    """`worker_class` in gateway/gunicorn_conf.py."""

    wsgi_handler = Handler

    def init_process(self) -> None:
        self.server_class = type("Server", (Server,), {"head_timeout": float(self.cfg.keepalive)})
        super().init_process()
