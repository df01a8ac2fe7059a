"""Signing in and out of the portal in a browser, through the gateway, with every service up."""

from __future__ import annotations

from playwright.sync_api import expect

from .people import client_contact, sign_in


def test_a_link_needing_sign_in_comes_back_after_it_and_sign_out_ends_the_session(
    suite, smtp_server, page, look
):
    contact = client_contact(suite, smtp_server, company_name="Northwind Legal")

    page.goto("/portal/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    look(page, "sign-in")
    sign_in(page, contact["email"])

    expect(page).to_have_url(f"{suite.portal}/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
    expect(page.get_by_role("banner")).to_contain_text("Northwind Legal")
    look(page, "profile")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    page.goto("/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_a_wrong_password_is_said_next_to_the_form(suite, smtp_server, page, look):
    contact = client_contact(suite, smtp_server)
    page.goto("/portal/sign-in")
    sign_in(page, contact["email"], "not the password at all")
    expect(page.get_by_role("alert")).to_contain_text(
        "The e-mail address or password is not correct."
    )
    look(page, "wrong-password")


def test_signing_in_with_the_keyboard_alone_with_visible_focus(suite, smtp_server, page, look):
    contact = client_contact(suite, smtp_server)
    page.goto("/portal/sign-in")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    look(page, "skip-link")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    email = page.get_by_label("E-mail address")
    expect(email).to_be_focused()
    outline = email.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    page.keyboard.type(contact["email"])
    page.keyboard.press("Tab")
    page.keyboard.type(contact["password"])
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("My matters")


def test_a_staff_member_is_told_the_portal_is_for_clients(suite, page):
    from ..suite import ADMIN_EMAIL, ADMIN_PASSWORD

    page.goto("/portal/sign-in")
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Staff members use the back office.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
