"""What the server makes of a stored version without ever sending its bytes: the text inside
(for search, extracted once when the version is added) and preview pages (PDF pages drawn as
PNG images, images re-encoded as PNG, plain text as text), cached per version on the store
under `renditions/<version id>/`, and stamped with the viewer and the time on every request.

The original is copied chunk by chunk to a temporary file that PDFium and Pillow read from, so
a large file is never held whole in memory, in a child process (drawing.py): their libraries
and the memory a large file costs them never stay in the service's processes. Only the stamp
put on each page viewed is drawn here (stamping.py, imported on the first view).
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask
from minio.error import S3Error

from services.common import storage
from services.common.problems import ProblemError

from .models import Version

log = logging.getLogger(__name__)

PDF = "application/pdf"
TEXT = "text/plain; charset=utf-8"
IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff", "image/bmp"}
EXTRACT_MAX_BYTES = 64 * 1024 * 1024  # bigger files are not searched by content
TEXT_PREVIEW_MAX_CHARS = 1_000_000
RENDER_MAX_BYTES = 256 * 1024 * 1024
DRAWING = str(Path(__file__).with_name("drawing.py"))
UNDRAWABLE = 3  # drawing.py's exit status for a file it cannot read
DRAW_TIMEOUT_SECONDS = 120  # 500 pages of a large PDF; a file that hangs PDFium is given up


_DRAWING_ENV = {name: os.environ[name] for name in ("PATH", "PYTHONPATH") if name in os.environ}


class Undrawable(Exception):
    """The file is damaged or in a form that cannot be read or drawn."""


def _draw(*args: str) -> bytes:
    """drawing.py's output for `args`, run in a child process (see the module's docstring)."""
    try:
        done = subprocess.run(
            [sys.executable, DRAWING, *args],
            capture_output=True,
            timeout=DRAW_TIMEOUT_SECONDS,
            env=_DRAWING_ENV,  # a hostile file's parser sees no password or key of ours
        )
    except subprocess.TimeoutExpired as exc:
        raise Undrawable(f"not drawn within {DRAW_TIMEOUT_SECONDS} s") from exc
    if done.returncode == UNDRAWABLE:
        raise Undrawable(done.stderr.decode(errors="replace").strip())
    if done.returncode != 0:
        raise RuntimeError(f"drawing.py {args[0]} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def previewable(content_type: str, size: int = 0) -> bool:
    """Whether the server can draw it (bigger files: no preview rather than a full memory)."""
    return (content_type in IMAGES or content_type in (PDF, TEXT)) and size <= RENDER_MAX_BYTES


@contextmanager
def _local_copy(app: Flask, key: str) -> Iterator[str]:
    """The path of a temporary copy of the object, written as it streams in; removed after."""
    with tempfile.NamedTemporaryFile(prefix="portal-rendition-") as copy:
        for chunk in storage.open_stream(app, key):
            copy.write(chunk)
        copy.flush()
        yield copy.name


def _text(path: str, max_chars: int) -> str:
    """At most `max_chars` characters of a UTF-8 text file (read no further than needed)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as file:
        return file.read(max_chars)


def extract_text(app: Flask, version: Version) -> str | None:
    """The text of a PDF or plain-text version; None for other types or when unreadable."""
    if version.content_type not in (PDF, TEXT) or version.size > EXTRACT_MAX_BYTES:
        return None
    with _local_copy(app, version.object_key) as path:
        if version.content_type == TEXT:
            return _text(path, EXTRACT_MAX_BYTES)
        try:
            return _draw("text", path).decode("utf-8")
        except Undrawable as exc:
            log.warning("version %s: PDF text cannot be read (%s)", version.id, exc)
            return None


@dataclass(frozen=True)
class Rendition:
    kind: str  # "image" (PNG pages) or "text"
    pages: int


RENDITIONS_PREFIX = "renditions/"  # the sweeper removes those of versions that are gone


def _key(version: Version, name: str) -> str:
    return f"{RENDITIONS_PREFIX}{version.id}/{name}"


