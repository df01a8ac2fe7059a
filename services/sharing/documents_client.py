"""What the documents service shows a portal user on a matter: asked at signing time.

Only documents knows what a person may see (file and folder settings, the matter's default, its
audience table), so a signature is made over the answer of documents' own portal endpoint, called
with the signee's own token: documents authorizes from that identity, never from ids we send.
The call is bounded by short timeouts; when documents is down the signee gets a 503 and nothing
is recorded.
"""

from __future__ import annotations

import logging

import requests
from flask import current_app, g, request

from services.common.pagination import MAX_PAGE_SIZE
from services.common.problems import ProblemError

log = logging.getLogger(__name__)

MAX_PAGES = 1000  # a guard against a misbehaving answer, far above any real matter


def _unavailable() -> ProblemError:
    return ProblemError(
        503,
        "The documents of this matter cannot be checked right now, so nothing was signed. "
        "Try again in a moment.",
        code="DOCUMENTS_UNAVAILABLE",
        headers={"Retry-After": "5"},
    )


def visible_documents(matter_id: str) -> list[dict]:
    """[{document_id, name, sha256}] of the matter's documents the current caller may see, in
    documents' order (folder path, then name). A matter documents does not know shows nothing."""
    config = current_app.config
    url = f"{config['DOCUMENTS_URL'].rstrip('/')}/api/v1/portal/matters/{matter_id}/documents"
    headers = {"Authorization": request.headers.get("Authorization", "")}
    if g.get("request_id"):
        headers["X-Request-ID"] = g.request_id
    timeout = (config["DOCUMENTS_CONNECT_TIMEOUT"], config["DOCUMENTS_READ_TIMEOUT"])
    found: list[dict] = []
    with requests.Session() as session:
        for page in range(1, MAX_PAGES + 1):
            params = {"page": page, "page_size": MAX_PAGE_SIZE}
            try:
                response = session.get(url, params=params, headers=headers, timeout=timeout)
            except requests.RequestException as exc:
                log.warning("documents unreachable while signing matter %s: %s", matter_id, exc)
                raise _unavailable() from exc
            if response.status_code == 404:
                return []  # documents has not heard of this matter, or shows it nothing
            if response.status_code != 200:
                log.warning(
                    "documents answered %s while signing matter %s: %s",
                    response.status_code,
                    matter_id,
                    response.text[:500],
                )
                raise _unavailable()
            try:
                body = response.json()
                items = body["items"]
                total = int(body["total"])
                found.extend(
                    {"document_id": d["id"], "name": d["name"], "sha256": d["sha256"]}
                    for d in items
                )
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("documents sent an unreadable page for matter %s", matter_id)
                raise _unavailable() from exc
            if not items or len(found) >= total:
                return found
    return found
