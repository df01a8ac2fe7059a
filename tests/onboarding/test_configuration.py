"""The firm configures a customer group's billing portal: everything validated field by field,
terms versioned, signup links revocable; and the OpenAPI document shows the constraints."""

from __future__ import annotations

import pytest

from .world import config


def _save(world, group_id: str, body: dict):
    return world.http.put(
        f"/api/v1/customer-groups/{group_id}/portal-configuration", json=body, headers=world.staff
    )


BAD_FIELDS = [
    ({"tax_id_format": "passport"}, "tax_id_format"),
    ({"email_help_url": "ftp://mail.example.com"}, "email_help_url"),
    ({"email_help_url": "javascript:alert(1)"}, "email_help_url"),
    ({"terms": {"de": "Bedingungen"}}, "terms"),
    ({"terms": {}}, "terms"),  # the portal on without terms
    ({"messages": {"status_complete": {"it": "Fatto"}}}, "messages"),
    ({"messages": {"welcome": {"en": "Hi"}}}, "messages"),
    ({"messages": {"contact": {"en": "x" * 5001}}}, "messages"),
    ({"questions": [{"key": "Bad Key", "label": {"en": "?"}}]}, "questions"),
    ({"questions": [{"key": "erp", "label": {}}]}, "questions"),
    (
        {"questions": [{"key": "a", "label": {"en": "?"}}, {"key": "a", "label": {"en": "!"}}]},
        "questions",
    ),
    ({"portal_enabled": "sometimes"}, "portal_enabled"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD_FIELDS)
def test_each_bad_configuration_field_is_named_and_nothing_is_saved(world, change, field):
    group = world.group()
    response = _save(world, group["id"], config(**change))
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"], response.json
    again = world.http.get(f"/api/v1/customer-groups/{group['id']}", headers=world.staff).json
    assert again == group


def test_missing_required_fields_are_each_reported(world):
    group = world.group()
    response = _save(world, group["id"], {})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"portal_enabled", "tax_id_format"}


def test_new_terms_text_is_a_new_version_other_changes_are_not(world):
    group = world.group()
    assert group["terms_version"] == 1
    same = _save(world, group["id"], config(requires_approval=True)).json
    assert same["terms_version"] == 1 and same["requires_approval"] is True
    changed = _save(world, group["id"], config(terms={"en": "Terms v2"})).json
    assert changed["terms_version"] == 2
    assert changed["terms"] == {"en": "Terms v2"}
    assert changed["tax_id_pattern"] == "nn-nnnnnnn"


def test_group_names_are_unique(world):
    group = world.group()
    clash = world.http.post(
        "/api/v1/customer-groups", json={"name": group["name"]}, headers=world.staff
    )
    assert clash.status_code == 409
    assert group["name"] in clash.json["detail"]


def test_signup_link_shown_once_listed_without_token_and_revocable(world):
    group = world.group()
    link = world.signup_link(group["id"])
    assert len(link["token"]) >= 43  # 32 random bytes, url-safe base64
    assert (
        link["url"] == f"https://portal.example.com/portal/onboarding/signup?token={link['token']}"
    )
    listed = world.http.get(
        f"/api/v1/customer-groups/{group['id']}/signup-links", headers=world.staff
    ).json
    assert [item["id"] for item in listed["items"]] == [link["id"]]
    assert "token" not in listed["items"][0] and "url" not in listed["items"][0]
    revoked = world.http.delete(
        f"/api/v1/customer-groups/{group['id']}/signup-links/{link['id']}", headers=world.staff
    )
    assert revoked.status_code == 204
    opened = world.http.post("/api/v1/portal/onboarding/signup", json={"token": link["token"]})
    assert opened.status_code == 410
    assert opened.json["code"] == "SIGNUP_LINK_REVOKED"


def test_portal_tokens_cannot_configure(world, app):
    group = world.group()
    portal = app.minter.headers(kind="portal", role=None)
    response = world.http.put(
        f"/api/v1/customer-groups/{group['id']}/portal-configuration", json=config(), headers=portal
    )
    assert response.status_code == 403


def test_openapi_documents_the_constraints(world):
    spec = world.http.get("/openapi.json").json
    schemas = spec["components"]["schemas"]
    config_schema = schemas["PortalConfig"]["properties"]
    assert config_schema["tax_id_format"]["enum"] == ["nine_digits", "ein", "ssn"]
    assert config_schema["email_help_url"]["format"] == "url"
    assert schemas["Question"]["properties"]["key"]["pattern"] == "^[a-z][a-z0-9_]{0,39}$"
    assert schemas["LocalizedMessage"]["properties"]["fr"]["maxLength"] == 5000
    assert "/api/v1/portal/onboarding/request/submit" in spec["paths"]
