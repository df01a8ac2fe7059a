"""Steps of the billing-portal onboarding stories: the firm sets up a customer group, its
representatives register themselves through the wizard (through the gateway, no account)."""

from __future__ import annotations

import re
import uuid

from services.common.testing import wait_until

from ..suite import Client
from .stories import mails_to, text_of

MESSAGES = {
    "terms": {"en": "Please accept.", "fr": "Merci d’accepter.", "es": "Acepte, por favor."},
    "status_incomplete": {"en": "Missing:", "fr": "Il manque :", "es": "Falta:"},
    "status_complete": {"en": "Complete!", "fr": "C’est complet !", "es": "¡Completo!"},
    "contact_updated": {
        "en": "Thanks, we will use these details.",
        "fr": "Merci, nous utiliserons ces coordonnées.",
        "es": "Gracias, usaremos estos datos.",
    },
    "additional_contact": {
        "en": "A colleague of yours joined the portal.",
        "fr": "Un collègue vous a rejoint sur le portail.",
        "es": "Un colega se ha unido al portal.",
    },
}
# format -> (typed by the representative, held by the company in identity)
TAX_IDS = {
    "nine_digits": ("536904399", "536-90-4399"),
    "ein": ("04-2103594", "042103594"),
    "ssn": ("536-90-4399", "536 90 4399"),
}


def customer_group(staff: Client, tax_format: str = "ein", **overrides) -> dict:
    created = staff.post("/api/v1/customer-groups", json={"name": f"G-{uuid.uuid4().hex[:8]}"})
    assert created.status_code == 201, created.text
    config = {
        "portal_enabled": True,
        "requires_approval": False,
        "terms": {"en": "Terms", "fr": "Conditions générales", "es": "Condiciones"},
        "tax_id_format": tax_format,
        "email_help_url": "https://support.example.com/mail",
        "messages": MESSAGES,
        "questions": [{"key": "erp", "label": {"en": "Which ERP?", "fr": "Quel ERP ?"}}],
        **overrides,
    }
    saved = staff.put(
        f"/api/v1/customer-groups/{created.json()['id']}/portal-configuration", json=config
    )
    assert saved.status_code == 200, saved.text
    return saved.json()


def group_company(staff: Client, group: dict, tax_id: str, name: str = "Acme") -> dict:
    created = staff.post(
        "/api/v1/companies",
        json={"name": name, "tax_id": tax_id, "customer_group_id": group["id"]},
    )
    assert created.status_code == 201, created.text
    company = created.json()
    wait_until(
        lambda: (
            company["id"]
            in [
                c["id"]
                for c in staff.get(f"/api/v1/customer-groups/{group['id']}/companies").json()[
                    "items"
                ]
            ]
        ),
        timeout=30,
        message="onboarding to hear of the company",
    )
    return company


def signup_token(staff: Client, group: dict) -> str:
    link = staff.post(f"/api/v1/customer-groups/{group['id']}/signup-links")
    assert link.status_code == 201, link.text
    return link.json()["token"]


class Wizard:
    """A representative in the wizard, with the resume token the signup gave them."""

    def __init__(self, suite, token: str, locale: str) -> None:
        self.client = Client(suite.gateway)
        started = self.client.post(
            "/api/v1/portal/onboarding/signup", json={"token": token, "locale": locale}
        )
        assert started.status_code == 201, started.text
        self.view = started.json()
        self.client.session.headers["Authorization"] = f"Resume {self.view['resume_token']}"

    def step(self, method: str, step: str, body: dict | None = None):
        return self.client.request(method, f"/api/v1/portal/onboarding/request/{step}", json=body)

    def register(self, email: str, name: str, tax_id: str, terms_first: bool = True):
        """Every step; first (`terms_first`) one refused because the terms are not accepted."""
        version = self.view["group"]["terms"]["version"]
        refused = [("PUT", "answers", None)] if terms_first else []  # checked below
        for method, step, body in (
            *refused,
            ("POST", "terms", {"version": version}),
            ("PUT", "company", {"company_name": "Acme", "tax_id": tax_id}),
            ("PUT", "contact", {"name": name, "email": email, "phone": "+33 1 42 68 53 00"}),
            ("PUT", "answers", {"answers": {"erp": "SAP"}}),
        ):
            response = self.step(method, step, body or {"answers": {"erp": "x"}})
            if body is None:
                assert response.status_code == 409, response.text
                assert response.json()["code"] == "TERMS_NOT_ACCEPTED"
            else:
                assert response.status_code == 200, response.text
        return self.step("POST", "submit")


def mail_to(smtp_server, email: str, words: str):
    def found():
        return [m for m in mails_to(smtp_server, email) if words.lower() in m["Subject"].lower()]

    (mail,) = wait_until(found, timeout=40, message=f"an e-mail '{words}' to {email}")
    return mail


def link_token(mail, path: str) -> str:
    match = re.search(rf"{path}\?token=([A-Za-z0-9_\-]+)", text_of(mail))
    assert match, f"no {path} link in the e-mail"
    return match.group(1)
