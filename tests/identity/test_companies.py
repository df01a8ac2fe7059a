"""Staff manage client companies and their members; each change writes its event."""

from __future__ import annotations

from services.identity.models import Company, Membership

from .helpers import assert_problem, count, make_company, make_user, outbox

ACME = {
    "name": "Acme Industries",
    "number": "C-1001",
    "tax_id": "FR12345678901",
    "address": {
        "line1": "1 rue de la Paix",
        "line2": None,
        "postal_code": "75002",
        "city": "Paris",
        "country": "FR",
    },
    "contact": {"name": "Dana Scully", "email": "Dana@Acme.Example", "phone": "+33 1 23 45 67 89"},
    "extra_info": "Key account.",
    "settings": {"members_see_each_other": True},
    "customer_group_id": None,
}


def test_create_company_answers_it_and_writes_company_created(app, client, agent):
    response = client.post("/api/v1/companies", json=ACME, headers=agent.headers)
    assert response.status_code == 201
    body = response.get_json()
    expected = {**ACME, "contact": {**ACME["contact"], "email": "dana@acme.example"}}
    assert {k: body[k] for k in expected} == expected
    assert body["created_at"] and body["updated_at"]
    (event,) = outbox(app)
    assert event["type"] == "identity.company.created" and event["subject"] == body["id"]
    assert event["data"] == {"id": body["id"], **expected, "version": 1}
    assert body["version"] == 1


def test_a_company_needs_only_a_name(app, client, agent):
    response = client.post("/api/v1/companies", json={"name": "Tiny"}, headers=agent.headers)
    assert response.status_code == 201
    data = outbox(app)[0]["data"]
    assert data["number"] is None and data["address"]["city"] is None
    assert data["settings"] == {"members_see_each_other": False}


def test_customer_numbers_are_unique(app, client, agent):
    make_company(app, "Other", number="C-1001")
    response = client.post("/api/v1/companies", json=ACME, headers=agent.headers)
    assert_problem(response, 409, "NUMBER_TAKEN")
    assert count(app, Company) == 1 and outbox(app) == []


def test_get_and_list_companies(app, client, agent):
    ids = [make_company(app, name, number=f"N{i}") for i, name in enumerate("CBA")]
    assert client.get(f"/api/v1/companies/{ids[0]}", headers=agent.headers).json["name"] == "C"
    page = client.get("/api/v1/companies?page_size=2", headers=agent.headers).get_json()
    assert [c["name"] for c in page["items"]] == ["A", "B"]
    assert (page["page"], page["page_size"], page["total"]) == (1, 2, 3)
    second = client.get("/api/v1/companies?page=2&page_size=2", headers=agent.headers).json
    assert [c["name"] for c in second["items"]] == ["C"]
    found = client.get("/api/v1/companies?q=n1", headers=agent.headers).json
    assert [c["name"] for c in found["items"]] == ["B"] and found["total"] == 1


def test_unknown_company_is_404(client, agent):
    assert_problem(
        client.get("/api/v1/companies/nope", headers=agent.headers), 404, "COMPANY_NOT_FOUND"
    )
    response = client.patch("/api/v1/companies/nope", json={"name": "x"}, headers=agent.headers)
    assert_problem(response, 404, "COMPANY_NOT_FOUND")


