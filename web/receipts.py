"""The signature receipt as a PDF the signee keeps: when, the name they typed, the address and
browser it came from, and each document signed with its SHA-256.

A pure function of the receipt (as GET /api/v1/portal/matters/{id}/signature answers it), the
language and the time zone. Text is set in DejaVu Sans when the system has it (any script a
name may be written in; `WEB_RECEIPT_FONT_DIR` points at another folder of the DejaVu files);
otherwise in the PDF core fonts, which only know Latin-1, so other characters print as "?".
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from babel.support import NullTranslations
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from . import i18n
from .config import LOCALES

FONT_FILES = {
    ("text", ""): "DejaVuSans.ttf",
    ("text", "B"): "DejaVuSans-Bold.ttf",
    ("mono", ""): "DejaVuSansMono.ttf",
}
CORE_FONTS = {"text": "helvetica", "mono": "courier"}
INK, MUTED = (20, 20, 20), (85, 85, 85)
NEXT_LINE = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT, "align": "L"}


@cache
def gettext_for(locale: str) -> Callable[[str], str]:
    """The portal's catalog of `locale` (English: the messages themselves); no request needed."""
    if locale not in LOCALES[1:]:
        return NullTranslations().gettext
    return i18n._load(locale).gettext


def _font_dir() -> Path | None:
    folder = Path(os.environ.get("WEB_RECEIPT_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
    return folder if all((folder / name).is_file() for name in FONT_FILES.values()) else None


class _Receipt(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        folder = _font_dir()
        self.unicode = folder is not None
        if folder is not None:
            for (family, style), name in FONT_FILES.items():
                self.add_font(family, style, str(folder / name))
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)

    def use(self, family: str, size: float, style: str = "", color=INK) -> None:
        self.set_font(family if self.unicode else CORE_FONTS[family], style, size)
        self.set_text_color(*color)

    def text_of(self, value: str) -> str:
        """What this font can print: all of it in DejaVu, Latin-1 in the core fonts."""
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.use("text", 8, color=MUTED)
        self.cell(0, 5, self.text_of(f"{self.footer_text} · {self.page_no()}/{{nb}}"), align="C")


def _when(signed_at: str, locale: str, time_zone: str | None) -> str:
    moment = datetime.fromisoformat(signed_at.replace("Z", "+00:00"))
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    utc = moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{format_datetime(moment, 'full', tzinfo=zone, locale=locale)} ({utc})"


def receipt_pdf(
    receipt: dict, locale: str, time_zone: str | None = None, firm_name: str = ""
) -> bytes:
    """The receipt as an A4 PDF, in `locale` (en, fr, es), times in `time_zone` (IANA)."""
    _ = gettext_for(locale)
    matter = receipt["matter"]
    kind = _("Contract") if matter["kind"] == "contract" else _("Case")
    pdf = _Receipt(" · ".join(filter(None, [firm_name, _("Signature receipt")])))
    pdf.set_title(_("Signature receipt"))
    pdf.set_lang(locale)
    pdf.add_page()
    width = pdf.epw

    pdf.use("text", 18, "B")
    pdf.multi_cell(width, 9, pdf.text_of(_("Signature receipt")), **NEXT_LINE)
    pdf.use("text", 11, color=MUTED)
    heading = f"{kind} {matter['reference']} · {matter['title']}".strip(" ·")
    pdf.multi_cell(width, 6, pdf.text_of(heading), **NEXT_LINE)
    pdf.ln(4)

    rows = [
        (_("Company"), matter["company"]["name"]),
        (_("Signed by (name typed)"), receipt["full_name"]),
        (_("Signed on"), _when(receipt["signed_at"], locale, time_zone)),
        (_("From the address"), receipt.get("ip_address") or "—"),
        (_("Browser"), receipt.get("user_agent") or "—"),
        (_("Receipt number"), receipt["collaborator_id"]),
    ]
    label_width = 52
    for label, value in rows:
        pdf.use("text", 10, color=MUTED)
        pdf.multi_cell(
            label_width, 6, pdf.text_of(label), new_x=XPos.RIGHT, new_y=YPos.TOP, align="L"
        )
        pdf.use("text", 10, "B" if value is receipt["full_name"] else "")
        pdf.multi_cell(width - label_width, 6, pdf.text_of(value), **NEXT_LINE)
        pdf.ln(1)

    pdf.ln(4)
    pdf.use("text", 13, "B")
    pdf.multi_cell(width, 8, pdf.text_of(_("Documents signed")), **NEXT_LINE)
    documents = receipt.get("documents") or []
    if not documents:
        pdf.use("text", 10)
        none = _("No document was shown to you on this matter when you signed.")
        pdf.multi_cell(width, 6, pdf.text_of(none), **NEXT_LINE)
    for document in documents:
        pdf.use("text", 10, "B")
        pdf.multi_cell(width, 6, pdf.text_of(document["name"]), **NEXT_LINE)
        pdf.use("mono", 8.5, color=MUTED)
        # 64 hexadecimal digits at 8.5 pt take about 115 mm: one line, never wrapped.
        pdf.cell(width, 5, f"SHA-256 {document['sha256']}", **NEXT_LINE)
        pdf.ln(2)

    pdf.ln(4)
    pdf.use("text", 9, color=MUTED)
    keep = _(
        "Keep this receipt. The SHA-256 of a document identifies the exact file you signed: "
        "any change to the file changes it."
    )
    pdf.multi_cell(width, 5, pdf.text_of(keep), **NEXT_LINE)
    return bytes(pdf.output())
