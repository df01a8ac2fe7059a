"""A forgotten password reset from the e-mailed link, and a password changed while signed in."""

from __future__ import annotations

from playwright.sync_api import expect

from .people import PASSWORD, client_contact, portal_link, sign_in

NEW_PASSWORD = "marble lantern quietly harvests 77"


def test_a_forgotten_password_is_reset_from_the_emailed_link(suite, smtp_server, page, look):
    contact = client_contact(suite, smtp_server, company_name="Initech")
    page.goto("/portal/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    look(page, "forgot-password")
    page.get_by_label("E-mail address").fill(contact["email"])
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    look(page, "reset-sent")
    link = portal_link(suite, smtp_server, contact["email"], "/reset-password?token=")

    page.goto(link)
    expect(page).to_have_url(f"{suite.portal}/reset-password")
    look(page, "reset-password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page).to_have_url(f"{suite.portal}/")
    expect(page.get_by_role("status")).to_contain_text("Your new password is set")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, contact["email"], NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("My matters")

    # Single use: nothing can tell before trying (no API reads a reset token without using it).
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD + " again")
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD + " again")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    look(page, "reset-used")


def test_an_unknown_address_gets_the_same_answer(suite, page):
    page.goto("/portal/forgot-password")
    page.get_by_label("E-mail address").fill("nobody.at.all@client.example")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")


def test_a_password_is_changed_knowing_the_current_one(suite, smtp_server, page, look):
    contact = client_contact(suite, smtp_server)
    page.goto("/portal/sign-in")
    sign_in(page, contact["email"])
    page.get_by_role("link", name="Password").click()
    look(page, "change-password")

    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    current = page.get_by_label("Current password")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#current_password-error")).to_contain_text("not your current password")
    look(page, "change-password-wrong")

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_role("status")).to_have_text("Your password is changed.")
    # This session goes on; the new password is the one that signs in.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, contact["email"], NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("My matters")
