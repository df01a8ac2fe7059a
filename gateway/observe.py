"""WSGI middleware giving every request an id, a JSON access-log line and Prometheus metrics."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from prometheus_client import Counter, Histogram

# The dispatcher stores the owning service here; the gateway's own endpoints leave it unset.
SERVICE_KEY = "gateway.service"

REQUESTS = Counter(
    "gateway_requests_total", "Requests answered by the gateway", ["service", "status"]
)
LATENCY = Histogram(
    "gateway_request_duration_seconds",
    "Time from request to the last byte of the response",
    ["service"],
    # A proxied hop costs about a millisecond; downloads last far longer.
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
# Each labelled series looked up once per process: labels() takes a lock and builds a key.
_counter = lru_cache(maxsize=512)(REQUESTS.labels)
_histogram = lru_cache(maxsize=64)(LATENCY.labels)


class Observed:
    """Wraps the gateway; logs and counts once the body is sent, so durations include it."""

    def __init__(self, app: Callable, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        # The services' own rule (services.common.observability): an id they would replace
        # would no longer tie the gateway's log line to theirs.
        if not (0 < len(request_id) <= 64 and request_id.replace("-", "").isalnum()):
            request_id = os.urandom(16).hex()  # 128 random bits, as a uuid4's hex has 122
            # The proxy forwards environ headers: the service sees the same id.
            environ["HTTP_X_REQUEST_ID"] = request_id
        status: list[str] = []

        def start(status_line: str, headers: list, exc_info: object = None) -> Callable:
            status[:] = [status_line]
            headers.append(("X-Request-ID", request_id))
            return start_response(status_line, headers, exc_info)

        def finish() -> None:
            seconds = time.perf_counter() - started
            code = status[0][:3] if status else "000"
            service = environ.get(SERVICE_KEY, "gateway")
            _counter(service, code).inc()
            _histogram(service).observe(seconds)
            if self.access_log:
                _log(request_id, environ, service, code, seconds)

        try:
            body = self.app(environ, start)
        except BaseException:
            finish()
            raise
        return _Closing(body, finish)


class _Closing:
    """The app's body, plus a callback when the server closes it (also after a disconnect)."""

    __slots__ = ("body", "callback")

    def __init__(self, body: Iterable[bytes], callback: Callable[[], None]) -> None:
        self.body = body
        self.callback = callback

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.callback()


def _log(request_id: str, environ: dict, service: str, code: str, seconds: float) -> None:
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
    # The fields of the services' JSON log lines, plus the request's own.
    line = json.dumps(
        {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "level": "INFO",
            "logger": "gateway.access",
            "message": f"{method} {path} {code}",
            "request_id": request_id,
            "method": method,
            # The path only: query strings may carry link tokens.
            "path": path,
            "service": service,
            "status": int(code),
            "duration_ms": round(seconds * 1000, 2),
        },
        separators=(",", ":"),
    )
    # One write() per line: lines from several workers sharing stdout never interleave.
    os.write(1, (line + "\n").encode())
