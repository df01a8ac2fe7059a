"""Field attachments: documents of interventions and customers, uploaded by staff, shown in the
portal by the customer's options and the caller's scope; photos get a thumbnail."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from services.common.consumer import handle_message
from services.common.events import Event
from services.common.testing import TokenMinter

from .helpers import CONTENT_TYPE, PDF, multipart


def deliver(app: Flask, event_type: str, data: dict) -> None:
    """Deliver an event as the consumer does."""
    event = Event(type=event_type, data=data, source="/test")
    outcome = handle_message(app, event.to_json().encode(), 0)
    assert outcome.action == "ack", outcome


def photo_bytes(size: tuple[int, int] = (1200, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Customer:
    """A customer company with two sites and an intervention on each, announced by
    interventions as it does."""

    app: Flask
    minter: TokenMinter
    id: str = field(default_factory=new_id)
    site: str = field(default_factory=new_id)
    other_site: str = field(default_factory=new_id)
    job: str = field(default_factory=new_id)  # on `site`
    other_job: str = field(default_factory=new_id)  # on `other_site`

    def announce(self) -> Customer:
        for job, site in ((self.job, self.site), (self.other_job, self.other_site)):
            intervention = {
                "id": job,
                "number": "INT-000001",
                "company": {"id": self.id, "name": "Acme", "number": "C1"},
                "site": {"id": site, "name": "Site"},
            }
            deliver(self.app, "interventions.intervention.created", {"intervention": intervention})
        return self

    def options(self, **own: bool | None) -> None:
        deliver(
            self.app,
            "interventions.portal_options.changed",
            {"company_id": self.id, "options": own},
        )

    def user(self) -> dict:
        company = {"id": self.id, "role": "member"}
        return self.minter.headers(kind="portal", role=None, companies=[company])

    def link(self, scope: str = "company", scope_id: str | None = None, link_id: str = "") -> dict:
        link_id = link_id or new_id()
        return self.minter.headers(
            kind="link",
            role=None,
            sub=f"link:{link_id}",
            link=link_id,
            company=self.id,
            scope={"type": scope, "id": scope_id or self.id},
        )


@pytest.fixture
def acme(app, minter) -> Customer:
    customer = Customer(app, minter).announce()
    customer.options(portal_enabled=True, attachments_shown=True, gallery_shown=True)
    return customer


@pytest.fixture
def rival(app, minter) -> Customer:
    customer = Customer(app, minter).announce()
    customer.options(portal_enabled=True, attachments_shown=True, gallery_shown=True)
    return customer


def attach(client: FlaskClient, staff: dict, path: str, content: bytes, name: str) -> dict:
    response = client.post(
        f"/api/v1/{path}/attachments",
        data=b"".join(multipart((), content, name)),
        headers={**staff, "Content-Type": CONTENT_TYPE},
    )
    assert response.status_code == 201, response.json
    return response.json


def names(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["name"] for item in response.json["items"]]


def test_staff_attach_files_and_photos_get_one_thumbnail(client, staff, acme, bucket):
    report = attach(client, staff, f"interventions/{acme.job}", PDF, "report.pdf")
    photo = attach(client, staff, f"interventions/{acme.job}", photo_bytes(), "boiler.jpg")
    assert (report["photo"], photo["photo"]) == (False, True)
    assert photo["content_type"] == "image/jpeg"
    listed = client.get(f"/api/v1/interventions/{acme.job}/attachments", headers=staff)
    assert names(listed) == ["boiler.jpg", "report.pdf"]

    thumbnails = [k for k in bucket.objects() if k.endswith("thumbnail.jpg")]
    thumb = client.get(f"/api/v1/portal/attachments/{photo['id']}/thumbnail", headers=acme.user())
    assert thumb.status_code == 200 and thumb.content_type == "image/jpeg"
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert max(image.size) == 320
    # Drawn once at upload: opening it again adds nothing to the store.
    assert [k for k in bucket.objects() if k.endswith("thumbnail.jpg")] == thumbnails
    not_photo = client.get(
        f"/api/v1/portal/attachments/{report['id']}/thumbnail", headers=acme.user()
    )
    assert not_photo.status_code == 404


def test_staff_upload_keeps_the_type_allow_list(client, staff, acme):
    response = client.post(
        f"/api/v1/companies/{acme.id}/attachments",
        data=b"".join(multipart((), b"MZ\x90\x00binary", "tool.exe")),
        headers={**staff, "Content-Type": CONTENT_TYPE},
    )
    assert response.status_code in (415, 422), response.json
    unknown = client.post(
        f"/api/v1/interventions/{new_id()}/attachments",
        data=b"".join(multipart((), PDF, "a.pdf")),
        headers={**staff, "Content-Type": CONTENT_TYPE},
    )
    assert unknown.status_code == 404


def test_each_scope_sees_exactly_its_part(client, staff, acme):
    attach(client, staff, f"companies/{acme.id}", PDF, "contract.pdf")
    attach(client, staff, f"interventions/{acme.job}", PDF, "job.pdf")
    other = attach(client, staff, f"interventions/{acme.other_job}", PDF, "other.pdf")

    def get(path: str, headers: dict):
        return client.get(f"/api/v1/portal/{path}", headers=headers)

    for whole in (acme.user(), acme.link()):
        assert names(get(f"companies/{acme.id}/attachments", whole)) == ["contract.pdf"]
        assert names(get(f"interventions/{acme.job}/attachments", whole)) == ["job.pdf"]
        assert names(get(f"interventions/{acme.other_job}/attachments", whole)) == ["other.pdf"]

    site = acme.link("site", acme.site)
    assert names(get(f"interventions/{acme.job}/attachments", site)) == ["job.pdf"]
    assert get(f"interventions/{acme.other_job}/attachments", site).status_code == 404
    assert get(f"companies/{acme.id}/attachments", site).status_code == 404
    assert get(f"attachments/{other['id']}/download", site).status_code == 404

    job = acme.link("intervention", acme.job)
    assert names(get(f"interventions/{acme.job}/attachments", job)) == ["job.pdf"]
    assert get(f"interventions/{acme.other_job}/attachments", job).status_code == 404
    assert get(f"attachments/{other['id']}/preview", job).status_code == 404

    download = get(f"attachments/{other['id']}/download", acme.user())
    assert download.status_code == 200 and download.data == PDF


def test_other_customers_ids_answer_404_everywhere(client, staff, acme, rival):
    theirs = attach(client, staff, f"interventions/{rival.job}", photo_bytes(), "theirs.jpg")
    attach(client, staff, f"companies/{rival.id}", PDF, "their-contract.pdf")
    forged_site = acme.link("site", rival.site)  # a scope naming another customer's site
    for headers in (acme.user(), acme.link(), acme.link("intervention", acme.job), forged_site):
        for path in (
            f"interventions/{rival.job}/attachments",
            f"interventions/{rival.job}/gallery",
            f"companies/{rival.id}/attachments",
            f"companies/{rival.id}/gallery",
            f"attachments/{theirs['id']}/download",
            f"attachments/{theirs['id']}/preview",
            f"attachments/{theirs['id']}/thumbnail",
            f"attachments/{theirs['id']}/photo",
        ):
            response = client.get(f"/api/v1/portal/{path}", headers=headers)
            assert response.status_code == 404, (path, response.json)
            assert "theirs" not in response.get_data(as_text=True)


def test_options_turned_off_hide_attachments_and_the_gallery(client, staff, acme):
    photo = attach(client, staff, f"interventions/{acme.job}", photo_bytes(), "leak.jpg")
    user = acme.user()
    gallery = client.get(f"/api/v1/portal/interventions/{acme.job}/gallery", headers=user)
    assert names(gallery) == ["leak.jpg"]

    acme.options(gallery_shown=False)
    for path in (
        f"interventions/{acme.job}/gallery",
        f"attachments/{photo['id']}/thumbnail",
        f"attachments/{photo['id']}/photo",
    ):
        refused = client.get(f"/api/v1/portal/{path}", headers=user)
        assert refused.status_code == 403, path
        assert refused.json["code"] == "GALLERY_SHOWN_OFF"
        assert "gallery" in refused.json["detail"]
    listed = client.get(f"/api/v1/portal/interventions/{acme.job}/attachments", headers=user)
    assert names(listed) == ["leak.jpg"]  # the attachments stay shown

    acme.options(gallery_shown=True, attachments_shown=False)
    for path in (
        f"interventions/{acme.job}/attachments",
        f"attachments/{photo['id']}/download",
        f"attachments/{photo['id']}/preview",
    ):
        refused = client.get(f"/api/v1/portal/{path}", headers=user)
        assert refused.status_code == 403, path
        assert refused.json["code"] == "ATTACHMENTS_SHOWN_OFF"
        assert "leak.jpg" not in refused.get_data(as_text=True)

    acme.options(portal_enabled=False)
    refused = client.get(f"/api/v1/portal/interventions/{acme.job}/gallery", headers=user)
    assert refused.status_code == 403 and refused.json["code"] == "PORTAL_ENABLED_OFF"


def test_the_firm_default_applies_until_a_customer_sets_its_own(client, staff, app, minter):
    customer = Customer(app, minter).announce()
    attach(client, staff, f"interventions/{customer.job}", photo_bytes(), "p.jpg")
    path = f"/api/v1/portal/interventions/{customer.job}/gallery"
    deliver(
        app,
        "interventions.portal_options.changed",
        {"company_id": "default", "options": {"gallery_shown": False}},
    )
    assert client.get(path, headers=customer.user()).status_code == 403
    customer.options(gallery_shown=True)
    assert names(client.get(path, headers=customer.user())) == ["p.jpg"]


def test_a_revoked_link_is_refused_at_its_next_request(client, staff, acme):
    link_id = new_id()
    link = acme.link(link_id=link_id)
    path = f"/api/v1/portal/companies/{acme.id}/attachments"
    assert client.get(path, headers=link).status_code == 200
    deliver(client.application, "identity.link.revoked", {"id": link_id})
    ended = client.get(path, headers=link)
    assert ended.status_code == 401 and ended.json["code"] == "LINK_REVOKED"


def test_staff_tokens_are_not_customers(client, staff, acme):
    response = client.get(f"/api/v1/portal/companies/{acme.id}/attachments", headers=staff)
    assert response.status_code == 403


def test_a_new_version_of_a_photo_gets_its_own_thumbnail(client, staff, acme):
    photo = attach(client, staff, f"interventions/{acme.job}", photo_bytes(), "wall.jpg")
    response = client.post(
        f"/api/v1/documents/{photo['id']}/versions",
        data=b"".join(multipart((), photo_bytes((300, 900)), "wall.jpg")),
        headers={**staff, "Content-Type": CONTENT_TYPE},
    )
    assert response.status_code == 201, response.json
    thumb = client.get(f"/api/v1/portal/attachments/{photo['id']}/thumbnail", headers=acme.user())
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert image.size == (107, 320)  # the new version's, not the first one's


def test_field_attachments_are_no_matter_documents(client, staff, acme):
    report = attach(client, staff, f"interventions/{acme.job}", PDF, "report.pdf")
    seen = client.get(f"/api/v1/documents/{report['id']}", headers=staff)
    assert seen.status_code == 200 and seen.json["visible_in_portal"] is False
    for action in ("download", "preview"):
        response = client.get(
            f"/api/v1/portal/documents/{report['id']}/{action}", headers=acme.user()
        )
        assert response.status_code == 404
