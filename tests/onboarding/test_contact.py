"""A representative updates their billing contact information from the portal and is shown
the group's "contact updated" message; never for a company that is not theirs."""

from __future__ import annotations

import uuid


def _portal(world, user_id: str, company_id: str, role: str = "primary") -> dict:
    return world.app.minter.headers(
        kind="portal",
        role=None,
        sub=user_id,
        email="prima@client.example",
        companies=[{"id": company_id, "role": role}],
    )


def test_contact_update_answers_the_groups_message_in_their_language(world):
    group = world.group()
    company = world.company("Acme", group["id"], "04-2103594")
    user_id = world.membership(company, "primary", "prima@client.example", locale="fr")
    headers = _portal(world, user_id, company)
    saved = world.http.put(
        "/api/v1/portal/onboarding/contact",
        json={"company_id": company, "name": "Prima Donna", "phone": "01 42 68 53 00"},
        headers=headers,
    )
    assert saved.status_code == 200, saved.json
    assert saved.json["phone"] == "+33142685300"
    assert saved.json["message"] == "Contact enregistré."
    (event,) = [e for e in world.events("onboarding.contact.updated") if e["user_id"] == user_id]
    assert event["name"] == "Prima Donna" and event["company_id"] == company
    shown = world.http.get(
        f"/api/v1/portal/onboarding/contact?company_id={company}", headers=headers
    ).json
    assert shown["phone"] == "+33142685300" and shown["message"] == ""


def test_bad_phone_and_other_companies_are_refused(world):
    group = world.group()
    mine, theirs = (world.company(n, group["id"], None) for n in ("Mine", "Theirs"))
    user_id = str(uuid.uuid4())  # no membership event yet: the token vouches for "Mine"
    headers = _portal(world, user_id, mine)
    bad = world.http.put(
        "/api/v1/portal/onboarding/contact",
        json={"company_id": mine, "name": "X", "phone": "12"},
        headers=headers,
    )
    assert bad.status_code == 422 and "phone" in bad.json["errors"]
    other = world.http.put(
        "/api/v1/portal/onboarding/contact",
        json={"company_id": theirs, "name": "X", "phone": "+33142685300"},
        headers=headers,
    )
    assert other.status_code == 404
    staff = world.http.get(
        f"/api/v1/portal/onboarding/contact?company_id={mine}", headers=world.staff
    )
    assert staff.status_code == 403
