"""The portal's client of the public API, through the gateway, with the signed-in person's token.

With WEB_API_DIRECT, each call goes to the service that owns its path (the gateway's own route
table) instead of back through the gateway: the gateway checks no token and changes nothing
the services rely on, and every service verifies the person's token itself, so what a person
may see is decided exactly as before, one proxy hop sooner.

The suite's own keep-alive client (services/common/upstream.py, as the gateway's): a call of
"My matters" cost 0.85 ms of web's CPU through urllib3 and http.client, 0.4 ms with it (most of
that the kernel's loopback work). Every call has a connect and a read timeout. An access token
that has expired (401) is refreshed once with the session's refresh token and the call retried;
when that fails too the person is asked to sign in again. Downloads are streamed: `stream()`
hands back the open answer, read chunk by chunk by `chunks()` and never held whole in memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import current_app, g, request, session
from flask_babel import get_locale

from gateway.routes import RouteTable
from services.common.upstream import Response as Upstream
from services.common.upstream import UpstreamError, exchange, pool_for

API = "/api/v1"
ROUTES = RouteTable()
# What may stand in a request target as it is; anything else (a space, a non-ASCII letter) is
# percent-encoded, as urllib3 did.
_UNSAFE = re.compile(r"[^\x21-\x7e]")
_SAFE = "/?&=%+:@!$'()*,;~"


@dataclass(frozen=True)
class ApiLimits:
    """The API client's timeouts and idle keep-alive connections per process."""

    connect_timeout: float
    read_timeout: float
    pool_maxsize: int = 16


class Answer:
    """The API's answer: status, headers (names in lower case), and the body: `data` read
    whole, or for `stream()` left on the connection for `chunks()`."""

    __slots__ = ("status", "headers", "data", "_upstream")

    def __init__(self, upstream: Upstream, stream: bool) -> None:
        self.status = upstream.status
        self.headers = {name.lower(): value for name, value in upstream.headers}
        self._upstream: Upstream | None = upstream if upstream.has_body else None
        self.data = b""
        if not stream and self._upstream is not None:
            self.data = upstream.read()  # the connection goes back to the pool
            self._upstream = None

    def close(self) -> None:
        """Drop what is left of a streamed body (its connection cannot carry another call)."""
        if self._upstream is not None:
            self._upstream.close()
            self._upstream = None


@dataclass
class ApiError(Exception):
    """A 4xx answer from the API: its problem details, for the page to show."""

    status: int
    code: str = ""
    detail: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    # The errors as the API sent them: nested fields (an address, extra fields) keep their shape.
    nested: dict = field(default_factory=dict)

    @classmethod
    def from_response(cls, response: Answer) -> ApiError:
        try:
            body = json.loads(response.data or b"{}")
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
        return cls(
            response.status,
            str(body.get("code") or ""),
            str(body.get("detail") or ""),
            {k: v if isinstance(v, list) else [str(v)] for k, v in errors.items()},
            errors,
        )

    def field_messages(self, name: str) -> list[str]:
        """The API's messages for one field (nested messages flattened)."""
        found = self.errors.get(name, [])
        return [m if isinstance(m, str) else json.dumps(m) for m in found]


class ServiceBusy(Exception):
    """The API could not answer now (unreachable, timed out, 5xx): the page says try again."""


class SignInNeeded(Exception):
    """No session, or its tokens no longer work: the person signs in (again)."""


def _limits() -> ApiLimits:
    limits = current_app.extensions.get("web.api_limits")
    if limits is None:
        config = current_app.config
        limits = ApiLimits(config["API_CONNECT_TIMEOUT"], config["API_READ_TIMEOUT"])
        current_app.extensions["web.api_limits"] = limits
    return limits


def _base_url(public_path: str) -> str:
    """The gateway, or with API_DIRECT the service owning `public_path`."""
    config = current_app.config
    if not config["API_DIRECT"]:
        return config["GATEWAY_URL"]
    service = ROUTES.match(public_path.partition("?")[0])
    if service is None or service not in config["API_UPSTREAMS"]:
        raise LookupError(f"no service owns {public_path}")  # a bug of the portal: a 500
    return config["API_UPSTREAMS"][service]


