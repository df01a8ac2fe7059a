"""Login throttling counts the real client: X-Forwarded-For only from a trusted proxy."""

from __future__ import annotations

from .helpers import assert_problem

ATTACKER = {"REMOTE_ADDR": "203.0.113.50"}  # reached identity directly, not via the gateway


def _fail(client, number: int, forwarded_for: str, environ: dict | None = None):
    body = {"email": f"guess{number}@firm.example", "password": "guess"}
    return client.post(
        "/api/v1/auth/login",
        json=body,
        headers={"X-Forwarded-For": forwarded_for},
        environ_base=environ or {},
    )


def test_a_forged_forwarded_for_from_a_peer_that_is_no_proxy_is_ignored(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_PER_ADDRESS", 2)
    for i in range(2):
        # A new address in each request does not make the attacker a new client.
        assert _fail(client, i, f"198.51.100.{i}", ATTACKER).status_code == 401

    assert_problem(_fail(client, 9, "198.51.100.99", ATTACKER), 429, "TOO_MANY_ATTEMPTS")
    # The addresses it claimed were never charged: a real client there is not locked out.
    assert _fail(client, 10, "198.51.100.0").status_code == 401


def test_the_gateway_forwarded_for_names_the_client(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_PER_ADDRESS", 2)
    for i in range(2):
        assert _fail(client, i, "198.51.100.7").status_code == 401  # from 127.0.0.1

    assert_problem(_fail(client, 9, "198.51.100.7"), 429, "TOO_MANY_ATTEMPTS")
    assert _fail(client, 10, "198.51.100.8").status_code == 401
