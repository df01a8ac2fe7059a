"""A person's profile (name, language, time zone), the language switcher, and the company
switcher of a person in several companies."""

from __future__ import annotations

from playwright.sync_api import expect

from ..e2e.stories import admin, new_company
from ..suite import Client
from .people import PASSWORD, client_contact, sign_in


def test_the_language_chosen_in_the_profile_is_the_language_of_the_pages(
    suite, smtp_server, page, look
):
    contact = client_contact(suite, smtp_server)
    page.goto("/portal/sign-in")
    sign_in(page, contact["email"])
    page.get_by_role("link", name="Profile").click()

    page.get_by_label("Name").fill("Dana Scully")
    page.get_by_label("Language", exact=True).select_option("fr")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Profil")
    expect(page.get_by_role("status")).to_have_text("Votre profil est enregistré.")
    look(page, "profile-fr")
    me = Client(suite.gateway).login(contact["email"], PASSWORD).get("/api/v1/me").json()
    assert (me["name"], me["locale"], me["time_zone"]) == ("Dana Scully", "fr", "Europe/Paris")

    # The header's switcher changes the profile too, so e-mails follow the pages.
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Perfil")
    me = Client(suite.gateway).login(contact["email"], PASSWORD).get("/api/v1/me").json()
    assert me["locale"] == "es"


def test_before_sign_in_the_switcher_and_the_browser_choose_the_language(suite, new_page, look):
    page = new_page(locale="fr-FR")
    page.goto("/portal/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    look(page, "sign-in-es")


def test_a_person_in_two_companies_switches_and_each_page_says_which_it_shows(
    suite, smtp_server, page, look
):
    contact = client_contact(suite, smtp_server, company_name="Alpha Logistics")
    staff = admin(suite)
    second = new_company(staff, "Beta Pharma")
    added = staff.post(
        f"/api/v1/companies/{second['id']}/members",
        json={"user_id": contact["id"], "role": "member"},
    )
    assert added.status_code in (200, 201), added.text

    page.goto("/portal/sign-in")
    sign_in(page, contact["email"])
    switcher = page.get_by_label("Company shown")
    expect(switcher.locator("option:checked")).to_have_text("Alpha Logistics")
    expect(page.get_by_role("main")).to_contain_text("Alpha Logistics")
    look(page, "two-companies")

    switcher.select_option(label="Beta Pharma")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_label("Company shown").locator("option:checked")).to_have_text("Beta Pharma")
    expect(page.get_by_role("main")).to_contain_text("Beta Pharma")
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_label("Company shown").locator("option:checked")).to_have_text("Beta Pharma")
