"""The world around the onboarding service in tests: identity's facts arrive as real event
envelopes through the consumer's entry point, staff call with minted tokens, representatives
with their resume token."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from flask import Flask

from services.common.consumer import handle_message
from services.common.events import Event
from services.onboarding.models import OutboxEvent, db

MESSAGES = {
    "terms": {"en": "Read and accept our terms.", "fr": "Lisez et acceptez nos conditions."},
    "contact": {"en": "Who are you?", "fr": "Qui êtes-vous ?"},
    "company": {"en": "Your company", "fr": "Votre société"},
    "questions": {"en": "A few questions", "fr": "Quelques questions"},
    "status_incomplete": {"en": "Still missing:", "fr": "Il manque encore :"},
    "status_complete": {"en": "All done, thank you!", "fr": "Tout est prêt, merci !"},
    "contact_updated": {"en": "Contact saved.", "fr": "Contact enregistré."},
    "additional_contact": {
        "en": "A colleague joined you.",
        "fr": "Un collègue vous a rejoint.",
        "es": "Un colega se ha unido.",
    },
}

TAX_IDS = {  # format -> (as the representative types it, as the company holds it in identity)
    "nine_digits": ("536904399", "536-90-4399"),
    "ein": ("04-2103594", "042103594"),
    "ssn": ("536-90-4399", "536 90 4399"),
}


def config(**overrides: object) -> dict:
    return {
        "portal_enabled": True,
        "requires_approval": False,
        "terms": {"en": "Terms v1", "fr": "Conditions v1"},
        "tax_id_format": "ein",
        "email_help_url": "https://support.example.com/email",
        "messages": MESSAGES,
        "questions": [
            {"key": "erp", "label": {"en": "Which ERP?", "fr": "Quel ERP ?"}, "required": True},
            {"key": "volume", "label": {"en": "Invoices a month?"}, "required": False},
        ],
        **overrides,
    }


class World:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.http = app.test_client()
        self.staff = app.minter.headers(kind="staff", role="agent")

    def deliver(self, event: Event) -> Event:
        outcome = handle_message(self.app, event.to_json().encode(), 0)
        assert outcome.action == "ack", outcome
        return event

    def company(self, name: str, group_id: str | None, tax_id: str | None) -> str:
        data = {
            "id": str(uuid.uuid4()),
            "name": name,
            "tax_id": tax_id,
            "customer_group_id": group_id,
            "settings": {"members_see_each_other": False},
        }
        self.deliver(Event("identity.company.created", data, subject=data["id"], source="/id"))
        return data["id"]

    def membership(self, company_id: str, role: str, email: str, locale: str = "en") -> str:
        user_id = str(uuid.uuid4())
        data = {
            "user_id": user_id,
            "company_id": company_id,
            "role": role,
            "active": True,
            "user": {"id": user_id, "email": email, "name": email.split("@")[0], "locale": locale},
        }
        self.deliver(Event("identity.membership.changed", data, subject=user_id, source="/id"))
        return user_id

    def group(self, **overrides: object) -> dict:
        created = self.http.post(
            "/api/v1/customer-groups",
            json={"name": f"G {uuid.uuid4().hex[:8]}"},
            headers=self.staff,
        )
        assert created.status_code == 201, created.json
        saved = self.http.put(
            f"/api/v1/customer-groups/{created.json['id']}/portal-configuration",
            json=config(**overrides),
            headers=self.staff,
        )
        assert saved.status_code == 200, saved.json
        return saved.json

    def signup_link(self, group_id: str) -> dict:
        link = self.http.post(
            f"/api/v1/customer-groups/{group_id}/signup-links", headers=self.staff
        )
        assert link.status_code == 201, link.json
        return link.json

    def events(self, event_type: str) -> list[dict]:
        with self.app.app_context():
            rows = db.session.scalars(
                sa.select(OutboxEvent.payload)
                .where(OutboxEvent.event_type == event_type)
                .order_by(OutboxEvent.created_at)
            ).all()
        return [json.loads(row)["data"] for row in rows]


class Representative:
    """One person going through the wizard with their resume token."""

    def __init__(self, world: World, token: str, locale: str = "en") -> None:
        self.http = world.http
        started = self.http.post(
            "/api/v1/portal/onboarding/signup", json={"token": token, "locale": locale}
        )
        assert started.status_code == 201, started.json
        self.view = started.json
        self.headers = {"Authorization": f"Resume {started.json['resume_token']}"}

    def call(self, method: str, step: str = "", json: dict | None = None):
        path = "/api/v1/portal/onboarding/request" + (f"/{step}" if step else "")
        return self.http.open(path, method=method, json=json, headers=self.headers)

    def accept_terms(self, version: int | None = None):
        return self.call(
            "POST", "terms", {"version": version or self.view["group"]["terms"]["version"]}
        )

    def contact(self, email: str, name: str = "Ana Lima", phone: str = "+1 650 253 0000"):
        return self.call("PUT", "contact", {"name": name, "email": email, "phone": phone})

    def company(self, tax_id: str, name: str = "Acme"):
        return self.call("PUT", "company", {"company_name": name, "tax_id": tax_id})

    def answers(self, **answers: str):
        return self.call("PUT", "answers", {"answers": answers})

    def fill(self, email: str, tax_id: str):
        for response in (
            self.accept_terms(),
            self.contact(email),
            self.company(tax_id),
            self.answers(erp="SAP"),
        ):
            assert response.status_code == 200, response.json
        return self.call("POST", "submit")
