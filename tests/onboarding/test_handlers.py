"""onboarding hears identity: companies (their group and tax ID) and memberships; a secondary
representative added tells the primary with the group's message in the primary's language."""

from __future__ import annotations

import uuid

from services.common.events import Event


def _told(world, company_id: str) -> list[dict]:
    return [
        e
        for e in world.events("onboarding.additional_contact.added")
        if e["company"]["id"] == company_id
    ]


def test_secondary_added_tells_the_primary_in_their_language_once(world):
    group = world.group()
    company = world.company("Acme", group["id"], "04-2103594")
    primary_id = world.membership(company, "primary", "prima@client.example", locale="es")
    assert _told(world, company) == []
    user_id = str(uuid.uuid4())
    data = {
        "user_id": user_id,
        "company_id": company,
        "role": "secondary",
        "active": True,
        "user": {"id": user_id, "email": "second@client.example", "name": "Second", "locale": "fr"},
    }
    event = world.deliver(Event("identity.membership.changed", data, subject=user_id, source="/id"))
    world.deliver(event)  # redelivered: no second message
    (told,) = _told(world, company)
    assert told["primary"]["user_id"] == primary_id
    assert told["primary"]["locale"] == "es"
    assert told["message"] == "Un colega se ha unido."
    assert told["secondary"] == {
        "user_id": user_id,
        "email": "second@client.example",
        "name": "Second",
    }


def test_company_changes_reach_matching(world):
    group = world.group()
    company = world.company("Acme", None, None)
    data = {"id": company, "name": "Acme", "tax_id": "04 2103594", "customer_group_id": group["id"]}
    world.deliver(Event("identity.company.updated", data, subject=company, source="/id"))
    listed = world.http.get(
        f"/api/v1/customer-groups/{group['id']}/companies", headers=world.staff
    ).json
    assert [(c["id"], c["tax_id"]) for c in listed["items"]] == [(company, "04 2103594")]


def test_an_older_company_version_changes_nothing(world):
    group = world.group()
    company = world.company("Acme", None, None)
    newer = {
        "id": company,
        "name": "Acme",
        "tax_id": "04-2103594",
        "customer_group_id": group["id"],
        "version": 3,
    }
    older = {**newer, "tax_id": None, "customer_group_id": None, "version": 2}
    for data in (newer, older):
        world.deliver(Event("identity.company.updated", data, subject=company, source="/id"))
    listed = world.http.get(
        f"/api/v1/customer-groups/{group['id']}/companies", headers=world.staff
    ).json
    assert [(c["id"], c["tax_id"]) for c in listed["items"]] == [(company, "04-2103594")]
