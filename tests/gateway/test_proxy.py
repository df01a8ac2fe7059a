"""Requests through the gateway under gunicorn reach the owning service and come back intact."""

from __future__ import annotations

import hashlib
import json
from http.client import HTTPConnection

import requests

from services.common.testing import wait_until

from .conftest import UNTRUSTED_CLIENT
from .upstreams import PROBLEM_422, MiB

# Streaming must not hold a body in memory: the worker's peak may grow by far less than 50 MiB.
MEMORY_SLACK = 16 * MiB


def _chunks(data: bytes, size: int = MiB):
    view = memoryview(data)
    for start in range(0, len(data), size):
        yield bytes(view[start : start + size])


def test_a_50_mib_upload_with_content_length_arrives_intact(gateway, payload):
    peak = gateway.worker_peak_rss()

    response = requests.post(f"{gateway.url}/api/v1/documents/upload", data=payload, timeout=30)

    assert response.status_code == 200
    received = response.json()
    assert received["sha256"] == hashlib.sha256(payload).hexdigest()
    assert received["content_length"] == str(len(payload))
    assert received["transfer_encoding"] is None
    assert gateway.worker_peak_rss() - peak < MEMORY_SLACK


def test_a_50_mib_chunked_upload_arrives_intact_and_still_chunked(gateway, payload):
    peak = gateway.worker_peak_rss()

    response = requests.put(
        f"{gateway.url}/api/v1/documents/upload", data=_chunks(payload), timeout=30
    )

    assert response.status_code == 200
    received = response.json()
    assert (received["sha256"], received["size"]) == (
        hashlib.sha256(payload).hexdigest(),
        len(payload),
    )
    assert received["transfer_encoding"] == "chunked"
    assert received["content_length"] in (None, "")
    assert gateway.worker_peak_rss() - peak < MEMORY_SLACK


def test_an_upload_survives_a_service_that_pauses_reading_longer_than_the_connect_timeout(
    gateway, payload
):
    response = requests.post(
        f"{gateway.url}/api/v1/documents/upload",
        data=payload[: 20 * MiB],
        headers={"X-Pause-Before-Read": "0.6"},
        timeout=30,
    )

    assert response.status_code == 200
    assert response.json()["sha256"] == hashlib.sha256(payload[: 20 * MiB]).hexdigest()


def test_a_50_mib_download_streams_intact(gateway, payload):
    peak = gateway.worker_peak_rss()
    digest, size = hashlib.sha256(), 0

    with requests.get(f"{gateway.url}/api/v1/documents/big", stream=True, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["Content-Length"] == str(len(payload))
        for block in response.iter_content(256 * 1024):
            digest.update(block)
            size += len(block)

    assert (digest.hexdigest(), size) == (hashlib.sha256(payload).hexdigest(), len(payload))
    assert gateway.worker_peak_rss() - peak < MEMORY_SLACK


def test_the_client_connection_stays_usable_after_a_download_moved_by_the_kernel(gateway, payload):
    # Downloads from 1 MiB on are spliced from socket to socket: the server's byte count never
    # sees them, so a miscount would corrupt the next answer on the same connection.
    with requests.Session() as session:
        first = session.get(f"{gateway.url}/api/v1/documents/big", timeout=30)
        after = session.get(f"{gateway.url}/api/v1/me", timeout=5)
        again = session.get(f"{gateway.url}/api/v1/documents/big", timeout=30)

    assert first.content == payload
    assert (after.status_code, after.json()["raw_uri"]) == (200, "/api/v1/me")
    assert again.content == payload


def test_a_head_request_gets_the_headers_and_frees_the_connection(gateway, payload):
    with requests.Session() as session:
        head = session.head(f"{gateway.url}/api/v1/documents/big", timeout=5)
        after = session.get(f"{gateway.url}/api/v1/me", timeout=5)

    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(payload))
    assert head.content == b""
    assert after.status_code == 200


