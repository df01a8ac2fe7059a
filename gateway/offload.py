"""The gateway's side of a download a service hands over (services/common/offload.py): the
object fetched from the store on kept-alive connections, checked against what the service
answered, and its head merged with the service's."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Response

from gateway.config import Settings
from services.common.offload import OBJECT
from services.common.problems import problem
from services.common.upstream import Response as Upstream
from services.common.upstream import UpstreamError, exchange, pool_for

log = logging.getLogger(__name__)

_OBJECT = OBJECT.lower()


def object_url(answer: Upstream) -> str | None:
    """The URL a service's answer names instead of carrying the bytes, if it does."""
    return _header(answer, _OBJECT)


def fetch(answer: Upstream, url: str, settings: Settings) -> Upstream | Response:
    """The store's answer for the object and byte range that the service's `answer` names, or
    the problem to send instead. Only the configured store is fetched from."""
    answer.read()  # the service sent no body: its connection goes back to the pool
    parts = urlsplit(url)
    if (
        not settings.store_url
        or f"{parts.scheme}://{parts.netloc}" != settings.store_url
        or answer.status not in (200, 206)
    ):
        log.error("a service answered %s naming %s, not on GATEWAY_STORE_URL", answer.status, url)
        return _unreadable()
    content_range = _header(answer, "content-range")
    headers = {}
    if answer.status == 206:  # the service checked the range against the file's size
        headers["range"] = "bytes=" + content_range.removeprefix("bytes ").partition("/")[0]
    pool = pool_for(settings.store_url, settings)
    try:
        stored = exchange(pool, "GET", f"{parts.path}?{parts.query}", headers, retryable=True)
    except UpstreamError as error:  # refused, timed out, broke off: as documents would answer
        log.error("the store failed on %s: %s", parts.path, error)
        return _store_down()
    if stored.status != answer.status or _header(stored, "content-range") != content_range:
        # A missing object (404), an expired URL (403): the service's record of the download
        # stays, which is what happened as far as it knows.
        log.error("the store answered %s for %s", stored.status, parts.path)
        stored.close()
        return _unreadable()
    return stored


def head(answer: Upstream, stored: Upstream, skip: frozenset[str]) -> list[tuple[str, str]]:
    """The service's headers (type, disposition, range, caching) with the store's length."""
    headers = [(k, v) for k, v in answer.headers if k.lower() not in skip]
    headers.append(("Content-Length", _header(stored, "content-length") or "0"))
    return headers


def _header(answer: Upstream, name: str) -> str | None:
    return next((v for k, v in answer.headers if k.lower() == name), None)


def _store_down() -> Response:
    return problem(
        503,
        "The document store cannot be reached right now; try again in a moment.",
        code="STORAGE_UNAVAILABLE",
    )


def _unreadable() -> Response:
    return problem(
        502,
        "The file could not be read from the document store; try again shortly, and tell the "
        "firm if it keeps failing.",
        code="BAD_GATEWAY",
    )
