"""A primary representative, registered through the wizard, keeps their billing contact and
manages their company's representatives in the browser: invites one, deactivates them, and
has no way to deactivate themselves."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from ..e2e.onboarding_steps import Wizard, customer_group, group_company, link_token, mail_to
from ..e2e.stories import admin
from ..suite import Client
from .people import PASSWORD, sign_in


def test_a_primary_representative_manages_contact_and_representatives(
    suite, smtp_server, page, look
):
    staff = admin(suite)
    group = customer_group(staff, "ein")
    group_company(staff, group, "04-2103594", name="Initrode")
    token = staff.post(f"/api/v1/customer-groups/{group['id']}/signup-links").json()["token"]
    email = f"pat.{uuid.uuid4().hex[:8]}@client.example"
    assert (
        Wizard(suite, token, "en").register(email, "Pat Primary", "04-2103594").status_code == 200
    )
    invitation = mail_to(smtp_server, email, "invit")
    accepted = Client(suite.gateway).post(
        "/api/v1/auth/invitations/accept",
        json={"token": link_token(invitation, "accept-invitation"), "password": PASSWORD},
    )
    assert accepted.status_code == 200, accepted.text

    page.goto(f"{suite.portal}/sign-in")
    sign_in(page, email)
    page.get_by_role("link", name="Billing contact").click()
    page.get_by_label("Phone number").fill("+1 650 253 0000")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Thanks, we will use these details.")
    expect(page.get_by_label("Phone number")).to_have_value("+16502530000")
    look(page, "billing-contact")

    page.get_by_role("link", name="Representatives").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Representatives of Initrode")
    colleague = f"sam.{uuid.uuid4().hex[:8]}@client.example"
    page.get_by_label("Full name").fill("Sam Second")
    page.get_by_label("E-mail address").fill(colleague)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"{colleague} is invited.")
    row = page.get_by_role("row", name="Sam Second")
    expect(row).to_contain_text("Secondary")
    expect(row).to_contain_text("Invited")
    expect(page.get_by_role("button", name="Deactivate Pat Primary")).to_have_count(0)
    look(page, "representatives")

    page.get_by_role("button", name="Deactivate Sam Second").click()
    expect(page.get_by_role("status")).to_contain_text("The representative is deactivated.")
    expect(page.get_by_role("row", name="Sam Second")).to_contain_text("Deactivated")
    mail_to(smtp_server, colleague, "invit")  # the colleague was sent their invitation
