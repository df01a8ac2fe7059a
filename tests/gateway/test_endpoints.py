"""The gateway's own endpoints: health, readiness, metrics, the merged OpenAPI document and the
AsyncAPI document of the events."""

import json

import requests

from gateway.asyncapi import DOCUMENT
from services.common.testing import wait_until


def test_healthz_answers_even_with_a_service_down(gateway):
    assert requests.get(f"{gateway.url}/healthz", timeout=5).status_code == 200


def test_readyz_on_the_admin_port_is_a_503_problem_naming_the_service_that_is_down(gateway):
    response = requests.get(f"{gateway.admin_url}/readyz", timeout=5)

    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert list(problem["errors"]) == ["mailer"]
    assert "mailer" in problem["detail"]


def test_the_public_readyz_says_not_ready_without_naming_services(gateway):
    response = requests.get(f"{gateway.url}/readyz", timeout=5)

    assert response.status_code == 503
    assert "errors" not in response.json()
    assert "mailer" not in response.text


def test_metrics_are_not_served_on_the_public_port(gateway):
    response = requests.get(f"{gateway.url}/metrics", timeout=5)

    assert response.status_code == 404
    assert "gateway_requests_total" not in response.text


def test_the_merged_openapi_document_has_every_reachable_service_paths(gateway):
    document = requests.get(f"{gateway.url}/openapi.json", timeout=5).json()

    assert {"/api/v1/me", "/api/v1/documents/{id}", "/api/v1/matters"} <= set(document["paths"])
    assert "/healthz" not in document["paths"]
    assert document["x-unavailable-services"] == ["mailer"]
    schemas = document["components"]["schemas"]
    assert set(schemas) == {"Error", "Company", "sharing_Error"}
    problem = document["paths"]["/api/v1/matters"]["get"]["responses"]["422"]
    assert problem["content"]["application/problem+json"]["schema"]["$ref"] == (
        "#/components/schemas/sharing_Error"
    )


def test_metrics_count_requests_by_service_and_status(gateway):
    requests.get(f"{gateway.url}/api/v1/emails", timeout=5)

    def counted():
        text = requests.get(f"{gateway.admin_url}/metrics", timeout=5).text
        return 'gateway_requests_total{service="mailer",status="503"}' in text and text

    text = wait_until(counted, timeout=5, message="the mailer 503 in /metrics")
    assert "gateway_request_duration_seconds_bucket" in text


def test_the_asyncapi_document_of_the_events_is_served_beside_the_openapi_one(gateway):
    response = requests.get(f"{gateway.url}/asyncapi.json", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    document = response.json()
    assert document == json.loads(DOCUMENT.read_text())
    assert document["asyncapi"] == "3.0.0"
    assert document["channels"]["identity_user_created"]["address"] == "identity.user.created"
