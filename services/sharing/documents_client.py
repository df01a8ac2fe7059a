"""What the documents service shows a portal user on a matter: asked at signing time.

Only documents knows what a person may see (file and folder settings, the matter's default, its
audience table), so a signature is made over the answer of documents' own portal endpoint, called
with the signee's own token: documents authorizes from that identity, never from ids we send.
Documents learns audiences from `sharing.audience.changed`, so its answer can lag behind ours: it
says which audience version it reflects, and an answer older than the version sharing published
(or a 404 for someone sharing has in the audience) is "not yet", never "no documents".
The call is bounded by short timeouts; when documents is down or behind the signee gets a 503
and nothing is recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from flask import current_app, g, request

from services.common.pagination import MAX_PAGE_SIZE
from services.common.problems import ProblemError

log = logging.getLogger(__name__)

MAX_PAGES = 1000  # a guard against a misbehaving answer, far above any real matter


@dataclass(frozen=True)
class Shown:
    """What documents showed the caller, and the audience version that answer reflects."""

    documents: list[dict]  # [{document_id, name, sha256}]
    audience_version: int


def _unavailable() -> ProblemError:
    return ProblemError(
        503,
        "The documents of this matter cannot be checked right now, so nothing was signed. "
        "Try again in a moment.",
        code="DOCUMENTS_UNAVAILABLE",
        headers={"Retry-After": "5"},
    )


def catching_up() -> ProblemError:
    """Documents has not applied the matter's latest audience yet (usually a second away)."""
    return ProblemError(
        503,
        "The documents of this matter are still being updated for you, so nothing was signed. "
        "Try again in a moment.",
        code="DOCUMENTS_CATCHING_UP",
        headers={"Retry-After": "2"},
    )


def _page(session: requests.Session, url: str, page: int, headers: dict) -> requests.Response:
    config = current_app.config
    timeout = (config["DOCUMENTS_CONNECT_TIMEOUT"], config["DOCUMENTS_READ_TIMEOUT"])
    params = {"page": page, "page_size": MAX_PAGE_SIZE}
    try:
        return session.get(url, params=params, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        log.warning("documents unreachable while signing (%s): %s", url, exc)
        raise _unavailable() from exc


def visible_documents(matter_id: str, published_version: int) -> Shown:
    """The matter's documents the current caller may see, in documents' order (folder path,
    then name), from an answer that reflects at least `published_version` of its audience.

    The caller must be in the matter's audience as sharing knows it: a 404 from documents then
    means that documents has not heard of it yet."""
    url = (
        f"{current_app.config['DOCUMENTS_URL'].rstrip('/')}"
        f"/api/v1/portal/matters/{matter_id}/documents"
    )
    headers = {"Authorization": request.headers.get("Authorization", "")}
    if g.get("request_id"):
        headers["X-Request-ID"] = g.request_id
    found: list[dict] = []
    seen_version: int | None = None
    with requests.Session() as session:
        for page in range(1, MAX_PAGES + 1):
            response = _page(session, url, page, headers)
            if response.status_code == 404:
                log.info("documents does not show matter %s to the signee yet", matter_id)
                raise catching_up()
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
                items, total = body["items"], int(body["total"])
                version = int(body["audience_version"])
                found.extend(
                    {"document_id": d["id"], "name": d["name"], "sha256": d["sha256"]}
                    for d in items
                )
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("documents sent an unreadable page for matter %s", matter_id)
                raise _unavailable() from exc
            # Pages must all reflect one audience, and at least the one we published.
            if version < published_version or seen_version not in (None, version):
                log.info(
                    "documents shows audience version %s of matter %s, sharing is at %s",
                    version,
                    matter_id,
                    published_version,
                )
                raise catching_up()
            seen_version = version
            if not items or len(found) >= total:
                break
    return Shown(found, seen_version if seen_version is not None else published_version)
