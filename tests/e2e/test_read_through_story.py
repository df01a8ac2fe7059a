"""Staff register a company, a matter of it and its first attachment in quick succession through
the gateway: no step fails because another service has not heard of the previous one yet."""

from __future__ import annotations

import uuid

from .stories import admin, new_company


def test_company_matter_and_upload_in_a_row(suite):
    staff = admin(suite)
    for attempt in range(3):
        company = new_company(staff, f"Quick Start {attempt}")
        matter = staff.post(
            "/api/v1/matters",
            json={
                "kind": "case",
                "reference": f"CS-{uuid.uuid4().hex[:8]}",
                "company_id": company["id"],
            },
        )
        assert matter.status_code == 201, matter.text
        uploaded = staff.post(
            f"/api/v1/matters/{matter.json()['id']}/documents",
            files={"file": ("brief.pdf", b"%PDF-1.7\nbrief\n%%EOF\n", "application/pdf")},
        )
        assert uploaded.status_code == 201, uploaded.text
