"""Field attachments through the gateway with every service running: staff attach a report and a
photo to an intervention and a contract to the customer; the customer's secure-link session sees
them on its pages, with the photo's thumbnail in the gallery while the firm shows it; nothing of
another customer's is reachable."""

from __future__ import annotations

import io
import uuid

from PIL import Image
from playwright.sync_api import expect

from services.common.testing import wait_until

from ..e2e.stories import admin
from ..e2e.test_field_service_story import customer, known_to_interventions, open_link, post

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1000, 700), (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def attach(staff, path: str, name: str, content: bytes) -> dict:
    """Once documents has heard of the owner (interventions' event): 404 until then."""
    answers: list = []

    def sent() -> bool:
        response = staff.post(f"/api/v1/{path}/attachments", files={"file": (name, content)})
        answers.append(response)
        return response.status_code == 201

    wait_until(sent, timeout=30)
    return answers[-1].json()


def test_a_link_session_sees_attachments_and_the_gallery_of_its_customer_only(suite, page, look):
    staff = admin(suite)
    acme = customer(staff, "Acme Attach", f"a.{uuid.uuid4().hex[:8]}@acme.example")
    globex = customer(staff, "Globex Attach", f"g.{uuid.uuid4().hex[:8]}@globex.example")
    for company in (acme, globex):
        wait_until(lambda c=company: known_to_interventions(staff, c["id"]), timeout=30)
        staff.put(
            f"/api/v1/interventions/portal-options/{company['id']}", json={"gallery_shown": True}
        )
    job = post(staff, "/api/v1/interventions", {"company_id": acme["id"], "description": "Leak"})
    theirs = post(staff, "/api/v1/interventions", {"company_id": globex["id"], "description": "X"})
    attach(staff, f"companies/{acme['id']}", "contract.pdf", PDF)
    attach(staff, f"interventions/{job['id']}", "report.pdf", PDF)
    attach(staff, f"interventions/{job['id']}", "boiler.jpg", photo())
    foreign = attach(staff, f"interventions/{theirs['id']}", "secret.jpg", photo())

    link, session = open_link(suite, staff, acme["id"])
    for path in (
        f"/api/v1/portal/interventions/{theirs['id']}/attachments",
        f"/api/v1/portal/interventions/{theirs['id']}/gallery",
        f"/api/v1/portal/companies/{globex['id']}/attachments",
        f"/api/v1/portal/attachments/{foreign['id']}/download",
        f"/api/v1/portal/attachments/{foreign['id']}/thumbnail",
    ):
        assert session.get(path).status_code == 404, path

    page.goto(link["url"].replace(suite.portal, "/portal"))
    attachments = page.get_by_role("region", name="Attachments")
    expect(attachments.get_by_role("link", name="contract.pdf")).to_be_visible()

    page.goto(f"/portal/interventions/{job['id']}")
    attachments = page.get_by_role("region", name="Attachments")
    expect(attachments.get_by_role("link", name="report.pdf")).to_be_visible()
    thumbnail = page.get_by_role("img", name="Photo boiler.jpg")
    expect(thumbnail).to_be_visible()
    wait_until(lambda: thumbnail.evaluate("img => img.naturalWidth") == 320, timeout=15)
    look(page, "intervention-attachments")
    with page.expect_download() as download:
        attachments.get_by_role("link", name="report.pdf").click()
    assert download.value.suggested_filename == "report.pdf"

    staff.put(f"/api/v1/interventions/portal-options/{acme['id']}", json={"gallery_shown": False})
    gallery = f"/api/v1/portal/interventions/{job['id']}/gallery"
    wait_until(lambda: session.get(gallery).status_code == 403, timeout=30)
    page.reload()
    expect(attachments.get_by_role("link", name="report.pdf")).to_be_visible()
    expect(page.get_by_role("img", name="Photo boiler.jpg")).to_have_count(0)
