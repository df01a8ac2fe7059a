"""Read-through: a replica that has not heard of a record yet asks its owner, once, synchronously.

The caller's own access token goes with the question, so the owner authorizes the caller as for
any request of theirs: no service credential to issue, store or rotate, and nobody learns through
a read-through what they could not read at the owner. Only staff endpoints read through (the
owners' endpoints asked are staff endpoints), so a portal caller can never make a service call
another. The call is bounded by `READ_THROUGH_TIMEOUT`; an owner that cannot answer in time
makes a 503 "try again in a moment", never a wrong "unknown".
"""

from __future__ import annotations

import logging

from flask import current_app, g, request

from .problems import ProblemError

log = logging.getLogger(__name__)


def owner_unavailable(what: str) -> ProblemError:
    return ProblemError(
        503,
        f"{what} cannot be checked right now; nothing was changed. Try again in a moment.",
        code="OWNER_UNAVAILABLE",
        headers={"Retry-After": "2"},
    )


def ask_owner(url: str, what: str) -> dict | None:
    """The owner's JSON answer for one record at `url`, asked as the current caller; None when
    the owner says it does not exist (404); `owner_unavailable(what)` when it cannot answer."""
    headers = {"Authorization": request.headers.get("Authorization", "")}
    if g.get("request_id"):
        headers["X-Request-ID"] = g.request_id
    timeout = current_app.config["READ_THROUGH_TIMEOUT"]
    # Imported on the first miss, not at startup: 4 MiB that most web processes never need.
    import requests

    try:
        response = requests.get(url, headers=headers, timeout=(timeout, timeout))
    except requests.RequestException as exc:
        log.warning("read-through to %s failed: %s", url, exc)
        raise owner_unavailable(what) from exc
    if response.status_code == 404:
        return None
    try:
        body = response.json() if response.status_code == 200 else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        log.warning(
            "read-through to %s answered %s: %s", url, response.status_code, response.text[:300]
        )
        raise owner_unavailable(what)
    return body
