"""Seed 002 in a browser: the firm copies a secure link, the customer opens it in Chromium, browses
sites and equipment, creates an intervention from the pre-filled form and sees the confirmation;
staff find it in the back-office queue and schedule it; the customer's contact is e-mailed.
Revoking the link ends the browser's session at its next page."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from services.common.testing import wait_until

from ..e2e.stories import admin, mails_to
from ..e2e.test_field_service_story import customer, known_to_interventions, post


def test_a_customer_follows_and_requests_interventions_from_a_secure_link(
    suite, smtp_server, page, look
):
    staff = admin(suite)
    contact_email = f"claire.{uuid.uuid4().hex[:8]}@acme.example"
    acme = customer(staff, "Acme Boilers", contact_email)
    wait_until(lambda: known_to_interventions(staff, acme["id"]), timeout=30)
    depot = post(staff, "/api/v1/sites", {"company_id": acme["id"], "name": "Depot"})
    post(
        staff,
        "/api/v1/equipment",
        {"company_id": acme["id"], "site_id": depot["id"], "name": "Boiler B2"},
    )
    kind = post(
        staff,
        "/api/v1/intervention-types",
        {
            "name": f"Repair {uuid.uuid4().hex[:4]}",
            "fields": [{"key": "floor", "label": "Floor", "kind": "number", "required": True}],
        },
    )
    link = post(staff, "/api/v1/secure-links", {"company_id": acme["id"]})

    page.goto(link["url"].replace(suite.portal, "/portal"))
    expect(page).to_have_url(f"{suite.portal}/customer")  # the token is gone from the address
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Boilers")
    expect(page.get_by_text(acme["number"])).to_be_visible()
    look(page, "customer")
    for log in suite.logs.glob("*.log"):  # the gateway and the portal log paths, never queries
        assert link["token"] not in log.read_text(errors="replace"), log.name

    page.get_by_role("link", name="Sites").click()
    page.get_by_role("link", name="Depot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Depot")
    look(page, "site")
    page.get_by_role("link", name="Equipment").click()
    expect(page.get_by_role("link", name="Boiler B2")).to_be_visible()
    look(page, "equipment")

    page.get_by_role("link", name="Interventions").click()
    page.get_by_role("link", name="Create an intervention").click()
    expect(page.get_by_label("E-mail address")).to_have_value(contact_email)  # pre-filled
    expect(page.get_by_label("City")).to_have_value("Lyon")
    page.get_by_label("Type of intervention").select_option(label=kind["name"])
    page.get_by_role("button", name="Choose this type").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#description-error")).to_contain_text("description is required")
    look(page, "form-errors")
    page.get_by_label("Description (required)").fill("The boiler on floor 2 leaks")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#extra-floor-error")).to_contain_text("Floor is required")
    page.get_by_label("Floor (required)").fill("2")
    page.get_by_label("Site").select_option(label="Depot")
    page.get_by_role("button", name="Save").click()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Your request is recorded")
    number = page.get_by_role("heading", level=1).inner_text().split()[-1]
    assert number.startswith("INT-")
    look(page, "confirmation")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_be_hidden()

    queue = staff.get(f"/api/v1/interventions?status=to_schedule&company_id={acme['id']}").json()
    (queued,) = queue["items"]
    assert queued["number"] == number and queued["extra"] == {"floor": 2}
    post(
        staff,
        f"/api/v1/interventions/{queued['id']}/status",
        {"status": "scheduled", "scheduled_at": "2027-02-01T09:00:00Z", "technician": "Ali"},
    )
    (mail,) = wait_until(lambda: mails_to(smtp_server, contact_email), timeout=30)
    assert mail["Subject"] == f"Intervention {number} is scheduled"
    page.reload()
    expect(page.get_by_text("Ali")).to_be_visible()

    assert staff.delete(f"/api/v1/secure-links/{link['id']}").status_code == 204

    def ended() -> bool:
        page.goto("/portal/customer")
        return page.get_by_role("heading", level=1).inner_text() == "This link cannot be used"

    wait_until(ended, timeout=30, interval=0.5, message="the revoked link's session to end")
    look(page, "link-revoked")


def test_a_link_that_does_not_open_says_so(suite, page, look):
    response = page.goto("/portal/link?token=not-a-real-link-token")
    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    look(page, "link-invalid")
