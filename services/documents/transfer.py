"""The HTTP side of file transfer: the upload form from the request stream, and downloads
streamed from the store with safe headers."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Flask, Response, request

from services.common import offload, storage
from services.common.problems import ProblemError

from .models import Version
from .uploads import FORM_OVERHEAD, UploadForm


def upload_doc(**fields: str) -> dict:
    """The OpenAPI request body of an upload: `fields` (name -> description), then `file`."""
    properties = {name: {"type": "string", "description": text} for name, text in fields.items()}
    properties["file"] = {"type": "string", "format": "binary", "description": "The last part"}
    schema = {"type": "object", "required": ["file"], "properties": properties}
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }


def upload_form(app: Flask) -> UploadForm:
    """The request's multipart body, read as it streams in; 413 at once on a Content-Length
    that cannot fit, before any byte is read."""
    limit = app.config["MAX_UPLOAD_BYTES"]
    if request.content_length is not None and request.content_length > limit + FORM_OVERHEAD:
        raise storage.too_large(limit)
    boundary = request.mimetype_params.get("boundary", "")
    if request.mimetype != "multipart/form-data" or not boundary or not boundary.isascii():
        raise ProblemError(
            400,
            "Send the upload as multipart/form-data: the fields folder_id and name (optional), "
            "then the 'file' part.",
            code="MULTIPART_REQUIRED",
        )
    request.max_content_length = limit + FORM_OVERHEAD  # the JSON endpoints keep their limit
    return UploadForm(request.stream, boundary.encode("ascii"))


def content_disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII fallback for old clients, the exact name in `filename*`."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = "".join(c if c.isprintable() and c not in '"\\%;' else "_" for c in fallback)
    return f"{kind}; filename=\"{fallback or 'document'}\"; filename*=UTF-8''{quote(name, safe='')}"


def _requested_span(size: int) -> tuple[int, int] | None:
    """The one byte range asked for (start, stop), None for the whole file; several ranges
    are answered with the whole file (RFC 9110 lets a server ignore Range)."""
    asked = request.range
    if asked is None or len(asked.ranges) != 1:
        return None
    span = asked.range_for_length(size) if asked.units == "bytes" else None
    if span is None:
        raise ProblemError(
            416,
            f"The range asked for is outside the file, which has {size} bytes.",
            code="RANGE_NOT_SATISFIABLE",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return span


def file_response(app: Flask, version: Version, name: str, *, inline: bool) -> Response:
    """The version's bytes streamed from the store, typed as sniffed at upload; a download
    answers one byte range (206) when asked, so that a broken download can resume.

    Through a gateway that fetches from the same store, the answer names the object instead
    of carrying it, and the gateway streams it (services/common/offload.py)."""
    span = None if inline else _requested_span(version.size)
    start, stop = span or (0, version.size)
    if request.method == "GET" and request.headers.get(offload.OFFLOAD) == storage.origin(app):
        response = Response(b"", content_type=version.content_type)
        response.headers[offload.OBJECT] = storage.presigned_get(app, version.object_key)
    else:
        body = storage.open_stream(
            app,
            version.object_key,
            offset=start,
            # Whole files are asked for without a Range header: SeaweedFS spent a third more
            # CPU serving `bytes=0-<size-1>` than a plain GET (bench/attachments.py, 1 GiB).
            length=stop - start if span is not None else 0,
            # gunicorn's socket to the client: large bodies are spliced into it (storage.py).
            send_to=request.environ.get("gunicorn.socket"),
        )
        response = Response(body, content_type=version.content_type, direct_passthrough=True)
        response.content_length = stop - start
    if span is not None:
        response.status_code = 206
        response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{version.size}"
    if not inline:
        response.headers["Accept-Ranges"] = "bytes"
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if inline:
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def rendered_response(data: bytes, content_type: str, pages: int) -> Response:
    """A page drawn on the server (never the original): not cached, sandboxed like previews."""
    response = Response(data, content_type=content_type)
    response.headers["X-Preview-Pages"] = str(pages)
    response.headers["X-Preview-Mode"] = "rendered"
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
