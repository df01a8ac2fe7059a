"""Steps the end-to-end and fault tests share: what the firm's staff and its clients do."""

from __future__ import annotations

import re
import uuid
from email.message import EmailMessage

from ..suite import ADMIN_EMAIL, ADMIN_PASSWORD, Client


def admin(suite) -> Client:
    return Client(suite.gateway).login(ADMIN_EMAIL, ADMIN_PASSWORD)


def new_company(staff: Client, name: str = "Acme Industries") -> dict:
    response = staff.post(
        "/api/v1/companies",
        json={"name": name, "number": f"C-{uuid.uuid4().hex[:8]}", "tax_id": "FR12345678901"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def new_contact(staff: Client, company: dict, locale: str = "en", name: str = "Dana") -> dict:
    email = f"{name.lower()}.{uuid.uuid4().hex[:8]}@client.example"
    response = staff.post(
        "/api/v1/users",
        json={
            "email": email,
            "name": name,
            "locale": locale,
            "kind": "portal",
            "memberships": [{"company_id": company["id"], "role": "primary"}],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def invite(staff: Client, user: dict) -> None:
    response = staff.post(f"/api/v1/users/{user['id']}/invite")
    assert response.status_code == 202, response.text


def mails_to(smtp_server, email: str) -> list[EmailMessage]:
    return [m for m in smtp_server.messages if email in str(m["To"])]


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def invitation_token(message: EmailMessage) -> str:
    match = re.search(r"token=([A-Za-z0-9_\-]+)", text_of(message))
    assert match, "the invitation e-mail carries no link with a token"
    return match.group(1)


def activate(suite, smtp_server, staff: Client, contact: dict, password: str) -> Client:
    """Invite a contact, accept the e-mailed invitation, sign in: the contact's own client."""
    invite(staff, contact)
    from services.common.testing import wait_until

    (mail,) = wait_until(
        lambda: mails_to(smtp_server, contact["email"]),
        timeout=30,
        message=f"the invitation to {contact['email']}",
    )
    accepted = Client(suite.gateway).post(
        "/api/v1/auth/invitations/accept",
        json={"token": invitation_token(mail), "password": password},
    )
    assert accepted.status_code == 200, accepted.text
    return Client(suite.gateway).login(contact["email"], password)
