"""Seed 003, the client's part in a real browser: documents shared with me (and not the
others), searched by the text inside a PDF, previewed page by page on the server (preview only:
no download), and my updated version sent from the upload form, which the firm hears of."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.documents.helpers import make_pdf
from tests.suite import ADMIN_EMAIL

from ..e2e.stories import admin, mails_to, text_of
from .people import client_contact, sign_in
from .test_matter_story import staff_call

LEASE = make_pdf("Lease of the warehouse", "The indemnity clause of article 9")


def test_a_client_previews_searches_and_sends_an_updated_version(
    suite, smtp_server, new_page, look, tmp_path
):
    ana = client_contact(suite, smtp_server, company_name="Acme Industries")
    staff = admin(suite)
    reference = "CS-" + uuid.uuid4().hex[:6]
    mid = staff_call(
        staff,
        "POST",
        "/api/v1/matters",
        201,
        json={
            "kind": "case",
            "reference": reference,
            "title": "Warehouse",
            "company_id": ana["company"]["id"],
        },
    )["id"]
    staff_call(staff, "PUT", f"/api/v1/matters/{mid}/portal", json={"requester_id": ana["id"]})

    def upload(name: str, content: bytes) -> dict:
        files = {"file": (name, content, "application/octet-stream")}
        return staff_call(staff, "POST", f"/api/v1/matters/{mid}/documents", 201, files=files)

    lease = upload("lease.pdf", LEASE)
    upload("internal-notes.txt", b"not for the client")
    staff_call(
        staff,
        "PUT",
        f"/api/v1/matters/{mid}/document-shares",
        json={"contacts": [ana["id"]], "documents": [lease["id"]]},
    )

    page = new_page()
    page.goto(f"{suite.portal}/matters/{mid}/documents")
    sign_in(page, ana["email"])
    page.goto(f"{suite.portal}/matters/{mid}/documents")
    row = page.get_by_role("row", name=re.compile("lease.pdf"))
    expect(row).to_contain_text("preview only")
    expect(page.get_by_text("internal-notes.txt")).to_have_count(0)
    expect(page.get_by_role("link", name="Download lease.pdf")).to_have_count(0)
    look(page, "exchange-documents")

    page.get_by_label("Search in names, folders and text").fill("indemnity")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("row", name=re.compile("lease.pdf"))).to_be_visible()
    page.get_by_label("Search in names, folders and text").fill("pumps")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No document matches your search.")).to_be_visible()

    page.goto(f"{suite.portal}/matters/{mid}/documents")
    page.get_by_role("link", name="Preview lease.pdf").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    image = page.get_by_role("img", name="Page 1 of the document")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 500  # drawn on the server
    page.get_by_role("button", name="Zoom in").click()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    look(page, "exchange-viewer")

    page.get_by_role("link", name="Back to the documents").click()
    page.get_by_role("link", name="Upload an updated version lease.pdf").click()
    expect(page.get_by_role("heading", name="Upload an updated version of “lease.pdf”"))
    signed = tmp_path / "lease-signed.pdf"
    signed.write_bytes(make_pdf("Lease signed by Acme"))
    page.get_by_label("File (PDF, images, Office documents, text, CSV or ZIP)").set_input_files(
        str(signed)
    )
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("“lease-signed.pdf” was sent to the firm.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("lease-signed.pdf"))).to_contain_text(
        "sent by you"
    )
    look(page, "exchange-uploaded")

    # The matter's owner (the firm's admin here) is told, in their language.
    def told():
        # This matter's: other tests' clients send files of that name too.
        return [
            m
            for m in mails_to(smtp_server, ADMIN_EMAIL)
            if "lease-signed.pdf" in text_of(m) and reference in m["Subject"]
        ]

    from services.common.testing import wait_until

    (mail,) = wait_until(told, timeout=60, message="the e-mail about the client's upload")
    assert "lease.pdf" in text_of(mail)


def test_the_upload_form_works_without_javascript(suite, smtp_server, browser, tmp_path):
    ana = client_contact(suite, smtp_server, company_name="Acme Industries")
    staff = admin(suite)
    mid = staff_call(
        staff,
        "POST",
        "/api/v1/matters",
        201,
        json={
            "kind": "case",
            "reference": "CS-" + uuid.uuid4().hex[:6],
            "title": "Plain",
            "company_id": ana["company"]["id"],
        },
    )["id"]
    staff_call(staff, "PUT", f"/api/v1/matters/{mid}/portal", json={"requester_id": ana["id"]})
    context = browser.new_context(base_url=suite.gateway, java_script_enabled=False)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(f"{suite.portal}/matters/{mid}/documents")
        sign_in(page, ana["email"])
        page.goto(f"{suite.portal}/matters/{mid}/documents")
        expect(
            page.get_by_text("No document is shared with you on this matter yet.")
        ).to_be_visible()
        disguised = tmp_path / "invoice.pdf"
        disguised.write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 300)
        page.get_by_label("File (PDF, images, Office documents, text, CSV or ZIP)").set_input_files(
            str(disguised)
        )
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("cannot be uploaded here", exact=False)).to_be_visible()
        report = tmp_path / "report.txt"
        report.write_text("Site visit report: the roof leaks.")
        page.get_by_label("File (PDF, images, Office documents, text, CSV or ZIP)").set_input_files(
            str(report)
        )
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("“report.txt” was sent to the firm.")).to_be_visible()
        expect(page.get_by_role("row", name=re.compile("report.txt"))).to_contain_text(
            "sent by you"
        )
    finally:
        context.close()
