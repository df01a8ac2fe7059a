"""A client opens the invitation link from their e-mail, sees who invited them to which
company, chooses a password under the API's policy, and lands signed in on their portal."""

from __future__ import annotations

from playwright.sync_api import expect

from ..e2e.stories import admin, invite, new_company, new_contact
from .people import PASSWORD, portal_link


def test_an_invited_client_chooses_a_password_and_lands_signed_in(suite, smtp_server, page, look):
    staff = admin(suite)
    company = new_company(staff, "Globex Holdings")
    contact = new_contact(staff, company, locale="en", name="Ines")
    invite(staff, contact)
    link = portal_link(suite, smtp_server, contact["email"], "/accept-invitation?token=")

    page.goto(link)
    # The one-time token leaves the address bar (and so the history) at once.
    expect(page).to_have_url(f"{suite.portal}/accept-invitation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept your invitation")
    expect(page.get_by_role("main")).to_contain_text("Globex Holdings")
    expect(page.get_by_role("main")).to_contain_text(contact["email"])
    look(page, "invitation")

    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Repeat the new password").fill("password1234")
    page.get_by_role("button", name="Set my password").click()
    password = page.get_by_label("New password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    described = password.get_attribute("aria-describedby")
    # The API's policy message, tied to the field it is about.
    policy = page.locator(f"#{described.split()[-1]}")
    expect(policy).to_contain_text("too easy to guess")
    look(page, "invitation-weak-password")

    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the new password").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page).to_have_url(f"{suite.portal}/")
    expect(page.get_by_role("status")).to_contain_text("Welcome")
    expect(page.get_by_role("banner")).to_contain_text("Globex Holdings")

    # The link worked once: opened again, it says so in words.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    look(page, "invitation-used")

    # No process of the suite wrote the one-time token in its log.
    token = link.split("token=", 1)[1]
    for log in suite.logs.glob("*.log"):
        assert token not in log.read_text(errors="replace"), log.name
