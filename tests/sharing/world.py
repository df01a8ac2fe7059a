"""The world around the sharing service in tests: identity's facts arrive as real event envelopes
through the consumer's entry point, people call the API with minted tokens, and the real
documents service learns sharing's audiences from its outbox and holds the matters' files."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask

from services.common.consumer import handle_message
from services.common.events import Event
from services.common.testing import TokenMinter
from services.sharing.models import Matter, OutboxEvent, db
from tests.documents.helpers import CONTENT_TYPE, PDF, multipart

STAFF = str(uuid.uuid4())  # a staff member the replica has not heard of: tokens are enough


@dataclass
class Person:
    id: str
    name: str
    email: str
    companies: dict[str, str] = field(default_factory=dict)  # company id -> role


class World:
    def __init__(self, app: Flask, minter: TokenMinter, documents: Flask | None = None) -> None:
        self.app, self.minter, self.documents = app, minter, documents
        self.http = app.test_client()
        self.versions: dict[str, int] = {}  # as identity bumps them: record key -> last version

    def next_version(self, *key: str) -> int:
        name = "/".join(key)
        self.versions[name] = self.versions.get(name, 0) + 1
        return self.versions[name]

    # identity's facts, delivered the way the consumer receives them
    def deliver(self, event: Event) -> Event:
        outcome = handle_message(self.app, event.to_json().encode(), 0)
        assert outcome.action == "ack", outcome
        return event

    def company(self, name: str, members_see_each_other: bool = False, id: str | None = None):
        data = {
            "id": id or str(uuid.uuid4()),
            "name": name,
            "number": "C-" + uuid.uuid4().hex[:6],
            "tax_id": None,
            "address": {"line1": "1 Main St", "city": "Springfield"},
            "contact": {"name": None, "email": None, "phone": None},
            "extra_info": None,
            "settings": {"members_see_each_other": members_see_each_other},
        }
        data["version"] = self.next_version("company", data["id"])
        kind = "updated" if id else "created"
        self.deliver(
            Event(f"identity.company.{kind}", data, subject=data["id"], source="/identity")
        )
        return data["id"]

    def user(self, name: str, kind: str = "portal", status: str = "active", id: str | None = None):
        person = Person(
            id or str(uuid.uuid4()), name, f"{name.lower()}.{uuid.uuid4().hex[:6]}@ex.com"
        )
        self.deliver(
            Event(
                f"identity.user.{'updated' if id else 'created'}",
                {
                    "id": person.id,
                    "email": person.email,
                    "name": name,
                    "locale": "fr" if kind == "portal" else "en",
                    "kind": kind,
                    "role": "agent" if kind == "staff" else None,
                    "status": status,
                    "version": self.next_version("user", person.id),
                },
                subject=person.id,
                source="/identity",
            )
        )
        return person

    def staff(self, name: str) -> Person:
        return self.user(name, kind="staff")

    def membership_event(self, person: Person, company_id: str, role: str, active: bool) -> Event:
        data = {
            "user_id": person.id,
            "company_id": company_id,
            "role": role,
            "active": active,
            "version": self.next_version("membership", company_id, person.id),
            "user": {"id": person.id, "email": person.email, "name": person.name, "locale": "fr"},
        }
        return Event("identity.membership.changed", data, subject=person.id, source="/identity")

    def member(self, person: Person, company_id: str, role: str = "member", active: bool = True):
        self.deliver(self.membership_event(person, company_id, role, active))
        if active:
            person.companies[company_id] = role
        else:
            person.companies.pop(company_id, None)
        return person

    def client(self, name: str, company_id: str, role: str = "member") -> Person:
        return self.member(self.user(name), company_id, role)

    # callers
    def as_staff(self, person: Person | None = None) -> dict:
        return self.minter.headers(kind="staff", role="agent", sub=person.id if person else STAFF)

    def as_portal(self, person: Person, **kwargs) -> dict:
        companies = [{"id": c, "role": r} for c, r in person.companies.items()]
        return self.minter.headers(
            kind="portal",
            role=None,
            sub=person.id,
            email=person.email,
            companies=companies,
            **kwargs,
        )

    def new_matter(self, company_id: str, owner: Person | None = None, **fields) -> dict:
        body = {
            "kind": "contract",
            "reference": "CT-" + uuid.uuid4().hex[:8],
            "title": "Supply agreement",
            "company_id": company_id,
            **fields,
        }
        response = self.http.post("/api/v1/matters", json=body, headers=self.as_staff(owner))
        assert response.status_code == 201, response.json
        return response.json

    def show(self, matter_id: str, requester: Person, watchers=(), attachments=False, **kw):
        body = {
            "requester_id": requester.id,
            "watcher_ids": [w.id for w in watchers],
            "attachments_visible_by_default": attachments,
        }
        return self.http.put(
            f"/api/v1/matters/{matter_id}/portal", json=body, headers=self.as_staff(), **kw
        )

    def portal_matters(self, person: Person) -> list[dict]:
        response = self.http.get("/api/v1/portal/matters", headers=self.as_portal(person))
        assert response.status_code == 200, response.json
        return response.json["items"]

    # what the service wrote
    def outbox(self, subject: str | None = None, type: str | None = None) -> list[dict]:
        """Envelopes written to the outbox, oldest first."""
        with self.app.app_context():
            query = sa.select(OutboxEvent).order_by(OutboxEvent.created_at)
            if subject is not None:
                query = query.where(OutboxEvent.subject == subject)
            if type is not None:
                query = query.where(OutboxEvent.event_type == type)
            return [json.loads(row.payload) for row in db.session.scalars(query)]

    def audience_events(self, matter_id: str) -> list[dict]:
        return [e["data"] for e in self.outbox(matter_id, "sharing.audience.changed")]

    def latest_audience(self, matter_id: str) -> dict[str, list[str]]:
        latest = self.audience_events(matter_id)[-1]
        return {entry["user_id"]: entry["reasons"] for entry in latest["audience"]}

    # the documents service, fed and driven as in the suite
    def sync_documents(self) -> None:
        """Deliver every `sharing.audience.changed` sharing wrote to documents' consumer
        (already processed ones are duplicates there and change nothing)."""
        with self.app.app_context():
            rows = db.session.scalars(
                sa.select(OutboxEvent)
                .where(OutboxEvent.event_type == "sharing.audience.changed")
                .order_by(OutboxEvent.created_at)
            ).all()
            payloads = [row.payload for row in rows]
        for payload in payloads:
            outcome = handle_message(self.documents, payload.encode(), 0)
            assert outcome.action == "ack", outcome

    def upload(
        self,
        matter_id: str,
        name: str,
        content: bytes = PDF,
        portal_visible: bool | None = None,
        folder_id: str | None = None,
    ) -> dict:
        """A document uploaded through documents' staff API, with its own portal setting."""
        http = self.documents.test_client()
        fields = [("folder_id", folder_id)] if folder_id else []
        response = http.post(
            f"/api/v1/matters/{matter_id}/documents",
            data=b"".join(multipart(fields, content, name)),
            headers={**self.as_staff(), "Content-Type": CONTENT_TYPE},
        )
        assert response.status_code == 201, response.json
        document = response.json
        if portal_visible is not None:
            response = http.patch(
                f"/api/v1/documents/{document['id']}",
                json={"portal_visible": portal_visible},
                headers=self.as_staff(),
            )
            assert response.status_code == 200, response.json
            document = response.json
        return document

    def new_version(self, document_id: str, content: bytes) -> dict:
        response = self.documents.test_client().post(
            f"/api/v1/documents/{document_id}/versions",
            data=b"".join(multipart((), content, "v.pdf")),
            headers={**self.as_staff(), "Content-Type": CONTENT_TYPE},
        )
        assert response.status_code == 201, response.json
        return response.json

    def folder(self, matter_id: str, name: str, **body) -> dict:
        response = self.documents.test_client().post(
            f"/api/v1/matters/{matter_id}/folders",
            json={"name": name, **body},
            headers=self.as_staff(),
        )
        assert response.status_code == 201, response.json
        return response.json

    def counts(self) -> tuple[int, int]:
        """(matters, outbox rows): what must not move when a request is refused."""
        with self.app.app_context():
            return (
                db.session.scalar(sa.select(sa.func.count()).select_from(Matter)),
                db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)),
            )