def test_the_request_id_sent_by_the_client_reaches_the_service_and_comes_back(gateway):
    response = requests.get(
        f"{gateway.url}/api/v1/me", headers={"X-Request-ID": "client-id-42"}, timeout=5
    )

    assert response.headers["X-Request-ID"] == "client-id-42"
    assert response.json()["request_id"] == "client-id-42"


def test_a_request_id_is_made_when_missing_and_is_the_one_the_service_saw(gateway):
    response = requests.get(f"{gateway.url}/api/v1/me", timeout=5)

    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    assert response.json()["request_id"] == request_id


def test_forwarding_headers_are_set_and_hop_by_hop_ones_dropped(gateway):
    response = requests.get(
        f"{gateway.url}/api/v1/me/a%2Fb?q=1%202",
        headers={"X-Forwarded-For": "10.0.0.1", "X-Custom": "kept", "Connection": "X-Custom"},
        timeout=5,
    )

    seen = response.json()
    assert seen["forwarded_for"] == "10.0.0.1, 127.0.0.1"
    assert seen["forwarded_proto"] == "http"
    assert seen["forwarded_host"] == gateway.url.removeprefix("http://")
    assert seen["raw_uri"] == "/api/v1/me/a%2Fb?q=1%202"
    # Named in Connection, so hop-by-hop: not for the service.
    assert seen["custom"] is None
    # And the same on the way back.
    assert "Keep-Alive" not in response.headers
    assert response.headers["Connection"] == "keep-alive", "the service's `close` stays there"
    assert response.raw.headers.getlist("X-Request-ID") == [response.headers["X-Request-ID"]]


def test_forwarding_headers_from_a_client_that_is_no_proxy_are_replaced(gateway):
    host, port = gateway.url.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=5, source_address=(UNTRUSTED_CLIENT, 0))
    forged = {"X-Forwarded-For": "10.0.0.1", "X-Forwarded-Proto": "https"}
    connection.request("GET", "/api/v1/me", headers=forged)
    seen = json.loads(connection.getresponse().read())
    connection.close()

    assert seen["forwarded_for"] == UNTRUSTED_CLIENT
    assert seen["forwarded_proto"] == "http"


def test_a_trusted_proxy_says_how_the_client_reached_it(gateway):
    response = requests.get(
        f"{gateway.url}/api/v1/me", headers={"X-Forwarded-Proto": "https"}, timeout=5
    )

    assert response.json()["forwarded_proto"] == "https"


def test_an_unknown_path_is_a_404_problem(gateway):
    response = requests.get(f"{gateway.url}/api/v1/nowhere", timeout=5)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "ROUTE_NOT_FOUND"
    assert response.headers["X-Request-ID"]


def test_a_service_that_is_down_is_a_503_problem_naming_it(gateway):
    response = requests.get(f"{gateway.url}/api/v1/emails", timeout=5)

    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "SERVICE_UNAVAILABLE"
    assert "mailer" in problem["detail"]
    assert response.headers["X-Request-ID"]


def test_a_service_slower_than_the_read_timeout_is_a_504_problem(gateway):
    response = requests.get(f"{gateway.url}/api/v1/sites/slow", timeout=10)

    assert response.status_code == 504
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "GATEWAY_TIMEOUT"


def test_a_problem_from_the_service_passes_through_byte_for_byte(gateway):
    response = requests.post(
        f"{gateway.url}/api/v1/access-requests", json={"tax_id": "12"}, timeout=5
    )

    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.content == PROBLEM_422


def test_each_request_leaves_one_json_access_log_line(gateway):
    requests.get(f"{gateway.url}/api/v1/me", headers={"X-Request-ID": "log-me-1"}, timeout=5)

    def logged():
        for line in gateway.stdout.read_text().splitlines():
            if line.startswith("{") and json.loads(line).get("request_id") == "log-me-1":
                return json.loads(line)
        return None

    entry = wait_until(logged, timeout=5, message="the access log line")
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/v1/me"
    assert entry["service"] == "identity"
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