def send(
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    stream: bool = False,
    headers: dict[str, str] | None = None,
    raw: Any = None,
) -> Answer:
    """One call to `/api/v1{path}` (or an absolute path starting with `//`), not repeated,
    save a GET sent on a kept-alive connection that the other side had closed meanwhile.

    `raw`: a body sent as it is (bytes or a file-like object), typed by `headers`, under their
    Content-Length (else chunked).

    Raises ServiceBusy when the gateway cannot be reached or the service fails (5xx).
    """
    public = path[1:] if path.startswith("//") else API + path
    pool = pool_for(_base_url(public), _limits())
    sent = {"Accept": "application/json", "Accept-Language": str(get_locale()), **(headers or {})}
    # The browser's address, so that identity throttles that person and not the portal itself.
    sent["X-Forwarded-For"] = request.remote_addr or ""
    # Identity tells two tabs refreshing together from a replayed token by address + browser.
    sent["User-Agent"] = request.user_agent.string
    sent["X-Request-ID"] = g.get("request_id", "")
    if token:
        sent["Authorization"] = f"Bearer {token}"
    encoded = raw
    if body is not None:
        encoded = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    if isinstance(encoded, bytes) or (encoded is None and method in ("POST", "PUT", "PATCH")):
        sent["Content-Length"] = str(len(encoded or b""))
    chunked = encoded is not None and not any(k.lower() == "content-length" for k in sent)
    target = pool.prefix + public
    if _UNSAFE.search(target):
        target = quote(target, safe=_SAFE)
    try:
        retryable = encoded is None and method in ("GET", "HEAD")
        upstream = exchange(pool, method, target, sent, encoded, chunked, retryable)
        answer = Answer(upstream, stream)
    except (UpstreamError, OSError) as error:  # OSError: a timeout while reading the body
        raise ServiceBusy(f"{method} {path}: {error.__class__.__name__}") from error
    if answer.status >= 500:
        answer.close()
        raise ServiceBusy(f"{method} {path}: {answer.status}")
    return answer


def call(
    method: str,
    path: str,
    body: Any = None,
    *,
    anonymous: bool = False,
    headers: dict[str, str] | None = None,
) -> Any:
    """Call the API as the signed-in person; the parsed JSON answer (None for 204).

    Raises ApiError for a 4xx, SignInNeeded when the session cannot be used, ServiceBusy.
    """
    response = _authorized(method, path, body, stream=False, anonymous=anonymous, headers=headers)
    if response.status >= 400:
        raise ApiError.from_response(response)
    return json.loads(response.data) if response.data else None


def post_raw(path: str, body: Any, headers: dict[str, str]) -> Any:
    """POST a body as it is (a multipart upload, a seekable file-like object: rewound when the
    call is tried again after a token refresh); the parsed JSON answer. 4xx raise ApiError."""
    tokens = session.get("tokens")
    if not tokens:
        raise SignInNeeded
    response = send("POST", path, token=tokens["access"], raw=body, headers=headers)
    if response.status == 401:
        refresh()
        body.seek(0)
        response = send("POST", path, token=session["tokens"]["access"], raw=body, headers=headers)
    if response.status == 401:
        raise SignInNeeded
    if response.status >= 400:
        raise ApiError.from_response(response)
    return json.loads(response.data)


def stream(method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
    """The open answer of a download or preview; `chunks()` reads it. 4xx raise ApiError."""
    response = _authorized(method, path, None, stream=True, headers=headers)
    if response.status >= 400:
        try:
            response.data = b"".join(chunks(response))
        except (UpstreamError, OSError) as error:
            raise ServiceBusy(f"{method} {path}: {error.__class__.__name__}") from error
        raise ApiError.from_response(response)
    return response


def chunks(response: Answer) -> Iterator[bytes]:
    """The streamed body in pieces, as received; read to its end, the connection goes back to
    the pool, and however else the reading ends it is closed."""
    upstream = response._upstream
    if upstream is None:
        return
    try:
        yield from upstream.stream()
    finally:
        response.close()  # nothing left to do once the body was read whole


def _authorized(
    method: str,
    path: str,
    body: Any,
    *,
    stream: bool,
    anonymous: bool = False,
    headers: dict[str, str] | None = None,
) -> Answer:
    if anonymous:
        return send(method, path, body=body, stream=stream, headers=headers)
    tokens = session.get("tokens")
    if not tokens:
        raise SignInNeeded
    response = send(method, path, token=tokens["access"], body=body, stream=stream, headers=headers)
    if response.status != 401:
        return response
    response.close()
    refresh()
    response = send(
        method, path, token=session["tokens"]["access"], body=body, stream=stream, headers=headers
    )
    if response.status == 401:
        response.close()
        raise SignInNeeded
    return response


def refresh() -> None:
    """Exchange the session's refresh token for a new pair; SignInNeeded when it is refused.
    A secure-link session has no refresh token: it opens its link again instead."""
    if session.get("link"):
        from .link_sessions import reopen

        reopen()
        return
    tokens = session.get("tokens") or {}
    if not tokens.get("refresh"):
        raise SignInNeeded
    answer = send("POST", "/auth/refresh", body={"refresh_token": tokens["refresh"]})
    if answer.status != 200:
        session.pop("tokens", None)
        raise SignInNeeded
    keep_tokens(json.loads(answer.data))


def keep_tokens(pair: dict) -> None:
    """Store a token pair from login, refresh, invitation or reset in the session."""
    session["tokens"] = {"access": pair["access_token"], "refresh": pair["refresh_token"]}
