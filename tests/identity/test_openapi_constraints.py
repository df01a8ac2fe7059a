"""What identity refuses is written in its OpenAPI document, so that a generated client knows."""

from __future__ import annotations

import re

from .helpers import assert_problem


def test_text_fields_document_the_control_characters_they_refuse(client, admin):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    name = schemas["CompanyCreate"]["properties"]["name"]
    assert (name["minLength"], name["maxLength"]) == (1, 200)
    assert not re.search(name["pattern"], "Acme\x01 Industries")
    assert re.search(name["pattern"], "Acme\tIndustries")

    refused = client.post(
        "/api/v1/companies", json={"name": "Acme\x01 Industries"}, headers=admin.headers
    )

    assert_problem(refused, 422, "VALIDATION_FAILED")
    assert "name" in refused.get_json()["errors"]
