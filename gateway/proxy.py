"""The streaming reverse proxy: request and response bodies flow through in chunks, never whole."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Response
from gevent.monkey import is_module_patched
from werkzeug.wsgi import get_input_stream

from gateway.client_body import ClientBodyTimeout, DeadlineReader, UploadSlots
from gateway.config import Settings
from gateway.forwarding import forwarded_headers
from gateway.offload import fetch, head, object_url
from services.common import splice
from services.common.network import Network
from services.common.offload import OBJECT, OFFLOAD
from services.common.problems import problem
from services.common.upstream import (
    BLOCKSIZE,
    HeaderLineBreak,
    NoAnswer,
    Refused,
    UpstreamError,
    UpstreamTimeout,
    exchange,
    pool_for,
)
from services.common.upstream import Response as Upstream

HOP_BY_HOP = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        # The gateway's server already answered `100 Continue` to the client itself.
        "expect",
    )
)
_OFFLOAD, _OBJECT = OFFLOAD.lower(), OBJECT.lower()
# Set by the gateway itself, never taken from the client or the service.
_OWN_HEADERS = frozenset(
    ("host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", _OFFLOAD, _OBJECT)
)
# The service's `Server` is dropped too: the gateway says nothing about what runs behind it.
_SKIP_RESPONSE = HOP_BY_HOP | {"x-request-id", "server", _OBJECT}
# A download handed over: the length is the store's, the service sent no body.
_SKIP_HANDED_OVER = _SKIP_RESPONSE | {"content-length"}
# Safe to send twice when a pooled keep-alive connection turns out to be closed by the service.
_RETRYABLE = frozenset(("GET", "HEAD", "OPTIONS"))


def forward(
    environ: dict,
    start_response: Callable,
    service: str,
    settings: Settings,
    uploads: UploadSlots,
) -> Iterable[bytes]:
    """WSGI: send the request to `service` and stream its answer back.

    Plain WSGI rather than a Flask view: Flask's request context and response object cost more
    per request than everything else the gateway does besides the upstream call itself.
    """
    headers = _request_headers(environ, settings.trusted_proxies)
    if settings.store_url:
        headers[_OFFLOAD] = settings.store_url  # the services may hand downloads over
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    length = environ.get("CONTENT_LENGTH")
    if not chunked and length in (None, "", "0"):
        if length:
            headers["content-length"] = length
        return _exchange(environ, start_response, service, settings, headers, None)
    if not uploads.take():
        return problem(
            503,
            "The gateway is receiving too many uploads at once; send yours again in a moment.",
            code="TOO_MANY_UPLOADS",
            headers={"Retry-After": "5"},
        )(environ, start_response)
    if not chunked:
        # The stream goes as-is under the client's length: never both length and chunked.
        headers["content-length"] = length
    sock = environ.get("gunicorn.socket")
    try:
        # What Flask's request.stream is: bounded by Content-Length, or the server's chunked
        # reader; read under the body deadline.
        reader = DeadlineReader(
            get_input_stream(environ), sock, settings.body_timeout, settings.body_min_rate
        )
        body: DeadlineReader | bytes = reader
        if not chunked and int(length) <= settings.buffer_bytes:
            # Small bodies (every JSON request) are received whole first: a slow client then
            # holds a greenlet here, never one of the service's few threads.
            body = b"".join(iter(lambda: reader.read(BLOCKSIZE), b""))
        return _exchange(environ, start_response, service, settings, headers, body)
    except ClientBodyTimeout:
        return _too_slow()(environ, start_response)
    finally:
        uploads.give_back()
        if sock is not None:
            sock.settimeout(None)  # the response may take its time to reach a slow reader


def _exchange(
    environ: dict,
    start_response: Callable,
    service: str,
    settings: Settings,
    headers: dict[str, str],
    body: DeadlineReader | bytes | None,
) -> Iterable[bytes]:
    pool = pool_for(settings.upstreams[service], settings)
    method = environ["REQUEST_METHOD"]
    try:
        upstream = exchange(
            pool,
            method,
            pool.prefix + _raw_target(environ),
            headers,
            body,
            chunked="content-length" not in headers and body is not None,
            retryable=body is None and method in _RETRYABLE,
        )
    except ClientBodyTimeout:
        failure = _too_slow()
    except HeaderLineBreak:
        failure = problem(400, "A request header holds a line break.", code="BAD_HEADER")
    except Refused:
        failure = _failure(service, 503, "refused the connection")
    except UpstreamTimeout:
        failure = _timeout(service, settings)
    except NoAnswer:
        failure = _failure(service, 502, "closed the connection without an answer")
    except UpstreamError as error:
        failure = _failure(service, 502, f"failed: {error}")
    else:
        url = object_url(upstream)
        if url is None:
            return _respond(upstream, start_response, _splice_target(environ))
        stored = fetch(upstream, url, settings)
        if isinstance(stored, Upstream):
            headers = head(upstream, stored, _SKIP_HANDED_OVER.union(upstream.connection))
            return _respond(stored, start_response, _splice_target(environ), headers)
        failure = stored
    return failure(environ, start_response)


def _request_headers(environ: dict, trusted: tuple[Network, ...]) -> dict[str, str]:
    headers: dict[str, str] = {}
    connection_tokens = _tokens(environ.get("HTTP_CONNECTION", ""))
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
            if name in HOP_BY_HOP or name in _OWN_HEADERS or name in connection_tokens:
                continue
            headers[name] = value
    if "CONTENT_TYPE" in environ:
        headers["content-type"] = environ["CONTENT_TYPE"]
    headers.update(forwarded_headers(environ, trusted))
    return headers


def _raw_target(environ: dict) -> str:
    # The raw target keeps percent-encoding (an escaped `/` in an id) exactly as the client sent.
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        return raw
    query = environ.get("QUERY_STRING")
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return f"{path}?{query}" if query else path


def _tokens(value: str) -> frozenset[str]:
    return frozenset(t.strip().lower() for t in value.split(",")) if value else frozenset()


def _splice_target(environ: dict) -> Any:
    """The client's socket when large bodies may be spliced into it: a gevent worker
    (non-blocking sockets, greenlets), on Linux, without TLS; else None."""
    sock = environ.get("gunicorn.socket")
    if sock is None or not splice.available() or hasattr(sock, "cipher"):
        return None
    return sock if is_module_patched("socket") else None


def _respond(
    upstream: Upstream,
    start_response: Callable,
    client: Any,
    headers: list[tuple[str, str]] | None = None,
) -> Iterable[bytes]:
    """Send `upstream`'s status and headers (or `headers`), then its body."""
    if headers is None:
        skip = _SKIP_RESPONSE.union(upstream.connection)
        headers = [(k, v) for k, v in upstream.headers if k.lower() not in skip]
    start_response(f"{upstream.status} {upstream.reason or 'Unknown'}", headers)
    if not upstream.has_body:
        return []  # the connection went back already
    return _Body(upstream, client)


class _Body:
    """The upstream body as a WSGI iterable whose close() always settles the connection."""

    __slots__ = ("upstream", "client")

    def __init__(self, upstream: Upstream, client: Any) -> None:
        self.upstream, self.client = upstream, client

    def __iter__(self) -> Iterator[bytes]:
        # Both hand the connection back once the body is read to its end. A download spliced
        # from socket to socket costs a quarter of the CPU of one copied through Python
        # (README: gateway and downloads).
        if self.client is not None and self.upstream.spliceable:
            return self.upstream.splice_to(self.client)
        return self.upstream.stream()

    def close(self) -> None:
        # Not read to the end (the client left, the service broke off): drop the connection,
        # whose unread bytes would corrupt the next answer on it.
        self.upstream.close()


def _too_slow() -> Response:
    return problem(
        408,
        "Your request body stopped arriving before it was complete; send it again.",
        code="REQUEST_BODY_TIMEOUT",
    )


def _timeout(service: str, settings: Settings) -> Response:
    return _failure(service, 504, f"did not answer within {settings.read_timeout:g} s")


def _failure(service: str, status: int, what: str) -> Response:
    code = {502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT"}[status]
    return problem(status, f"The {service} service {what}; try again shortly.", code=code)
