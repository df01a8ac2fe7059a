"""Every gateway response carries the browser security headers; a service's own are kept."""

from __future__ import annotations

from http.client import HTTPConnection

import pytest
import requests

from .conftest import UNTRUSTED_CLIENT
from .upstreams import PREVIEW_CSP

API_CSP = "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",  # a service's answer
        "/api/v1/emails",  # the gateway's 503 for a service that is down
        "/api/v1/nowhere",  # the gateway's own 404
        "/healthz",  # the gateway's own endpoint
        "/openapi.json",
    ],
)
def test_every_response_carries_the_security_headers_and_no_server_name(gateway, path):
    response = requests.get(f"{gateway.url}{path}", timeout=5)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"] == API_CSP
    assert "Server" not in response.headers
    assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_a_service_own_csp_and_caching_are_kept(gateway):
    response = requests.get(
        f"{gateway.url}/api/v1/documents/preview",
        headers={"Authorization": "Bearer a-token"},
        timeout=5,
    )

    assert response.headers["Content-Security-Policy"] == PREVIEW_CSP
    assert response.headers["Cache-Control"] == "private, max-age=60"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_authenticated_answers_are_not_stored_and_anonymous_ones_are_left_alone(gateway):
    signed_in = requests.get(
        f"{gateway.url}/api/v1/me", headers={"Authorization": "Bearer a-token"}, timeout=5
    )
    anonymous = requests.get(f"{gateway.url}/api/v1/me", timeout=5)

    assert signed_in.headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in anonymous.headers


def test_hsts_when_a_trusted_proxy_in_front_terminated_tls(gateway):
    response = requests.get(
        f"{gateway.url}/api/v1/me", headers={"X-Forwarded-Proto": "https"}, timeout=5
    )

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_no_hsts_when_a_client_only_claims_tls(gateway):
    host, port = gateway.url.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=5, source_address=(UNTRUSTED_CLIENT, 0))
    connection.request("GET", "/api/v1/me", headers={"X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    response.read()
    connection.close()

    assert response.getheader("Strict-Transport-Security") is None
    assert response.getheader("X-Content-Type-Options") == "nosniff"
