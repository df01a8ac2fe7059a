"""The portal's paths answer a page when the portal itself is down, an API path a problem."""

from __future__ import annotations

from gateway import create_app
from gateway.config import Settings
from gateway.routes import SERVICES
from services.common.testing import free_port


def test_a_browser_gets_a_page_when_the_portal_does_not_answer():
    nowhere = f"http://127.0.0.1:{free_port()}"
    gateway = create_app(Settings(upstreams=dict.fromkeys(SERVICES, nowhere))).test_client()

    page = gateway.get("/portal/matters/7")
    assert page.status_code == 503
    assert page.mimetype == "text/html"
    assert "The portal is busy" in page.text
    assert "Le portail est occupé" in page.text and "El portal está ocupado" in page.text

    api = gateway.get("/api/v1/me")
    assert api.status_code == 503
    assert api.mimetype == "application/problem+json"
