"""PDFium and Pillow on one local file, in a child process of its own (renditions.py runs it):
their libraries, and the memory a large PDF or image costs them, never stay in the service's
processes, and a file that hangs them can be stopped.

    python drawing.py text PATH                 the text of a PDF on stdout (UTF-8)
    python drawing.py pages PATH TYPE OUT_DIR   pages as OUT_DIR/1.png ...; their count on stdout
    python drawing.py thumbnail PATH OUT_FILE   a photo's JPEG thumbnail

Run by path, not as `-m services.documents.drawing`: the package's import would load the whole
service. Exit status UNDRAWABLE: the file is damaged or of a form that cannot be read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageOps

UNDRAWABLE = 3
PDF = "application/pdf"
MAX_PAGES = 500
PDF_SCALE = 1.5  # 108 dpi: readable on a screen, a few hundred KB per page
MAX_PIXELS = 2400  # images are scaled down to this on their longer side
THUMBNAIL_PIXELS = 320  # a gallery tile on its longer side


def pdf_text(path: str) -> str:
    pdf = pdfium.PdfDocument(path)
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


def save_png(image: Image.Image, path: Path) -> None:
    # zlib level 1: on a page of text as small as the default level, in half the time.
    image.save(path, "PNG", compress_level=1)


def pages(path: str, content_type: str, out: Path) -> int:
    """Draw every page (a PDF's) or the one image, one at a time, as PNG files in `out`."""
    if content_type == PDF:
        pdf = pdfium.PdfDocument(path)
        try:
            count = min(len(pdf), MAX_PAGES)
            for index in range(count):
                page = pdf[index]
                image = page.render(scale=PDF_SCALE).to_pil().convert("RGB")
                save_png(image, out / f"{index + 1}.png")
                page.close()
        finally:
            pdf.close()
        return count
    with Image.open(path) as original:
        original.seek(0)  # the first frame of an animation
        image = original.convert("RGB")  # drops metadata and any trailing bytes
    image.thumbnail((MAX_PIXELS, MAX_PIXELS))
    save_png(image, out / "1.png")
    return 1


def thumbnail(path: str, out: str) -> None:
    with Image.open(path) as original:
        original.seek(0)
        image = ImageOps.exif_transpose(original).convert("RGB")
    image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    image.save(out, "JPEG", quality=80)


def main(args: list[str]) -> int:
    command, path, *rest = args
    try:
        if command == "text":
            sys.stdout.buffer.write(pdf_text(path).encode("utf-8", "replace"))
        elif command == "pages":
            print(pages(path, rest[0], Path(rest[1])))
        elif command == "thumbnail":
            thumbnail(path, rest[0])
        else:
            raise SystemExit(f"unknown command {command!r}")
    except (pdfium.PdfiumError, OSError, ValueError, Image.DecompressionBombError) as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)  # PIL's unreadable: OSError
        return UNDRAWABLE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
