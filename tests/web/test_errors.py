"""Error pages a person understands: HTML in their language, never JSON or a stack trace."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from services.common.testing import free_port

from .people import client_contact, sign_in


def test_a_page_that_does_not_exist_says_so_in_words(suite, smtp_server, page, look):
    contact = client_contact(suite, smtp_server)
    page.goto("/portal/sign-in")
    sign_in(page, contact["email"])
    answer = page.goto("/portal/no-such-page")
    assert answer.status == 404
    assert answer.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nothing here for you")
    look(page, "not-found")


def test_an_expired_invitation_link_says_what_to_do(suite, page, look):
    page.goto("/portal/accept-invitation?token=" + "x" * 43)
    expect(page).to_have_url(f"{suite.portal}/accept-invitation")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    expect(page.get_by_role("main")).to_contain_text("ask the firm to send you a new invitation")
    look(page, "invitation-expired")


@pytest.fixture
def portal_without_api(portal_app):
    """The portal app with the real session store, its API address refusing connections."""
    app = portal_app(GATEWAY_URL=f"http://127.0.0.1:{free_port()}", WTF_CSRF_ENABLED=False)
    return app.test_client()


def test_an_unreachable_service_is_a_try_again_page(portal_without_api):
    answer = portal_without_api.post(
        "/portal/sign-in",
        data={"email": "dana@client.example", "password": "whatever it is"},
        headers={"Accept-Language": "es"},
    )
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert answer.mimetype == "text/html"
    assert "El servicio está ocupado" in answer.text
    assert "Traceback" not in answer.text


@pytest.mark.parametrize("cookie", [None, "a" * 43])
def test_without_the_session_store_a_page_says_try_again(portal_app, cookie):
    portal = portal_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    if cookie:
        portal.set_cookie("portal_session", cookie, path="/portal")
    answer = portal.get("/portal/sign-in")
    assert answer.status_code == 503
    assert answer.mimetype == "text/html"
    assert "The service is busy" in answer.text
