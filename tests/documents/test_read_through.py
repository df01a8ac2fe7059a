"""An upload right after the matter is registered: documents' replica has not heard of the matter
yet (no worker delivers sharing's events here), so documents asks sharing once and goes on."""

from __future__ import annotations

import uuid

from services.common.consumer import handle_message
from services.common.events import Event
from services.common.testing import ServedApp, free_port
from services.documents.models import Matter, db

from .helpers import PDF, multipart, upload


def register_matter(sharing: ServedApp, staff: dict) -> str:
    """A matter registered in sharing, whose company sharing heard of from identity."""
    company = {"id": str(uuid.uuid4()), "name": "Acme", "version": 1}
    event = Event("identity.company.created", company, subject=company["id"], source="/identity")
    assert handle_message(sharing.app, event.to_json().encode(), 0).action == "ack"
    body = {"kind": "case", "reference": f"CS-{uuid.uuid4().hex[:8]}", "company_id": company["id"]}
    response = sharing.app.test_client().post("/api/v1/matters", json=body, headers=staff)
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_an_upload_right_after_the_matter_is_registered(app, client, staff, sharing):
    matter_id = register_matter(sharing, staff)

    response = upload(client, staff, matter_id, multipart([], PDF, "brief.pdf"))

    assert response.status_code == 201, response.json
    assert response.json["name"] == "brief.pdf"
    with app.app_context():
        replica = db.session.get(Matter, matter_id)
        assert (replica.visible, replica.version) == (False, 1)


def test_a_matter_sharing_does_not_know_is_still_a_404(client, staff):
    response = upload(client, staff, str(uuid.uuid4()), multipart([], PDF))
    assert response.status_code == 404 and response.json["code"] == "MATTER_NOT_FOUND"


def test_sharing_down_is_a_503_to_try_again(app, client, staff, monkeypatch):
    monkeypatch.setitem(app.config, "SHARING_URL", f"http://127.0.0.1:{free_port()}")
    response = client.get(f"/api/v1/matters/{uuid.uuid4()}/folders", headers=staff)
    assert response.status_code == 503
    assert response.json["code"] == "OWNER_UNAVAILABLE"
    assert "try again in a moment" in response.json["detail"].lower()
