"""Staff manage users: portal contacts with their memberships, and (admins only) staff."""

from __future__ import annotations

import uuid

from services.identity.models import Membership, User

from .helpers import assert_problem, count, make_company, make_user, outbox, sign_in


def _contact(company_id: str, **changes) -> dict:
    return {
        "email": "Dana@Client.Example",
        "name": "Dana",
        "locale": "fr",
        "kind": "portal",
        "memberships": [{"company_id": company_id, "role": "primary"}],
        **changes,
    }


def test_create_portal_user_with_membership(app, client, agent):
    company_id = make_company(app, "Acme")
    response = client.post("/api/v1/users", json=_contact(company_id), headers=agent.headers)
    assert response.status_code == 201
    user = response.get_json()
    assert user["email"] == "dana@client.example"
    assert (user["kind"], user["role"], user["status"], user["locale"]) == (
        "portal",
        None,
        "invited",
        "fr",
    )
    assert user["memberships"] == [
        {"company_id": company_id, "company_name": "Acme", "role": "primary", "active": True}
    ]
    events = outbox(app)
    assert sorted(e["type"] for e in events) == [
        "identity.membership.changed",
        "identity.user.created",
    ]
    created = next(e for e in events if e["type"] == "identity.user.created")
    assert created["subject"] == user["id"]
    assert created["data"] == {
        "id": user["id"],
        "email": "dana@client.example",
        "name": "Dana",
        "locale": "fr",
        "time_zone": None,
        "kind": "portal",
        "role": None,
        "status": "invited",
        "version": 1,
    }
    joined = next(e for e in events if e["type"] == "identity.membership.changed")
    assert joined["subject"] == user["id"]
    assert joined["data"]["user_id"] == user["id"]
    assert (joined["data"]["company_id"], joined["data"]["role"]) == (company_id, "primary")


def test_duplicate_email_in_another_case_is_409_and_writes_nothing(app, client, agent):
    company_id = make_company(app, "Acme")
    make_user(app, "dana@client.example")
    response = client.post(
        "/api/v1/users",
        json=_contact(company_id, email="DANA@client.EXAMPLE"),
        headers=agent.headers,
    )
    assert_problem(response, 409, "EMAIL_TAKEN")
    assert count(app, User) == 2 and count(app, Membership) == 0 and outbox(app) == []


def test_unknown_company_in_memberships_is_a_field_error(app, client, agent):
    company_id = make_company(app, "Acme")
    body = _contact(company_id)
    body["memberships"].append({"company_id": str(uuid.uuid4()), "role": "member"})
    response = client.post("/api/v1/users", json=body, headers=agent.headers)
    problem = assert_problem(response, 422, "VALIDATION_FAILED")
    assert problem["errors"] == {"memberships": {"1": {"company_id": ["No company has this id."]}}}
    assert count(app, User) == 1 and outbox(app) == []


def test_kind_and_role_must_agree(app, client, admin):
    company_id = make_company(app, "Acme")
    cases = [
        _contact(company_id, role="admin"),
        {"email": "x@firm.example", "name": "X", "kind": "staff"},
        {**_contact(company_id), "kind": "staff", "role": "agent"},
        _contact(company_id, memberships=[{"company_id": company_id, "role": "member"}] * 2),
    ]
    for body in cases:
        response = client.post("/api/v1/users", json=body, headers=admin.headers)
        assert_problem(response, 422, "VALIDATION_FAILED")
    assert outbox(app) == []


def test_only_admins_create_staff(app, client, admin, agent):
    body = {"email": "new@firm.example", "name": "New", "kind": "staff", "role": "agent"}
    assert_problem(client.post("/api/v1/users", json=body, headers=agent.headers), 403)
    assert outbox(app) == []
    response = client.post("/api/v1/users", json=body, headers=admin.headers)
    assert response.status_code == 201
    assert response.json["role"] == "agent" and response.json["memberships"] == []


