"""The server-side session store, against the machine's Redis, through the portal app itself."""

from __future__ import annotations

import pytest

from web.sessions import COOKIE_NAME


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
