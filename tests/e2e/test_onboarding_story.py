"""Billing-portal onboarding through the gateway with every service running: the firm sets a
customer group up, representatives register from the signup link, identity creates their
accounts (primary, then secondary), the mailer sends the resume link, the invitation and the
primary's "additional contact" message in each person's language."""

from __future__ import annotations

import uuid

import pytest

from services.common.testing import wait_until

from ..suite import Client
from .onboarding_steps import (
    TAX_IDS,
    Wizard,
    customer_group,
    group_company,
    link_token,
    mail_to,
    signup_token,
)
from .stories import admin, text_of

RESUME_SUBJECT = {"en": "access request", "fr": "demande d’accès", "es": "solicitud de acceso"}
INVITATION_SUBJECT = {"en": "invit", "fr": "invit", "es": "invita"}
ADDED_SUBJECT = {"en": "was added", "fr": "a été ajouté", "es": "se ha añadido"}


def _email(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:8]}@client.example"


def _signs_in(suite, smtp_server, email: str, locale: str) -> Client:
    invitation = mail_to(smtp_server, email, INVITATION_SUBJECT[locale])
    accepted = Client(suite.gateway).post(
        "/api/v1/auth/invitations/accept",
        json={
            "token": link_token(invitation, "accept-invitation"),
            "password": "billing portal secret 42",
        },
    )
    assert accepted.status_code == 200, accepted.text
    return Client(suite.gateway).login(email, "billing portal secret 42")


@pytest.mark.parametrize(
    ("tax_format", "locale"), [("nine_digits", "en"), ("ein", "fr"), ("ssn", "es")]
)
def test_representative_registers_and_signs_in_for_each_tax_id_format(
    suite, smtp_server, tax_format, locale
):
    staff = admin(suite)
    typed, held = TAX_IDS[tax_format]
    group = customer_group(staff, tax_format)
    company = group_company(staff, group, held)
    wizard = Wizard(suite, signup_token(staff, group), locale)
    email = _email("ana")

    submitted = wizard.register(email, "Ana Lima", typed)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "completed"

    resume = mail_to(smtp_server, email, RESUME_SUBJECT[locale])
    assert wizard.view["resume_token"] == link_token(resume, "onboarding/resume")
    me = _signs_in(suite, smtp_server, email, locale).get("/api/v1/me").json()
    assert me["locale"] == locale
    assert [(c["id"], c["role"]) for c in me["companies"]] == [(company["id"], "primary")]


def test_second_representative_is_secondary_and_the_primary_is_told_in_their_language(
    suite, smtp_server
):
    staff = admin(suite)
    group = customer_group(staff, "ein")
    company = group_company(staff, group, "04-2103594", name="Globex")
    token = signup_token(staff, group)
    primary, secondary = _email("prima"), _email("segundo")
    assert Wizard(suite, token, "fr").register(primary, "Prima", "04-2103594").status_code == 200
    _signs_in(suite, smtp_server, primary, "fr")
    assert Wizard(suite, token, "es").register(secondary, "Segundo", "042103594").status_code == 200

    me = _signs_in(suite, smtp_server, secondary, "es").get("/api/v1/me").json()
    assert [(c["id"], c["role"]) for c in me["companies"]] == [(company["id"], "secondary")]
    told = mail_to(smtp_server, primary, ADDED_SUBJECT["fr"])
    assert "Un collègue vous a rejoint sur le portail." in text_of(told)
    assert secondary in text_of(told)


def test_unknown_tax_id_goes_to_review_and_the_firm_approves_it_choosing_the_company(
    suite, smtp_server
):
    staff = admin(suite)
    group = customer_group(staff, "ein")
    company = group_company(staff, group, "91-1144442", name="Initech")
    email = _email("rev")
    wizard = Wizard(suite, signup_token(staff, group), "en")
    assert wizard.register(email, "Rev", "04-2103594").json()["status"] == "in_review"

    waiting = staff.get(f"/api/v1/access-requests?status=in_review&group_id={group['id']}").json()
    (request,) = waiting["items"]
    assert request["matched_company"] is None and request["contact"]["email"] == email
    approved = staff.post(
        f"/api/v1/access-requests/{request['id']}/approve", json={"company_id": company["id"]}
    )
    assert approved.status_code == 200, approved.text
    me = _signs_in(suite, smtp_server, email, "en").get("/api/v1/me").json()
    assert [(c["id"], c["role"]) for c in me["companies"]] == [(company["id"], "primary")]


def test_bad_input_is_a_clear_4xx_and_leaves_nothing_half_made(suite, smtp_server):
    staff = admin(suite)
    group = customer_group(staff, "ssn")
    group_company(staff, group, "536-90-4399")
    token = signup_token(staff, group)
    wizard = Wizard(suite, token, "en")
    wizard.step("POST", "terms", {"version": 1})
    bad = wizard.step("PUT", "company", {"company_name": "Acme", "tax_id": "536-9O-4399"})
    assert bad.status_code == 422 and "nnn-nn-nnnn" in bad.json()["errors"]["tax_id"][0]
    email = _email("twice")
    done = wizard.register(email, "Twice", "536904399", terms_first=False)
    assert done.json()["status"] == "completed"
    edited = wizard.step("PUT", "company", {"company_name": "Other", "tax_id": "536904399"})
    assert edited.status_code == 409 and edited.json()["code"] == "REQUEST_CLOSED"
    twice = Wizard(suite, token, "en").register(email, "Twice", "536-90-4399")
    assert twice.status_code == 409 and twice.json()["code"] == "ALREADY_REGISTERED"

    link = staff.get(f"/api/v1/customer-groups/{group['id']}/signup-links").json()["items"][0]
    assert (
        staff.delete(f"/api/v1/customer-groups/{group['id']}/signup-links/{link['id']}").status_code
        == 204
    )
    revoked = Client(suite.gateway).post("/api/v1/portal/onboarding/signup", json={"token": token})
    assert revoked.status_code == 410
    assert revoked.headers["Content-Type"].startswith("application/problem+json")
    # One registration made one account: the second request created nothing.
    users = wait_until(
        lambda: staff.get("/api/v1/users", params={"q": email}).json()["items"],
        timeout=30,
        message="the account of the first registration",
    )
    assert [u["email"] for u in users] == [email]