def _put(app: Flask, key: str, data: bytes, content_type: str) -> None:
    storage.client(app).put_object(
        app.config["S3_BUCKET"], key, io.BytesIO(data), len(data), content_type=content_type
    )


def _get(app: Flask, key: str) -> bytes | None:
    try:
        response = storage.client(app).get_object(app.config["S3_BUCKET"], key)
    except S3Error as exc:
        if exc.code == "NoSuchKey":
            return None
        raise
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def _render(app: Flask, version: Version) -> Rendition:
    """Draw every page once and store them; the index is written last (it marks completion)."""
    with _local_copy(app, version.object_key) as path:
        rendition = _draw_pages(app, version, path)
    index = json.dumps({"kind": rendition.kind, "pages": rendition.pages}).encode()
    _put(app, _key(version, "index.json"), index, "application/json")
    return rendition


def _draw_pages(app: Flask, version: Version, path: str) -> Rendition:
    """Draw the pages of the copy at `path` and put them on the store."""
    if version.content_type == TEXT:
        text = _text(path, TEXT_PREVIEW_MAX_CHARS)
        _put(app, _key(version, "1.txt"), text.encode(), TEXT)
        return Rendition("text", 1)
    with tempfile.TemporaryDirectory(prefix="portal-pages-") as out:
        count = int(_draw("pages", path, version.content_type, out))
        for number in range(1, count + 1):
            png = (Path(out) / f"{number}.png").read_bytes()
            _put(app, _key(version, f"{number}.png"), png, "image/png")
    return Rendition("image", count)


def not_available(detail: str) -> ProblemError:
    return ProblemError(404, detail, code="PREVIEW_NOT_AVAILABLE")


def rendition(app: Flask, version: Version) -> Rendition:
    """The version's rendered pages, drawn on first use; 503 if the store cannot be reached."""
    try:
        cached = _get(app, _key(version, "index.json"))
        if cached is not None:
            return Rendition(**json.loads(cached))
        return _render(app, version)
    except storage.STORE_ERRORS as exc:
        log.exception("rendering version %s failed on the store", version.id)
        raise storage.unavailable() from exc
    except Undrawable as exc:
        log.warning("version %s cannot be drawn: %s", version.id, exc)
        raise not_available(
            "This file is damaged or in a form that cannot be drawn for a preview; "
            "ask your contact at the firm for another copy."
        ) from exc


def page(app: Flask, version: Version, rendered: Rendition, number: int) -> bytes:
    name = f"{number}.txt" if rendered.kind == "text" else f"{number}.png"
    try:
        data = _get(app, _key(version, name))
    except storage.STORE_ERRORS as exc:
        raise storage.unavailable() from exc
    if data is None:  # the cache was swept under us: draw again
        _render(app, version)
        data = _get(app, _key(version, name)) or b""
    return data


def stamp_line(viewer: str, at: datetime) -> str:
    return f"Preview for {viewer} - {at:%Y-%m-%d %H:%M} UTC - not a copy"


def make_thumbnail(app: Flask, version: Version) -> str | None:
    """A photo's JPEG thumbnail, drawn once as the version is added and kept with its
    renditions (the sweeper keeps it while the version exists); its key, or None when the
    version is no image or cannot be read."""
    if version.content_type not in IMAGES or version.size > RENDER_MAX_BYTES:
        return None
    try:
        with _local_copy(app, version.object_key) as path, tempfile.TemporaryDirectory() as out:
            jpeg = Path(out) / "thumbnail.jpg"
            _draw("thumbnail", path, str(jpeg))
            data = jpeg.read_bytes()
    except storage.STORE_ERRORS as exc:
        raise storage.unavailable() from exc
    except Undrawable:
        log.warning("version %s: the image cannot be read, no thumbnail", version.id)
        return None
    key = _key(version, "thumbnail.jpg")
    try:
        _put(app, key, data, "image/jpeg")
    except storage.STORE_ERRORS as exc:
        raise storage.unavailable() from exc
    return key


def thumbnail_bytes(app: Flask, version: Version) -> bytes:
    data = _get(app, version.thumbnail_key or "") if version.thumbnail_key else None
    if data is None:
        raise not_available("This document has no thumbnail: it is not a photo.")
    return data
