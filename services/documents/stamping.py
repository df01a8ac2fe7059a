"""The viewer's name and the time stamped on every preview page served (Pillow, in the service's
process: a page is stamped on each view). Imported on the first view, not at startup."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

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
    out = io.BytesIO()
    page.save(out, "PNG", compress_level=1)  # as drawing.py: half the time of the default
    return out.getvalue()
