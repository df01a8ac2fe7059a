"""The portal's session and form security, seen from outside: forged posts, fixed or replayed
session ids, open redirects, and tokens that never reach the browser."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
import redis
import requests
from playwright.sync_api import expect

from web.current import local_path

from .people import client_contact, sign_in

COOKIE = "portal_session"


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def signed_in_browser_session(suite, contact) -> tuple[requests.Session, str]:
    """A requests session signed in through the sign-in form; also the cookie it had before."""
    browser = requests.Session()
    form = browser.get(f"{suite.portal}/sign-in", timeout=15)
    before = browser.cookies[COOKIE]
    answer = browser.post(
        f"{suite.portal}/sign-in",
        data={
            "csrf_token": csrf_token(form.text),
            "email": contact["email"],
            "password": contact["password"],
        },
        allow_redirects=False,
        timeout=15,
    )
    assert answer.status_code == 302, answer.text
    return browser, before


def test_a_post_without_the_forms_token_is_refused(suite, smtp_server):
    contact = client_contact(suite, smtp_server)
    browser, _ = signed_in_browser_session(suite, contact)
    forged = browser.post(
        f"{suite.portal}/profile",
        data={"name": "Mallory", "locale": "en", "time_zone": ""},
        timeout=15,
    )
    assert forged.status_code == 400
    assert forged.headers["Content-Type"].startswith("text/html")
    assert "This form has expired" in forged.text
    anonymous = requests.post(
        f"{suite.portal}/sign-in",
        data={"email": contact["email"], "password": contact["password"]},
        timeout=15,
    )
    assert anonymous.status_code == 400
    assert "Sign out" not in anonymous.text


def test_signing_in_gives_a_new_session_id_and_the_old_one_is_worthless(suite, smtp_server):
    contact = client_contact(suite, smtp_server)
    browser, before = signed_in_browser_session(suite, contact)
    after = browser.cookies[COOKIE]
    assert after != before
    fixed = requests.get(
        f"{suite.portal}/profile", cookies={COOKIE: before}, allow_redirects=False, timeout=15
    )
    assert fixed.status_code == 302
    assert fixed.headers["Location"].startswith("/portal/sign-in")
    own = browser.get(f"{suite.portal}/profile", allow_redirects=False, timeout=15)
    assert own.status_code == 200


def test_a_signed_out_session_cookie_replayed_gets_the_sign_in_page(suite, smtp_server):
    contact = client_contact(suite, smtp_server)
    browser, _ = signed_in_browser_session(suite, contact)
    stolen = browser.cookies[COOKIE]
    page = browser.get(f"{suite.portal}/profile", timeout=15)
    browser.post(f"{suite.portal}/sign-out", data={"csrf_token": csrf_token(page.text)}, timeout=15)

    replayed = requests.get(f"{suite.portal}/profile", cookies={COOKIE: stolen}, timeout=15)
    assert replayed.url.startswith(f"{suite.portal}/sign-in")
    assert "<h1>Sign in</h1>" in replayed.text
    assert contact["email"] not in replayed.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/portal/matters/7?tab=documents", "/portal/matters/7?tab=documents"),
        ("/portal", "/portal"),
        ("https://evil.example/portal/", None),
        ("//evil.example/portal/", None),
        ("/\\evil.example", None),
        ("/portal/\\\\evil.example", None),
        ("/api/v1/me", None),
        ("/portal/\r\nSet-Cookie: x=1", None),
        ("", None),
    ],
)
def test_only_paths_of_the_portal_are_followed_after_sign_in(target, expected):
    assert local_path(target) == expected


def test_no_token_reaches_a_url_a_page_or_the_browsers_storage(suite, smtp_server, page):
    contact = client_contact(suite, smtp_server)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto("/portal/sign-in?next=https://evil.example/")
    sign_in(page, contact["email"])
    expect(page).to_have_url(f"{suite.portal}/")  # not the foreign site
    pages = [page.content()]
    page.get_by_role("link", name="Profile").click()
    pages.append(page.content())

    cookies = page.context.cookies()
    (session_cookie,) = [c for c in cookies if c["name"] == COOKIE]
    assert session_cookie["httpOnly"] is True
    assert session_cookie["sameSite"] == "Lax"
    assert session_cookie["path"] == "/portal"
    store = redis.Redis.from_url(suite.env["WEB_REDIS_URL"])
    key = suite.web_session_prefix + hashlib.sha256(session_cookie["value"].encode()).hexdigest()
    tokens = json.loads(store.hget(key, "tokens"))
    assert tokens["access"] and tokens["refresh"]

    storage = page.evaluate(
        "() => JSON.stringify([document.cookie, {...localStorage}, {...sessionStorage}])"
    )
    seen = "\n".join([*urls, *pages, storage, *(c["value"] for c in cookies)])
    logs = "\n".join(log.read_text(errors="replace") for log in suite.logs.glob("*.log"))
    for token in tokens.values():
        assert token not in seen
        assert token not in logs


def test_an_expired_access_token_is_refreshed_once_without_the_person_noticing(
    suite, smtp_server, page
):
    contact = client_contact(suite, smtp_server)
    page.goto("/portal/sign-in")
    sign_in(page, contact["email"])
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE]
    store = redis.Redis.from_url(suite.env["WEB_REDIS_URL"])
    key = suite.web_session_prefix + hashlib.sha256(cookie["value"].encode()).hexdigest()
    tokens = json.loads(store.hget(key, "tokens"))
    refresh_before = tokens["refresh"]
    store.hset(key, "tokens", json.dumps({**tokens, "access": "expired.access.token"}))

    page.get_by_role("button", name="Français").click()  # PATCH /me with the person's token

    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dossiers")
    tokens = json.loads(store.hget(key, "tokens"))
    assert tokens["access"] != "expired.access.token"
    assert tokens["refresh"] != refresh_before  # rotated by the refresh


def test_a_session_whose_tokens_stopped_working_goes_to_sign_in_and_back(suite, smtp_server, page):
    contact = client_contact(suite, smtp_server)
    page.goto("/portal/sign-in")
    sign_in(page, contact["email"])
    page.goto("/portal/profile")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE]
    store = redis.Redis.from_url(suite.env["WEB_REDIS_URL"])
    key = suite.web_session_prefix + hashlib.sha256(cookie["value"].encode()).hexdigest()
    revoked = {"access": "revoked.access.token", "refresh": "revoked-refresh-token"}
    store.hset(key, "tokens", json.dumps(revoked))

    page.get_by_label("Name").fill("Dana Again")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    sign_in(page, contact["email"])
    expect(page.get_by_role("heading", level=1)).to_have_text("My matters")
