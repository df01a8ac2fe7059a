"""Preview and download of an attachment, streamed from the API to the browser chunk by chunk
with the person's own token: the portal never holds a file in memory. The documents service's
safe headers (sniffed type, sandboxing CSP for previews, nosniff, the file name) go through.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request, stream_with_context
from flask_babel import gettext as _

from . import api, current
from .errors import error_page

blp = Blueprint("documents", __name__, url_prefix="/portal/documents")

PASSED_ON = (
    "Content-Type",
    "Content-Length",
    "Content-Disposition",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Cache-Control",
    "ETag",
    "Last-Modified",
    "Content-Range",
    "Accept-Ranges",
    "X-Preview-Pages",
    "X-Preview-Mode",
)


def _streamed(document_id: str, action: str) -> Response:
    path = f"/portal/documents/{quote(document_id, safe='')}/{action}"
    page = request.args.get("page", "")
    if action == "preview" and page.isdigit():  # a page drawn on the server (preview only)
        path += f"?page={int(page)}"
    headers = {"Range": request.headers["Range"]} if "Range" in request.headers else None
    try:
        upstream = api.stream("GET", path, headers=headers)
    except api.ApiError as problem:
        if problem.code == "DOWNLOAD_NOT_ALLOWED":
            return error_page(
                403,
                _("This document cannot be downloaded"),
                _(
                    "The firm has not allowed downloading this document. Open its preview "
                    "instead, or ask your contact at the firm for a copy."
                ),
            )
        raise
    return relay(upstream)


def relay(upstream: api.Answer) -> Response:
    """The API's open answer passed on to the browser, chunk by chunk, with its safe headers."""
    found = upstream.headers
    headers = {name: found[name.lower()] for name in PASSED_ON if name.lower() in found}
    body = stream_with_context(api.chunks(upstream))
    return Response(body, status=upstream.status, headers=headers, direct_passthrough=True)


@blp.get("/<document_id>/preview")
@current.sign_in_required
def preview(document_id: str) -> Response:
    return _streamed(document_id, "preview")


@blp.get("/<document_id>/download")
@current.sign_in_required
def download(document_id: str) -> Response:
    return _streamed(document_id, "download")
