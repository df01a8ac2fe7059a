"""The signature receipt PDF: what a signee keeps carries the name they typed, when (in their
language and time zone), the address and browser, and each document with its SHA-256."""

from __future__ import annotations

import hashlib

import pypdfium2 as pdfium
import pytest

from web import receipts

RECEIPT = {
    "collaborator_id": "6f1f1d8e-3f5c-4a57-9d0b-2c1e9b1a7c11",
    "full_name": "Zoë Łukasiewicz-Ñúñez",
    "signed_at": "2026-11-26T14:05:09.123456+00:00",
    "ip_address": "192.0.2.44",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0",
    "documents": [
        {
            "document_id": "d1",
            "name": "Contrat de fourniture.pdf",
            "sha256": hashlib.sha256(b"contract").hexdigest(),
        },
        {
            "document_id": "d2",
            "name": "Annexe 1 — prix.pdf",
            "sha256": hashlib.sha256(b"annex").hexdigest(),
        },
    ],
    "matter": {
        "id": "m1",
        "kind": "contract",
        "reference": "CT-2026-001",
        "title": "Contrat de fourniture",
        "company": {"id": "c1", "name": "Acme Industries S.A."},
    },
}


def text_of(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


@pytest.mark.parametrize(
    ("locale", "time_zone", "title", "when"),
    [
        ("en", "UTC", "Signature receipt", "2:05:09"),
        ("fr", "Europe/Paris", "Reçu de signature", "15:05:09"),
        ("es", "America/Mexico_City", "Recibo de firma", "8:05:09"),
    ],
)
def test_the_receipt_names_who_signed_when_from_where_and_what(locale, time_zone, title, when):
    pdf = receipts.receipt_pdf(RECEIPT, locale, time_zone, firm_name="Dupont & Associés")
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert title in text
    assert "Zoë Łukasiewicz-Ñúñez" in text
    assert when in text and "2026" in text
    assert "192.0.2.44" in text and "Chrome/131.0" in text
    assert "CT-2026-001" in text and "Acme Industries S.A." in text
    for document in RECEIPT["documents"]:
        assert document["name"] in text
        assert document["sha256"] in text  # on one line, never cut
    assert RECEIPT["collaborator_id"] in text


def test_a_signature_over_no_document_says_so():
    text = text_of(receipts.receipt_pdf({**RECEIPT, "documents": []}, "en"))
    assert "No document was shown to you on this matter when you signed." in text


def test_without_the_dejavu_fonts_it_still_prints(monkeypatch, tmp_path):
    monkeypatch.setenv("WEB_RECEIPT_FONT_DIR", str(tmp_path))
    text = text_of(receipts.receipt_pdf(RECEIPT, "fr", "Europe/Paris"))
    assert "Zoë ?ukasiewicz-Ñúñez" in text  # Latin-1 core fonts: Ł cannot be printed
    assert RECEIPT["documents"][0]["sha256"] in text


def test_an_unknown_time_zone_falls_back_to_utc():
    text = text_of(receipts.receipt_pdf(RECEIPT, "en", "Mars/Olympus_Mons"))
    assert "2:05:09" in text
