"""Bad input and the wrong caller get a problem+json 4xx, and nothing is written."""

from __future__ import annotations

import pytest

from services.identity.models import Company, User

from .helpers import assert_problem, count, make_company, make_user, outbox, sign_in

VALID_USER = {"email": "dana@client.example", "name": "Dana", "kind": "portal"}


@pytest.fixture
def nothing_written(app):
    users, companies = count(app, User), count(app, Company)
    yield
    assert (count(app, User), count(app, Company)) == (users, companies)
    assert outbox(app) == []


def test_malformed_json_is_400(client, agent, nothing_written):
    response = client.post(
        "/api/v1/users",
        data='{"email": "dana@client.example",',
        content_type="application/json",
        headers=agent.headers,
    )
    assert_problem(response, 400, "MALFORMED_JSON")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "Dana", "kind": "portal"}, "email", "Missing data for required field."),
        ({**VALID_USER, "is_admin": True}, "is_admin", "Unknown field."),
        ({**VALID_USER, "name": 42}, "name", "Not a valid string."),
        ({**VALID_USER, "name": "x" * 201}, "name", "Length must be between 1 and 200."),
        ({**VALID_USER, "name": "   "}, "name", "Length must be between 1 and 200."),
        ({**VALID_USER, "email": "not-an-address"}, "email", "Not a valid email address."),
        ({**VALID_USER, "email": "a" * 250 + "@x.io"}, "email", None),
        ({**VALID_USER, "locale": "de"}, "locale", None),
        ({**VALID_USER, "kind": "robot"}, "kind", None),
        ({**VALID_USER, "memberships": "acme"}, "memberships", "Not a valid list."),
    ],
)
def test_invalid_user_fields_are_422_with_a_message_per_field(
    client, agent, nothing_written, body, field, message
):
    response = client.post("/api/v1/users", json=body, headers=agent.headers)
    problem = assert_problem(response, 422, "VALIDATION_FAILED")
    assert field in problem["errors"], problem
    if message:
        assert message in problem["errors"][field]


def test_json_nested_too_deeply_is_400(client, agent, nothing_written):
    response = client.post(
        "/api/v1/companies",
        data='{"name": ' + "[" * 100_000 + "]" * 100_000 + "}",
        content_type="application/json",
        headers=agent.headers,
    )
    assert_problem(response, 400, "MALFORMED_JSON")


def test_a_body_that_is_not_an_object_is_422(client, agent, nothing_written):
    response = client.post("/api/v1/companies", json=["Acme"], headers=agent.headers)
    assert_problem(response, 422, "VALIDATION_FAILED")


def test_unknown_and_over_long_nested_company_fields_are_422(client, agent, nothing_written):
    body = {"name": "Acme", "address": {"city": "x" * 101, "planet": "Mars"}}
    response = client.post("/api/v1/companies", json=body, headers=agent.headers)
    errors = assert_problem(response, 422)["errors"]
    assert errors == {
        "address": {"city": ["Longer than maximum length 100."], "planet": ["Unknown field."]}
    }


def test_invalid_patch_changes_nothing(app, client, agent):
    company_id = make_company(app, "Acme")
    response = client.patch(
        f"/api/v1/companies/{company_id}",
        json={"name": "Renamed", "settings": {"members_see_each_other": "sometimes"}},
        headers=agent.headers,
    )
    assert "settings" in assert_problem(response, 422)["errors"]
    assert client.get(f"/api/v1/companies/{company_id}", headers=agent.headers).json["name"] == (
        "Acme"
    )
    assert outbox(app) == []


def test_unknown_query_parameters_are_ignored_but_bad_ones_refused(client, agent):
    assert client.get("/api/v1/companies?utm_source=x", headers=agent.headers).status_code == 200
    assert_problem(client.get("/api/v1/companies?page=zero", headers=agent.headers), 422)


def test_login_input_is_validated(client, nothing_written):
    response = client.post("/api/v1/auth/login", json={"email": "x@y.example"})
    assert "password" in assert_problem(response, 422)["errors"]
    response = client.post(
        "/api/v1/auth/login", json={"email": "x@y.example", "password": "p" * 257}
    )
    assert "password" in assert_problem(response, 422)["errors"]


