"""A signature names what was signed, even while documents' worker is down: signing waits for
documents to apply the matter's latest audience instead of signing over its older view."""

from __future__ import annotations

import hashlib
import os
import uuid

from services.common.testing import wait_until

from ..e2e.stories import activate, admin, new_company, new_contact

PASSWORD = "portal password 123"


def test_signing_while_documents_worker_is_down_waits_for_it(suite, smtp_server):
    staff = admin(suite)
    acme = new_company(staff, "Acme Industries")
    sam_contact = new_contact(staff, acme, "en", "Sam")
    sam = activate(suite, smtp_server, staff, sam_contact, PASSWORD)
    matter = staff.post(
        "/api/v1/matters",
        json={
            "kind": "contract",
            "reference": "CT-" + uuid.uuid4().hex[:6],
            "company_id": acme["id"],
        },
    )
    assert matter.status_code == 201, matter.text
    mid = matter.json()["id"]
    content = b"%PDF-1.7\n" + os.urandom(1024)
    uploaded = wait_until(
        lambda: (
            (
                r := staff.post(
                    f"/api/v1/matters/{mid}/documents",
                    files={"file": ("contract.pdf", content, "application/pdf")},
                )
            ).status_code
            == 201
            and r.json()
        ),
        message="documents to accept an upload for the new matter",
    )

    def show(attachments: bool) -> None:
        body = {"requester_id": sam_contact["id"], "attachments_visible_by_default": attachments}
        response = staff.put(f"/api/v1/matters/{mid}/portal", json=body)
        assert response.status_code == 200, response.text

    def listed() -> list[str] | None:
        response = sam.get(f"/api/v1/portal/matters/{mid}/documents")
        return (
            [d["name"] for d in response.json()["items"]] if response.status_code == 200 else None
        )

    show(attachments=False)
    added = staff.post(
        f"/api/v1/matters/{mid}/collaborators",
        json={"user_id": sam_contact["id"], "role": "signee"},
    )
    assert added.status_code == 201, added.text
    wait_until(lambda: listed() == [], message="documents showing Sam the matter, file hidden")

    suite.stop_worker("documents")
    try:
        show(attachments=True)  # documents cannot hear it: it still hides the file from Sam
        assert listed() == []
        refused = sam.post(f"/api/v1/portal/matters/{mid}/signature", json={"full_name": "Sam"})
        assert refused.status_code == 503, refused.text
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert refused.json()["code"] == "DOCUMENTS_CATCHING_UP"
        assert refused.headers["Retry-After"]
    finally:
        suite.start_worker("documents")

    wait_until(lambda: listed() == ["contract.pdf"], timeout=60, message="documents catching up")
    signed = sam.post(f"/api/v1/portal/matters/{mid}/signature", json={"full_name": "Sam"})
    assert signed.status_code == 201, signed.text
    assert signed.json()["no_documents"] is False
    assert [d["sha256"] for d in signed.json()["documents"]] == [
        hashlib.sha256(content).hexdigest()
    ]
    assert uploaded["current_version"]["sha256"] == hashlib.sha256(content).hexdigest()
    records = staff.get(f"/api/v1/matters/{mid}/collaborators").json()["items"]
    assert [len(c["signature"]["documents"]) for c in records] == [1]
