"""Each service's OpenAPI document says which operations need a token: exactly those that answer
401 without one declare the bearer scheme and the 401 problem (and staff or portal-only ones the
403), so that a client generated from it is right."""

from __future__ import annotations

import importlib
import re
import uuid

import pytest

SERVICES_WITH_AN_API = ["identity", "sharing", "documents", "mailer"]
METHODS = ("get", "put", "post", "patch", "delete")
# What a service refuses to start without.
SETTINGS = {
    "mailer": {"PORTAL_FIRM_NAME": "Dupont", "MAIL_FROM": "Dupont <portail@dupont.example>"}
}


@pytest.mark.parametrize("service", SERVICES_WITH_AN_API)
def test_operations_that_need_a_token_declare_the_bearer_scheme(service, new_database, amqp_url):
    app = importlib.import_module(f"services.{service}").create_app(
        SQLALCHEMY_DATABASE_URI=new_database(service),
        AMQP_URL=amqp_url,
        TESTING=True,
        **SETTINGS.get(service, {}),
    )
    client = app.test_client()
    document = client.get("/openapi.json").get_json()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")

    mismatches = []
    for path, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
            answered = client.open(url, method=method.upper()).status_code
            declared = operation.get("security") == [{"bearerAuth": []}]
            if declared != (answered == 401) or (declared and "401" not in operation["responses"]):
                mismatches.append(f"{method.upper()} {path}: answered {answered}")
            if declared and "/me" not in path and "403" not in operation["responses"]:
                mismatches.append(f"{method.upper()} {path}: no 403 declared")
    assert mismatches == []
