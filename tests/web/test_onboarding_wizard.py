"""A customer's representative registers for the billing portal in French, in Chromium: from
the signup link the firm handed out, tab by tab (terms first), to their first sign-in from the
invitation e-mail."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from ..e2e.onboarding_steps import customer_group, group_company, signup_token
from ..e2e.stories import admin
from .people import PASSWORD, portal_link


def test_a_representative_registers_in_french_and_signs_in(suite, smtp_server, new_page, look):
    staff = admin(suite)
    group = customer_group(staff, "ein")
    company = group_company(staff, group, "04-2103594", name="Boulangeries Réunies")
    token = signup_token(staff, group)
    email = f"claire.{uuid.uuid4().hex[:8]}@client.example"
    page = new_page("fr-FR")

    page.goto(f"{suite.portal}/onboarding/signup?token={token}")
    # The signup token leaves the address bar at once; the terms come first.
    expect(page).to_have_url(f"{suite.portal}/onboarding/terms")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Demande d’accès au portail de facturation"
    )
    main = page.get_by_role("main")
    expect(main).to_contain_text("Conditions générales")
    expect(main).to_contain_text("Merci d’accepter.")  # the group's message, in French
    look(page, "terms")

    page.get_by_role("link", name="2. Informations contact").click()
    expect(page).to_have_url(f"{suite.portal}/onboarding/terms")
    expect(page.get_by_role("status")).to_contain_text("Acceptez d’abord les conditions générales.")

    page.get_by_label("J’ai lu et j’accepte les conditions générales").check()
    page.get_by_role("button", name="Accepter et continuer").click()
    expect(page).to_have_url(f"{suite.portal}/onboarding/contact")
    page.get_by_label("Nom complet").fill("Claire Martin")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Numéro de téléphone").fill("01 42 68 53 00")
    look(page, "contact")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page).to_have_url(f"{suite.portal}/onboarding/company")
    page.get_by_label("Nom de la société").fill("Boulangeries Réunies")
    tax_id = page.get_by_label("Numéro fiscal")
    tax_id.fill("04-21O3594")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(tax_id).to_have_attribute("aria-invalid", "true")
    # Said in French, with the group's pattern, next to the field.
    expect(main).to_contain_text(
        "Ce numéro fiscal n’est pas valide : écrivez-le au format nn-nnnnnnn"
    )
    look(page, "company-bad-tax-id")
    tax_id.fill("04-2103594")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page).to_have_url(f"{suite.portal}/onboarding/questions")
    page.get_by_label("Quel ERP ?").fill("Sage")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page).to_have_url(f"{suite.portal}/onboarding/status")
    expect(main).to_contain_text("C’est complet !")
    look(page, "status")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(main).to_contain_text("Votre accès est prêt.")

    link = portal_link(suite, smtp_server, email, "/accept-invitation?token=")
    page.goto(link)
    page.get_by_label("Nouveau mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Répétez le nouveau mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer mon mot de passe").click()
    expect(page).to_have_url(f"{suite.portal}/")
    expect(page.get_by_role("banner")).to_contain_text(company["name"])
    look(page, "signed-in")