def test_list_users_with_filters_and_pages(app, client, agent):
    acme, globex = make_company(app, "Acme"), make_company(app, "Globex")
    make_user(app, "ann@acme.example", name="Ann", companies=((acme, "primary"),))
    make_user(app, "bob@globex.example", name="Bob", companies=((globex, "member"),))
    make_user(app, "cy@acme.example", name="Cy Percent_%", companies=((acme, "member"),))

    def emails(query: str) -> list[str]:
        response = client.get(f"/api/v1/users?{query}", headers=agent.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [u["email"] for u in response.get_json()["items"]]

    assert emails("kind=staff") == ["agent@firm.example"]
    assert emails(f"company_id={acme}") == ["ann@acme.example", "cy@acme.example"]
    assert emails("q=GLOBEX") == ["bob@globex.example"]
    assert emails("q=_%25") == ["cy@acme.example"]  # wildcards are taken literally
    page = client.get("/api/v1/users?kind=portal&page=2&page_size=2", headers=agent.headers).json
    assert (page["total"], page["page"], page["page_size"]) == (3, 2, 2)
    assert [u["email"] for u in page["items"]] == ["cy@acme.example"]
    assert_problem(client.get("/api/v1/users?page_size=1000", headers=agent.headers), 422)
    assert_problem(client.get("/api/v1/users?kind=robot", headers=agent.headers), 422)


def test_get_user_and_404(app, client, agent):
    user_id = make_user(app, "dana@client.example")
    assert client.get(f"/api/v1/users/{user_id}", headers=agent.headers).json["id"] == user_id
    assert_problem(client.get("/api/v1/users/nope", headers=agent.headers), 404, "USER_NOT_FOUND")


def test_patch_user_writes_user_updated(app, client, agent):
    user_id = make_user(app, "dana@client.example")
    response = client.patch(
        f"/api/v1/users/{user_id}",
        json={"name": "Dana S.", "locale": "es", "email": "DANA.S@client.example"},
        headers=agent.headers,
    )
    assert response.status_code == 200
    assert response.json["email"] == "dana.s@client.example"
    (event,) = outbox(app)
    assert event["type"] == "identity.user.updated"
    assert (event["data"]["name"], event["data"]["locale"]) == ("Dana S.", "es")


def test_staff_set_a_users_time_zone_when_creating_and_changing_them(app, client, agent):
    company_id = make_company(app, "Acme")
    body = _contact(company_id, time_zone="America/Mexico_City")
    created = client.post("/api/v1/users", json=body, headers=agent.headers)
    assert created.status_code == 201 and created.json["time_zone"] == "America/Mexico_City"
    user_id = created.json["id"]
    changed = client.patch(
        f"/api/v1/users/{user_id}", json={"time_zone": None}, headers=agent.headers
    )
    assert changed.status_code == 200 and changed.json["time_zone"] is None
    events = [e for e in outbox(app) if e["type"].startswith("identity.user.")]
    assert [e["data"]["time_zone"] for e in events] == ["America/Mexico_City", None]
    refused = client.patch(
        f"/api/v1/users/{user_id}", json={"time_zone": "CET+1"}, headers=agent.headers
    )
    assert "time_zone" in assert_problem(refused, 422)["errors"]


def test_patch_to_an_email_in_use_is_409(app, client, agent):
    user_id = make_user(app, "dana@client.example")
    make_user(app, "eve@client.example")
    response = client.patch(
        f"/api/v1/users/{user_id}", json={"email": "EVE@client.example"}, headers=agent.headers
    )
    assert_problem(response, 409, "EMAIL_TAKEN")
    assert outbox(app) == []


def test_disabling_signs_the_user_out(app, client, agent):
    user_id = make_user(app, "dana@client.example")
    session = sign_in(client, "dana@client.example", user_id)
    response = client.patch(
        f"/api/v1/users/{user_id}", json={"status": "disabled"}, headers=agent.headers
    )
    assert response.status_code == 200 and response.json["status"] == "disabled"
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token})
    assert_problem(refresh, 401, "INVALID_REFRESH_TOKEN")
    assert_problem(client.get("/api/v1/me", headers=session.headers), 401, "ACCOUNT_DISABLED")
    enabled = client.patch(
        f"/api/v1/users/{user_id}", json={"status": "active"}, headers=agent.headers
    )
    assert enabled.json["status"] == "active"
    assert [(e["data"]["status"], e["data"]["version"]) for e in outbox(app)] == [
        ("disabled", 2),
        ("active", 3),
    ]


def test_a_disabled_agents_access_token_stops_working_at_once(app, client, admin, agent):
    assert client.get("/api/v1/companies", headers=agent.headers).status_code == 200
    client.patch(
        f"/api/v1/users/{agent.user_id}", json={"status": "disabled"}, headers=admin.headers
    )
    refused = client.post("/api/v1/companies", json={"name": "Shell Co"}, headers=agent.headers)
    assert_problem(refused, 401, "ACCOUNT_DISABLED")


def test_re_enabling_a_user_who_never_accepted_leaves_them_invited(app, client, agent):
    user_id = make_user(app, "dana@client.example", status="invited")
    client.patch(f"/api/v1/users/{user_id}", json={"status": "disabled"}, headers=agent.headers)
    response = client.patch(
        f"/api/v1/users/{user_id}", json={"status": "active"}, headers=agent.headers
    )
    assert response.json["status"] == "invited"


def test_staff_users_and_roles_are_changed_by_admins_only(app, client, admin, agent):
    portal_id = make_user(app, "dana@client.example")
    response = client.patch(
        f"/api/v1/users/{portal_id}", json={"role": "admin"}, headers=admin.headers
    )
    assert "role" in assert_problem(response, 422)["errors"]
    response = client.patch(
        f"/api/v1/users/{agent.user_id}", json={"role": "admin"}, headers=agent.headers
    )
    assert_problem(response, 403, "ROLE_REQUIRED")
    response = client.patch(
        f"/api/v1/users/{admin.user_id}", json={"name": "Mallory"}, headers=agent.headers
    )
    assert_problem(response, 403, "ROLE_REQUIRED")
    assert outbox(app) == []
    promoted = client.patch(
        f"/api/v1/users/{agent.user_id}", json={"role": "admin"}, headers=admin.headers
    )
    assert promoted.status_code == 200 and promoted.json["role"] == "admin"


def test_the_last_admin_cannot_be_demoted_or_disabled(app, client, admin):
    for change in ({"role": "agent"}, {"status": "disabled"}):
        response = client.patch(
            f"/api/v1/users/{admin.user_id}", json=change, headers=admin.headers
        )
        assert_problem(response, 409, "LAST_ADMIN")
    assert outbox(app) == []
