"""The server-side session store, against the machine's Redis, through the portal app itself."""

from __future__ import annotations

import pytest

from web.sessions import COOKIE_NAME, ServerSession


@pytest.fixture
def portal(portal_app):
    return portal_app()


def set_cookie_of(response) -> str:
    (header,) = [v for k, v in response.headers if k == "Set-Cookie"]
    return header


def test_the_cookie_is_an_opaque_id_httponly_lax_limited_to_the_portal(portal):
    answer = portal.test_client().get("/portal/sign-in")
    cookie = set_cookie_of(answer)
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/portal" in cookie
    assert "Secure" not in cookie  # plain HTTP here: a Secure cookie would never come back
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) == 43 and "." not in value  # random, not a signed payload


def test_behind_tls_the_cookie_is_secure(portal):
    answer = portal.test_client().get("/portal/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "; Secure" in set_cookie_of(answer)
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")


def test_static_files_open_no_session(portal):
    answer = portal.test_client().get("/portal/static/portal.css")
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert "no-store" not in answer.headers.get("Cache-Control", "")


def test_every_page_carries_the_security_headers(portal):
    answer = portal.test_client().get("/portal/sign-in")
    csp = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["Cache-Control"] == "no-store"


def test_each_request_renews_the_idle_time_and_an_idle_session_is_gone(portal):
    client = portal.test_client()
    client.get("/portal/sign-in")
    store = portal.extensions["web.redis"]
    (key,) = list(store.scan_iter(match=portal.config["SESSION_PREFIX"] + "*"))
    store.expire(key, 5)

    client.get("/portal/sign-in")
    assert store.ttl(key) > 5  # renewed to the idle time

    store.delete(key)  # what the TTL does once the idle time has passed
    answer = client.get("/portal/profile")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/portal/sign-in")


def test_a_request_writes_back_only_what_it_changed(portal):
    """Two requests of one browser at once: one refreshes the tokens while the other chooses a
    language; the second must not put the old tokens back."""
    store = portal.extensions["web.redis"]
    interface = portal.session_interface
    session_id = "b" * 43
    key = interface._key(session_id)
    stored = {"tokens": '{"access": "old"}', "lang": '"en"'}
    store.hset(key, mapping=stored)
    first, second = (
        ServerSession({"tokens": {"access": "old"}, "lang": "en"}, session_id, dict(stored))
        for _ in range(2)
    )
    first["tokens"] = {"access": "refreshed"}
    second["lang"] = "fr"
    for request in (first, second):
        interface.save_session(portal, request, portal.response_class())
    assert store.hgetall(key) == {b"tokens": b'{"access": "refreshed"}', b"lang": b'"fr"'}