STAFF_ENDPOINTS = [
    ("get", "/api/v1/companies"),
    ("post", "/api/v1/companies"),
    ("get", "/api/v1/companies/{company}"),
    ("patch", "/api/v1/companies/{company}"),
    ("get", "/api/v1/companies/{company}/members"),
    ("post", "/api/v1/companies/{company}/members"),
    ("patch", "/api/v1/companies/{company}/members/{user}"),
    ("delete", "/api/v1/companies/{company}/members/{user}"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/{user}"),
    ("patch", "/api/v1/users/{user}"),
    ("post", "/api/v1/users/{user}/invite"),
    ("get", "/admin/outbox"),
]


def test_portal_token_gets_403_on_every_staff_endpoint(app, client):
    company = make_company(app, "Acme")
    user = make_user(app, "dana@client.example", companies=((company, "primary"),))
    portal = sign_in(client, "dana@client.example", user)
    for method, path in STAFF_ENDPOINTS:
        url = path.format(company=company, user=user)
        # A valid body, so that only the caller can be the reason for refusing.
        response = getattr(client, method)(url, json={"name": "Evil"}, headers=portal.headers)
        assert_problem(response, 403)
    assert outbox(app) == []


def test_no_token_gets_401_on_staff_endpoints(client):
    for method, path in STAFF_ENDPOINTS:
        url = path.format(company="c", user="u")
        assert_problem(getattr(client, method)(url, json={}), 401, "AUTHENTICATION_REQUIRED")


def test_agent_gets_403_on_admin_only_endpoints(client, agent):
    assert_problem(client.get("/admin/outbox", headers=agent.headers), 403, "ROLE_REQUIRED")
    body = {"email": "x@firm.example", "name": "X", "kind": "staff", "role": "admin"}
    assert_problem(client.post("/api/v1/users", json=body, headers=agent.headers), 403)


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/invitations/accept",
        "/api/v1/me",
        "/api/v1/companies/{company_id}/members/{user_id}",
        "/api/v1/users/{user_id}/invite",
        "/.well-known/jwks.json",
    ):
        assert path in paths


def test_blank_optional_fields_mean_none(app, client, agent):
    body = {"name": " Acme ", "number": "  ", "contact": {"email": ""}, "address": {"city": " "}}
    response = client.post("/api/v1/companies", json=body, headers=agent.headers)
    assert response.status_code == 201
    company = response.get_json()
    assert (company["name"], company["number"]) == ("Acme", None)
    assert company["contact"]["email"] is None and company["address"]["city"] is None


ODD_VALUES = [None, "", "  ", 0, -1, 1.5, True, [], {}, ["x"], {"a": 1}, "x" * 5001, "\u0000"]
ODD_VALUES += ["a\ud800", ["\udfff"]]  # unpaired surrogates: JSON can carry them, UTF-8 cannot


def test_odd_values_in_any_field_never_cause_a_5xx(app, client, admin):
    company = make_company(app, "Acme")
    user = make_user(app, "dana@client.example", companies=((company, "member"),))
    samples = [
        ("post", "/api/v1/auth/login", {"email": "a@b.example", "password": "x"}),
        ("post", "/api/v1/auth/refresh", {"refresh_token": "x"}),
        ("post", "/api/v1/auth/invitations/accept", {"token": "x", "password": "y" * 10}),
        ("post", "/api/v1/companies", {"name": "N", "number": "1", "extra_info": "i"}),
        ("patch", f"/api/v1/companies/{company}", {"name": "N", "tax_id": "T"}),
        ("patch", f"/api/v1/companies/{company}", {"address": {"city": "C"}}),
        ("patch", f"/api/v1/companies/{company}", {"contact": {"email": "c@d.example"}}),
        ("patch", f"/api/v1/companies/{company}", {"settings": {"members_see_each_other": 1}}),
        ("post", f"/api/v1/companies/{company}/members", {"user_id": user, "role": "member"}),
        ("patch", f"/api/v1/companies/{company}/members/{user}", {"role": "primary"}),
        ("post", "/api/v1/users", {"email": "e@f.example", "name": "N", "kind": "portal"}),
        (
            "post",
            "/api/v1/users",
            {
                "email": "g@h.example",
                "name": "N",
                "kind": "portal",
                "memberships": [{"company_id": company, "role": "member"}],
            },
        ),
        ("patch", f"/api/v1/users/{user}", {"email": "i@j.example", "status": "active"}),
    ]
    for method, url, valid in samples:
        for field in valid:
            for value in ODD_VALUES:
                body = {**valid, field: value}
                response = getattr(client, method)(url, json=body, headers=admin.headers)
                assert response.status_code < 500, (url, field, value, response.get_data())
                assert response.status_code < 300 or response.mimetype.endswith("problem+json")


def test_ids_and_filters_that_cannot_exist_are_404_or_422(app, client, agent):
    company = make_company(app, "Acme")
    for path in ("/api/v1/users/%00", "/api/v1/companies/%00", "/api/v1/users/" + "x" * 300):
        assert client.get(path, headers=agent.headers).status_code == 404
    response = client.delete(f"/api/v1/companies/{company}/members/%00", headers=agent.headers)
    assert_problem(response, 404, "MEMBERSHIP_NOT_FOUND")
    for query in ("q=%00", "company_id=%00", "company_id=acme", "q=" + "x" * 201):
        assert_problem(client.get(f"/api/v1/users?{query}", headers=agent.headers), 422)
    assert_problem(client.get("/api/v1/companies?q=a%00", headers=agent.headers), 422)
