"""A staff member disabled in identity can no longer act on sharing with the access token they
still hold (a disabled agent created a matter); enabled again, they can."""

from __future__ import annotations

import uuid

from .world import World


def test_a_disabled_staff_agent_can_no_longer_create_a_matter(world: World):
    acme = world.company("Acme Industries")
    agent = world.staff("Sam")
    headers = world.as_staff(agent)  # issued before the account is disabled

    def create() -> object:
        body = {"kind": "case", "reference": "CS-" + uuid.uuid4().hex[:8], "company_id": acme}
        return world.http.post("/api/v1/matters", json=body, headers=headers)

    assert create().status_code == 201
    world.user("Sam", kind="staff", status="disabled", id=agent.id)
    before = world.counts()
    refused = create()
    assert refused.status_code == 401
    assert refused.content_type == "application/problem+json"
    assert refused.json["code"] == "ACCOUNT_DISABLED"
    assert "disabled" in refused.json["detail"]
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert world.counts() == before

    world.user("Sam", kind="staff", status="active", id=agent.id)
    assert create().status_code == 201


def test_a_disabled_portal_user_no_longer_sees_their_matters(world: World):
    acme = world.company("Acme Industries")
    rita = world.client("Rita", acme)
    world.show(world.new_matter(acme)["id"], rita)
    headers = world.as_portal(rita)
    assert world.http.get("/api/v1/portal/matters", headers=headers).status_code == 200

    world.user("Rita", status="disabled", id=rita.id)
    refused = world.http.get("/api/v1/portal/matters", headers=headers)
    assert refused.status_code == 401 and refused.json["code"] == "ACCOUNT_DISABLED"