def test_patch_changes_only_the_given_fields_and_writes_company_updated(app, client, agent):
    company = client.post("/api/v1/companies", json=ACME, headers=agent.headers).get_json()
    response = client.patch(
        f"/api/v1/companies/{company['id']}",
        json={"address": {"city": "Lyon"}, "settings": {"members_see_each_other": False}},
        headers=agent.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["address"] == {**ACME["address"], "city": "Lyon"}
    assert body["name"] == ACME["name"]
    event = outbox(app)[-1]
    assert event["type"] == "identity.company.updated"
    assert event["data"]["address"]["city"] == "Lyon"
    assert event["data"]["settings"] == {"members_see_each_other": False}


def test_patch_that_changes_nothing_writes_no_event(app, client, agent):
    company_id = make_company(app, "Acme")
    response = client.patch(
        f"/api/v1/companies/{company_id}", json={"name": "Acme"}, headers=agent.headers
    )
    assert response.status_code == 200 and outbox(app) == []


def test_members_are_added_changed_and_deactivated(app, client, agent):
    company_id = make_company(app, "Acme")
    user_id = make_user(app, "dana@client.example", name="Dana")
    members = f"/api/v1/companies/{company_id}/members"

    added = client.post(
        members, json={"user_id": user_id, "role": "primary"}, headers=agent.headers
    )
    assert added.status_code == 201
    assert added.json["role"] == "primary" and added.json["active"] is True
    assert added.json["user"]["email"] == "dana@client.example"

    changed = client.patch(f"{members}/{user_id}", json={"role": "member"}, headers=agent.headers)
    assert changed.status_code == 200 and changed.json["role"] == "member"

    assert client.delete(f"{members}/{user_id}", headers=agent.headers).status_code == 204
    assert client.delete(f"{members}/{user_id}", headers=agent.headers).status_code == 204

    listed = client.get(members, headers=agent.headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["active"] is False

    events = outbox(app)
    assert [e["type"] for e in events] == ["identity.membership.changed"] * 3
    assert [(e["data"]["role"], e["data"]["active"], e["data"]["version"]) for e in events] == [
        ("primary", True, 1),
        ("member", True, 2),
        ("member", False, 3),
    ]
    assert events[0]["subject"] == user_id
    assert events[0]["data"] == {
        "user_id": user_id,
        "company_id": company_id,
        "role": "primary",
        "active": True,
        "version": 1,
        "user": {
            "id": user_id,
            "email": "dana@client.example",
            "name": "Dana",
            "locale": "en",
            "version": 1,
            "time_zone": None,
        },
    }

    again = client.post(
        members, json={"user_id": user_id, "role": "secondary"}, headers=agent.headers
    )
    assert again.status_code == 201 and again.json["active"] is True
    assert count(app, Membership) == 1
    assert outbox(app)[-1]["data"]["version"] == 4


def test_adding_a_member_twice_is_a_conflict(app, client, agent):
    company_id = make_company(app, "Acme")
    user_id = make_user(app, "dana@client.example", companies=((company_id, "member"),))
    response = client.post(
        f"/api/v1/companies/{company_id}/members",
        json={"user_id": user_id, "role": "primary"},
        headers=agent.headers,
    )
    assert_problem(response, 409, "ALREADY_MEMBER")
    assert outbox(app) == []


def test_only_known_portal_users_can_become_members(app, client, agent):
    company_id = make_company(app, "Acme")
    members = f"/api/v1/companies/{company_id}/members"
    for user_id in ("nobody", agent.user_id):
        response = client.post(
            members, json={"user_id": user_id, "role": "member"}, headers=agent.headers
        )
        assert "user_id" in assert_problem(response, 422, "VALIDATION_FAILED")["errors"]
    assert count(app, Membership) == 0 and outbox(app) == []


def test_member_endpoints_answer_404_for_unknown_company_or_member(app, client, agent):
    company_id = make_company(app, "Acme")
    user_id = make_user(app, "dana@client.example")
    assert_problem(
        client.get("/api/v1/companies/nope/members", headers=agent.headers),
        404,
        "COMPANY_NOT_FOUND",
    )
    for method in (client.patch, client.delete):
        response = method(
            f"/api/v1/companies/{company_id}/members/{user_id}", json={}, headers=agent.headers
        )
        assert_problem(response, 404, "MEMBERSHIP_NOT_FOUND")


def test_one_membership_is_read_with_its_version(app, client, agent):
    company_id = make_company(app, "Acme")
    user_id = make_user(app, "dana@client.example", companies=((company_id, "member"),))
    members = f"/api/v1/companies/{company_id}/members"
    client.patch(f"{members}/{user_id}", json={"role": "primary"}, headers=agent.headers)

    response = client.get(f"{members}/{user_id}", headers=agent.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["user_id"], body["role"], body["active"], body["version"]) == (
        user_id,
        "primary",
        True,
        2,
    )
    assert body["user"]["email"] == "dana@client.example"
    unknown = client.get(f"{members}/{company_id}", headers=agent.headers)
    assert_problem(unknown, 404, "MEMBERSHIP_NOT_FOUND")
