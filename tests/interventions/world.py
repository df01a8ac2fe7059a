"""The world around the interventions service in tests: identity's facts arrive as real event
envelopes through the consumer's entry point; staff, portal users and link sessions call the API
with minted tokens."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from flask import Flask

from services.common.consumer import handle_message
from services.common.events import Event
from services.common.testing import TokenMinter
from services.interventions.models import OutboxEvent, db


class World:
    def __init__(self, app: Flask, minter: TokenMinter, identity: Flask | None = None) -> None:
        self.app, self.minter, self.identity = app, minter, identity
        self.http = app.test_client()
        self.staff = minter.headers(kind="staff", role="agent")

    def deliver(self, event: Event) -> Event:
        outcome = handle_message(self.app, event.to_json().encode(), 0)
        assert outcome.action == "ack", outcome
        return event

    def company(self, name: str = "Acme", **changes: object) -> str:
        data = {
            "id": str(uuid.uuid4()),
            "name": name,
            "number": "C-" + uuid.uuid4().hex[:6],
            "tax_id": None,
            "address": {"line1": "1 Main St", "postal_code": "75001", "city": "Paris"},
            "contact": {"name": "Claire Martin", "email": "claire@acme.example", "phone": "+33 1"},
            "extra_info": "Gate code 1234",
            "settings": {"members_see_each_other": False},
            **changes,
        }
        self.deliver(
            Event("identity.company.created", data, subject=data["id"], source="/identity")
        )
        return data["id"]

    def revoke_link(self, link_id: str) -> None:
        self.deliver(Event("identity.link.revoked", {"id": link_id}, source="/identity"))

    # callers
    def portal(self, *company_ids: str) -> dict:
        companies = [{"id": c, "role": "primary"} for c in company_ids]
        return self.minter.headers(kind="portal", role=None, companies=companies)

    def link(
        self,
        company_id: str,
        scope: str = "company",
        scope_id: str | None = None,
        link_id: str | None = None,
    ) -> dict:
        link_id = link_id or str(uuid.uuid4())
        return self.minter.headers(
            kind="link",
            role=None,
            sub=f"link:{link_id}",
            link=link_id,
            company=company_id,
            scope={"type": scope, "id": scope_id or company_id},
        )

    # staff actions
    def post(self, path: str, body: dict, headers: dict | None = None) -> dict:
        response = self.http.post(f"/api/v1{path}", json=body, headers=headers or self.staff)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    def site(self, company_id: str, name: str = "Warehouse") -> dict:
        return self.post(
            "/sites",
            {"company_id": company_id, "name": name, "address": {"line1": f"{name} road"}},
        )

    def equipment(self, company_id: str, site_id: str | None = None, name: str = "Boiler") -> dict:
        body = {"company_id": company_id, "site_id": site_id, "name": name, "serial": "SN-1"}
        return self.post("/equipment", body)

    def type(self, name: str | None = None, fields: list | None = None) -> dict:
        return self.post(
            "/intervention-types",
            {"name": name or f"Repair {uuid.uuid4().hex[:6]}", "fields": fields or []},
        )

    def intervention(self, company_id: str, **body: object) -> dict:
        return self.post(
            "/interventions", {"company_id": company_id, "description": "Fix it", **body}
        )

    def outbox(self, event_type: str) -> list[dict]:
        with self.app.app_context():
            rows = db.session.scalars(
                sa.select(OutboxEvent).where(OutboxEvent.event_type == event_type)
            ).all()
            return [json.loads(row.payload)["data"] for row in rows]
