"""A client contact manages their own account through the gateway: sees what an invitation is
for, chooses a password, sets their time zone, forgets the password and resets it from the
e-mailed link, and changes it again — with every service running."""

from __future__ import annotations

from services.common.testing import wait_until

from ..suite import Client
from .stories import admin, invitation_token, invite, mails_to, new_company, new_contact, text_of

FIRST = "lantern orchard velvet 42"
SECOND = "copper meadow whistle 17"
THIRD = "granite harbour tulip 88"


def test_invitation_then_time_zone_then_forgotten_and_changed_password(suite, smtp_server):
    staff = admin(suite)
    company = new_company(staff, "Acme Accounts")
    contact = new_contact(staff, company, name="Lena")
    invite(staff, contact)
    (invitation,) = wait_until(
        lambda: mails_to(smtp_server, contact["email"]), timeout=30, message="the invitation"
    )
    anonymous = Client(suite.gateway)
    token = invitation_token(invitation)
    inspected = anonymous.post("/api/v1/auth/invitations/inspect", json={"token": token})
    assert inspected.status_code == 200, inspected.text
    assert inspected.json()["companies"] == [{"id": company["id"], "name": company["name"]}]
    weak = anonymous.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": "lena12345678"}
    )
    assert weak.status_code == 422 and "password" in weak.json()["errors"]
    accepted = anonymous.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": FIRST}
    )
    assert accepted.status_code == 200, accepted.text

    lena = anonymous.login(contact["email"], FIRST)
    zone = lena.patch("/api/v1/me", json={"time_zone": "Europe/Madrid"})
    assert zone.status_code == 200 and zone.json()["time_zone"] == "Europe/Madrid"

    asked = anonymous.post("/api/v1/auth/password-reset", json={"email": contact["email"]})
    assert asked.status_code == 202
    reset_mail = wait_until(
        lambda: [m for m in mails_to(smtp_server, contact["email"]) if m is not invitation],
        timeout=30,
        message="the password-reset e-mail",
    )[-1]
    assert "/portal/reset-password?token=" in text_of(reset_mail)
    reset = anonymous.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": invitation_token(reset_mail), "password": SECOND},
    )
    assert reset.status_code == 200, reset.text
    refused = anonymous.post(
        "/api/v1/auth/login", json={"email": contact["email"], "password": FIRST}
    )
    assert refused.status_code == 401

    lena = anonymous.login(contact["email"], SECOND)
    changed = lena.post(
        "/api/v1/me/password", json={"current_password": SECOND, "new_password": THIRD}
    )
    assert changed.status_code == 204, changed.text
    assert anonymous.login(contact["email"], THIRD).get("/api/v1/me").json()["name"] == "Lena"
