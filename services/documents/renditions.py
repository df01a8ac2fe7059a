"""What the server makes of a stored version without ever sending its bytes: the text inside
(for search, extracted once when the version is added) and preview pages (PDF pages drawn as
PNG images, images re-encoded as PNG, plain text as text), cached per version on the store
under `renditions/<version id>/`, and stamped with the viewer and the time on every request.

The original is copied chunk by chunk to a temporary file that PDFium and Pillow read from, so
a large file is never held whole in memory. Pages are PNG at zlib level 1: on a page of text
it is as small as the default level and takes half the time, and a cached page is decoded,
stamped and encoded again on every view.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pypdfium2 as pdfium
from flask import Flask
from minio.error import S3Error
from PIL import Image, ImageDraw, ImageFont, ImageOps

from services.common import storage
from services.common.problems import ProblemError

from .models import Version

log = logging.getLogger(__name__)

PDF = "application/pdf"
TEXT = "text/plain; charset=utf-8"
IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff", "image/bmp"}
EXTRACT_MAX_BYTES = 64 * 1024 * 1024  # bigger files are not searched by content
TEXT_PREVIEW_MAX_CHARS = 1_000_000
PDF_SCALE = 1.5  # 108 dpi: readable on a screen, a few hundred KB per page
MAX_PIXELS = 2400  # images are scaled down to this on their longer side
MAX_PAGES = 500


RENDER_MAX_BYTES = 256 * 1024 * 1024


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
        return _pdf_text(version, path)


def _pdf_text(version: Version, path: str) -> str | None:
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        log.warning("version %s: PDF text cannot be read", version.id)
        return None
    try:
        texts = []
        for index in range(min(len(pdf), MAX_PAGES)):
            page = pdf[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(texts).replace("\x00", "")
    finally:
        pdf.close()


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


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _render(app: Flask, version: Version) -> Rendition:
    """Draw every page once and store them; the index is written last (it marks completion)."""
    with _local_copy(app, version.object_key) as path:
        rendition = _draw(app, version, path)
    index = json.dumps({"kind": rendition.kind, "pages": rendition.pages}).encode()
    _put(app, _key(version, "index.json"), index, "application/json")
    return rendition


def _draw(app: Flask, version: Version, path: str) -> Rendition:
    """Draw the pages of the copy at `path`, one at a time, onto the store."""
    if version.content_type == TEXT:
        text = _text(path, TEXT_PREVIEW_MAX_CHARS)
        _put(app, _key(version, "1.txt"), text.encode(), TEXT)
        return Rendition("text", 1)
    if version.content_type == PDF:
        pdf = pdfium.PdfDocument(path)
        try:
            count = min(len(pdf), MAX_PAGES)
            for index in range(count):
                page = pdf[index]
                image = page.render(scale=PDF_SCALE).to_pil().convert("RGB")
                page.close()
                _put(app, _key(version, f"{index + 1}.png"), _png(image), "image/png")
        finally:
            pdf.close()
        return Rendition("image", count)
    with Image.open(path) as original:
        original.seek(0)  # the first frame of an animation
        image = original.convert("RGB")  # drops metadata and any trailing bytes
    image.thumbnail((MAX_PIXELS, MAX_PIXELS))
    _put(app, _key(version, "1.png"), _png(image), "image/png")
    return Rendition("image", 1)


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
    except (pdfium.PdfiumError, OSError) as exc:  # PIL's UnidentifiedImageError is an OSError
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


WATERMARK_COLOUR, WATERMARK_ALPHA = (200, 30, 30), 40
BAND_COLOUR, BAND_ALPHA, BAND_TEXT_COLOUR = (255, 255, 255), 220, (120, 0, 0)


@dataclass(frozen=True)
class _Stamp:
    watermark: Image.Image  # "L": how much of WATERMARK_COLOUR covers each pixel of the page
    band_top: int
    band: Image.Image  # "L": BAND_ALPHA everywhere, the band's white over the page's foot
    band_text: Image.Image  # "L": the line, opaque, on the band


@functools.lru_cache(maxsize=8)
def _stamp(line: str, width: int, height: int) -> _Stamp:
    """The marks of one viewer at one minute on pages of one size. Kept for the next pages:
    a viewer turning pages gets the same stamp on each (about 1 MB a page size)."""
    size = max(12, width // 40)
    font = ImageFont.load_default(size=size)
    # The line repeated across the page, one row every `step`, every other row shifted, then
    # turned 30 degrees. A row is drawn once and pasted (rows never overlap): drawing text is
    # what costs.
    text = f"{line}     " * 3
    left, top, right, bottom = font.getbbox(text)
    row = Image.new("L", (right, bottom), 0)
    ImageDraw.Draw(row).text((0, 0), text, font=font, fill=WATERMARK_ALPHA)
    watermark = Image.new("L", (width, height), 0)
    step = size * 8
    for y in range(-height, 2 * height, step):
        watermark.paste(row, (-width // 2 + (y % (2 * step)), y))
    watermark = watermark.rotate(30, center=(width // 2, height // 2))
    band_top = height - size * 2
    watermark.paste(0, (0, band_top, width, height))  # the band covers the watermark
    band = Image.new("L", (width, height - band_top), BAND_ALPHA)
    band_text = Image.new("L", band.size, 0)
    ImageDraw.Draw(band_text).text((size // 2, size * 0.4), line, font=font, fill=255)
    return _Stamp(watermark, band_top, band, band_text)


def stamped_png(data: bytes, line: str) -> bytes:
    """The page with the viewer's line across it, faint and diagonal, and in a band below."""
    with Image.open(io.BytesIO(data)) as opened:
        page = opened.convert("RGB")
    stamp = _stamp(line, *page.size)
    page.paste(WATERMARK_COLOUR, (0, 0), stamp.watermark)
    page.paste(BAND_COLOUR, (0, stamp.band_top), stamp.band)
    page.paste(BAND_TEXT_COLOUR, (0, stamp.band_top), stamp.band_text)
    return _png(page)


THUMBNAIL_PIXELS = 320  # a gallery tile on its longer side


def make_thumbnail(app: Flask, version: Version) -> str | None:
    """A photo's JPEG thumbnail, drawn once as the version is added and kept with its
    renditions (the sweeper keeps it while the version exists); its key, or None when the
    version is no image or cannot be read."""
    if version.content_type not in IMAGES or version.size > RENDER_MAX_BYTES:
        return None
    try:
        with _local_copy(app, version.object_key) as path, Image.open(path) as original:
            original.seek(0)
            image = ImageOps.exif_transpose(original).convert("RGB")
    except storage.STORE_ERRORS as exc:
        raise storage.unavailable() from exc
    except (OSError, ValueError, Image.DecompressionBombError):
        log.warning("version %s: the image cannot be read, no thumbnail", version.id)
        return None
    image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    key = _key(version, "thumbnail.jpg")
    try:
        _put(app, key, out.getvalue(), "image/jpeg")
    except storage.STORE_ERRORS as exc:
        raise storage.unavailable() from exc
    return key


def thumbnail_bytes(app: Flask, version: Version) -> bytes:
    data = _get(app, version.thumbnail_key or "") if version.thumbnail_key else None
    if data is None:
        raise not_available("This document has no thumbnail: it is not a photo.")
    return data
