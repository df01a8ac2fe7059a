"""An admin disables a staff agent: the access token the agent still holds stops working on every
service behind the gateway within moments, and works again once the agent is enabled."""

from __future__ import annotations

import uuid

from services.common.testing import wait_until

from ..suite import Client
from .stories import activate, admin, new_company

PASSWORD = "Quartz lantern 91 ravine"


def new_agent(staff: Client) -> dict:
    response = staff.post(
        "/api/v1/users",
        json={
            "email": f"sam.{uuid.uuid4().hex[:8]}@firm.example",
            "name": "Sam",
            "locale": "en",
            "kind": "staff",
            "role": "agent",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def set_status(staff: Client, user: dict, status: str) -> None:
    response = staff.patch(f"/api/v1/users/{user['id']}", json={"status": status})
    assert response.status_code == 200, response.text


def test_a_disabled_agent_is_refused_everywhere_then_enabled_again(suite, smtp_server):
    firm = admin(suite)
    company = new_company(firm)
    sam = new_agent(firm)
    agent = activate(suite, smtp_server, firm, sam, PASSWORD)
    created = agent.post(
        "/api/v1/matters",
        json={
            "kind": "case",
            "reference": f"CS-{uuid.uuid4().hex[:8]}",
            "company_id": company["id"],
        },
    )
    assert created.status_code == 201, created.text
    matter = created.json()
    # One call per service that verifies tokens: identity, sharing, documents, the mailer.
    calls = {
        "identity": lambda: agent.get(f"/api/v1/companies/{company['id']}"),
        "sharing": lambda: agent.get(f"/api/v1/matters/{matter['id']}"),
        "documents": lambda: agent.get(f"/api/v1/matters/{matter['id']}/folders"),
        "mailer": lambda: agent.get("/api/v1/emails"),
    }
    for service, call in calls.items():
        wait_until(lambda call=call: call().status_code == 200, timeout=30, message=service)

    set_status(firm, sam, "disabled")
    for service, call in calls.items():
        wait_until(
            lambda call=call: call().status_code == 401,
            timeout=10,
            message=f"{service} refusing the disabled agent's token",
        )
        refused = call()
        assert refused.status_code == 401, service
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert refused.json()["code"] == "ACCOUNT_DISABLED", service

    set_status(firm, sam, "active")
    for service, call in calls.items():
        wait_until(lambda call=call: call().status_code == 200, timeout=10, message=service)
