"""An admin invites a client contact; the contact gets the e-mail in their language, accepts it,
signs in and sees their company — all through the gateway, with every service running."""

from __future__ import annotations

import pytest

from services.common.testing import wait_until

from ..suite import Client
from .stories import admin, invitation_token, invite, mails_to, new_company, new_contact, text_of

SUBJECT_WORDS = {"en": "invit", "fr": "invit", "es": "invita"}


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_invited_contact_accepts_signs_in_and_sees_their_company(suite, smtp_server, locale):
    staff = admin(suite)
    company = new_company(staff, f"Acme {locale}")
    contact = new_contact(staff, company, locale=locale)
    invite(staff, contact)

    (mail,) = wait_until(
        lambda: mails_to(smtp_server, contact["email"]), timeout=30, message="the invitation e-mail"
    )
    assert SUBJECT_WORDS[locale] in mail["Subject"].lower()
    assert mail["Content-Language"] in (None, locale)
    assert company["name"] in text_of(mail)

    accepted = Client(suite.gateway).post(
        "/api/v1/auth/invitations/accept",
        json={"token": invitation_token(mail), "password": "a long enough secret"},
    )
    assert accepted.status_code == 200, accepted.text

    me = Client(suite.gateway).login(contact["email"], "a long enough secret").get("/api/v1/me")
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == contact["email"]
    assert body["locale"] == locale
    assert [(c["id"], c["name"], c["role"]) for c in body["companies"]] == [
        (company["id"], company["name"], "primary")
    ]


def test_invitation_token_works_once(suite, smtp_server):
    staff = admin(suite)
    contact = new_contact(staff, new_company(staff))
    invite(staff, contact)
    (mail,) = wait_until(
        lambda: mails_to(smtp_server, contact["email"]), timeout=30, message="the invitation e-mail"
    )
    anonymous = Client(suite.gateway)
    body = {"token": invitation_token(mail), "password": "first password ok"}
    assert anonymous.post("/api/v1/auth/invitations/accept", json=body).status_code == 200
    again = anonymous.post(
        "/api/v1/auth/invitations/accept", json={**body, "password": "second password"}
    )
    assert again.status_code == 400
    assert again.headers["Content-Type"].startswith("application/problem+json")
    # The first password still holds; the reused token changed nothing.
    Client(suite.gateway).login(contact["email"], "first password ok")


def test_portal_token_is_refused_on_staff_endpoints(suite, smtp_server):
    staff = admin(suite)
    contact = new_contact(staff, new_company(staff))
    invite(staff, contact)
    (mail,) = wait_until(
        lambda: mails_to(smtp_server, contact["email"]), timeout=30, message="the invitation e-mail"
    )
    Client(suite.gateway).post(
        "/api/v1/auth/invitations/accept",
        json={"token": invitation_token(mail), "password": "portal user secret"},
    )
    portal = Client(suite.gateway).login(contact["email"], "portal user secret")
    for path in ("/api/v1/companies", "/api/v1/users", "/api/v1/emails"):
        response = portal.get(path)
        assert response.status_code == 403, (path, response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")


def test_gateway_answers_problems_for_unknown_paths_and_serves_merged_openapi(suite):
    anonymous = Client(suite.gateway)
    missing = anonymous.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["status"] == 404
    spec = anonymous.get("/openapi.json").json()
    assert "/api/v1/auth/login" in spec["paths"]
    assert "/api/v1/emails" in spec["paths"]
