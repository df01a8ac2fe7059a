"""What the server makes of a stored version without ever sending its bytes: the text inside
(for search, extracted once when the version is added) and preview pages (PDF pages drawn as
PNG images, images re-encoded as PNG, plain text as text), cached per version on the store
under `renditions/<version id>/`, and stamped with the viewer and the time on every request.
"""

from __future__ import annotations

import io
import json
import logging
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


def _fetch(app: Flask, key: str) -> bytes:
    """The object's bytes (PDFium reads a whole document; sizes are capped by the callers)."""
    return b"".join(storage.open_stream(app, key))


def extract_text(app: Flask, version: Version) -> str | None:
    """The text of a PDF or plain-text version; None for other types or when unreadable."""
    if version.content_type not in (PDF, TEXT) or version.size > EXTRACT_MAX_BYTES:
        return None
    data = _fetch(app, version.object_key)
    if version.content_type == TEXT:
        return data.decode("utf-8", errors="replace")
    try:
        pdf = pdfium.PdfDocument(data)
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
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def _render(app: Flask, version: Version) -> Rendition:
    """Draw every page once and store them; the index is written last (it marks completion)."""
    data = _fetch(app, version.object_key)
    if version.content_type == TEXT:
        text = data.decode("utf-8", errors="replace")[:TEXT_PREVIEW_MAX_CHARS]
        _put(app, _key(version, "1.txt"), text.encode(), TEXT)
        rendition = Rendition("text", 1)
    elif version.content_type == PDF:
        pdf = pdfium.PdfDocument(data)
        try:
            count = min(len(pdf), MAX_PAGES)
            for index in range(count):
                page = pdf[index]
                image = page.render(scale=PDF_SCALE).to_pil().convert("RGB")
                page.close()
                _put(app, _key(version, f"{index + 1}.png"), _png(image), "image/png")
        finally:
            pdf.close()
        rendition = Rendition("image", count)
    else:
        with Image.open(io.BytesIO(data)) as original:
            original.seek(0)  # the first frame of an animation
            image = original.convert("RGB")  # drops metadata and any trailing bytes
        image.thumbnail((MAX_PIXELS, MAX_PIXELS))
        _put(app, _key(version, "1.png"), _png(image), "image/png")
        rendition = Rendition("image", 1)
    index = json.dumps({"kind": rendition.kind, "pages": rendition.pages}).encode()
    _put(app, _key(version, "index.json"), index, "application/json")
    return rendition


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


def stamped_png(data: bytes, line: str) -> bytes:
    """The page with the viewer's line across it, faint and diagonal, and in a band below."""
    with Image.open(io.BytesIO(data)) as opened:
        page = opened.convert("RGBA")
    width, height = page.size
    size = max(12, width // 40)
    font = ImageFont.load_default(size=size)
    overlay = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    step = size * 8
    for y in range(-height, 2 * height, step):
        draw.text(
            (-width // 2 + (y % (2 * step)), y),
            f"{line}     " * 3,
            font=font,
            fill=(200, 30, 30, 40),
        )
    overlay = overlay.rotate(30, center=(width // 2, height // 2))
    band = ImageDraw.Draw(overlay)
    band.rectangle((0, height - size * 2, width, height), fill=(255, 255, 255, 220))
    band.text((size // 2, height - size * 1.6), line, font=font, fill=(120, 0, 0, 255))
    return _png(Image.alpha_composite(page, overlay).convert("RGB"))


THUMBNAIL_PIXELS = 320  # a gallery tile on its longer side


def make_thumbnail(app: Flask, version: Version) -> str | None:
    """A photo's JPEG thumbnail, drawn once as the version is added and kept with its
    renditions (the sweeper keeps it while the version exists); its key, or None when the
    version is no image or cannot be read."""
    if version.content_type not in IMAGES or version.size > RENDER_MAX_BYTES:
        return None
    try:
        data = _fetch(app, version.object_key)
    except storage.STORE_ERRORS as exc:
        raise storage.unavailable() from exc
    try:
        with Image.open(io.BytesIO(data)) as original:
            original.seek(0)
            image = ImageOps.exif_transpose(original).convert("RGB")
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
