"""Document exchange in the portal: a matter's documents shared with me (searchable), a
preview viewer (pages drawn on the server, zoom, keyboard paging), and an upload form that
works without JavaScript, also as "an updated version" of a shared document."""

from __future__ import annotations

import uuid
from typing import IO
from urllib.parse import quote, urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import api, current
from .matter_labels import install_filters
from .matter_views import by_folder, get_matter, matter_path

blp = Blueprint("exchange", __name__, url_prefix="/portal")
install_filters(blp)

SEARCH_MAX = 200
PAGE_SIZE = 200


class MultipartBody:
    """A multipart/form-data body read as a file (the fields, then the file streamed from
    its spooled copy); rewinding makes it whole again, for a retry after a token refresh."""

    def __init__(self, fields: dict[str, str], filename: str, file: IO[bytes]) -> None:
        self.boundary = uuid.uuid4().hex
        quoted = filename.replace('"', "%22").replace("\r", "").replace("\n", "")
        head = "".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in fields.items()
        )
        head += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        self._head, self._tail = head.encode(), f"\r\n--{self.boundary}--\r\n".encode()
        self._file = file
        file.seek(0, 2)
        self.length = len(self._head) + file.tell() + len(self._tail)
        self.seek(0)

    def seek(self, _offset: int) -> None:
        self._file.seek(0)
        self._parts = [self._head, None, self._tail]  # None: the file

    def read(self, n: int = -1) -> bytes:
        while self._parts:
            part = self._parts[0]
            data = self._file.read(n) if part is None else part
            if part is not None:
                self._parts.pop(0)
            elif not data:
                self._parts.pop(0)
                continue
            if data:
                return data
        return b""


def _documents(matter_id: str, q: str) -> list[dict]:
    params = {"page_size": PAGE_SIZE, **({"q": q} if q else {})}
    try:
        return api.call("GET", f"{matter_path(matter_id)}/documents?{urlencode(params)}")["items"]
    except api.ApiError as error:
        if error.status == 404:  # documents has not heard of the matter yet
            return []
        raise


@blp.get("/matters/<matter_id>/documents")
@current.sign_in_required
def documents(matter_id: str) -> str:
    matter = get_matter(matter_id)
    q = request.args.get("q", "").strip()[:SEARCH_MAX]
    found = _documents(matter_id, q)
    replaces = request.args.get("replaces", "")
    replaced = next((d for d in found if d["id"] == replaces), None)
    return render_template(
        "exchange/documents.html",
        matter=matter,
        q=q,
        search_max=SEARCH_MAX,
        folders=by_folder(found),
        count=len(found),
        replaced=replaced,
    )


@blp.post("/matters/<matter_id>/documents")
@current.sign_in_required
def upload(matter_id: str):
    """The form's file (CSRF checked by Flask-WTF) sent on to the API as it was chosen."""
    chosen = request.files.get("file")
    replaces = request.form.get("replaces", "")
    back = url_for("exchange.documents", matter_id=matter_id)
    if chosen is None or not chosen.filename:
        flash(_("Choose a file to send."), "error")
        return redirect(back)
    fields = {"replaces": replaces} if replaces else {}
    body = MultipartBody(fields, chosen.filename, chosen.stream)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={body.boundary}",
        "Content-Length": str(body.length),
    }
    try:
        sent = api.post_raw(f"{matter_path(matter_id)}/documents", body, headers)
    except api.ApiError as error:
        messages = [m for values in error.errors.values() for m in values] or [error.detail]
        flash(" ".join(messages), "error")
        return redirect(back + (f"?replaces={quote(replaces)}" if replaces else ""))
    flash(_("“%(name)s” was sent to the firm.", name=sent["name"]), "success")
    return redirect(back)


@blp.get("/documents/<document_id>/view")
@current.sign_in_required
def viewer(document_id: str) -> str:
    info = api.call("GET", f"/portal/documents/{quote(document_id, safe='')}/preview/info")
    try:
        page = max(1, min(int(request.args.get("page", "1")), max(info["pages"], 1)))
    except ValueError:
        page = 1
    text = None
    if info["mode"] == "rendered" and info["kind"] == "text":
        upstream = api.stream("GET", f"/portal/documents/{quote(document_id, safe='')}/preview")
        text = b"".join(api.chunks(upstream)).decode("utf-8", errors="replace")
    return render_template(
        "exchange/viewer.html",
        document_id=document_id,
        info=info,
        page=page,
        text=text,
        matter_id=request.args.get("matter", "")[:64],
    )
