"""Seed 003 through the gateway against the real services: the firm shares a case's documents
with chosen contacts (overlapping selections, the intersection view, search inside a PDF), each
contact is e-mailed once per save, a client uploads an updated version of a shared document and
the firm's internal recipient is told, a new version reaches the client at the same place,
preview-only then download allowed, and the access record."""

from __future__ import annotations

import uuid

from services.common.testing import wait_until
from tests.documents.helpers import make_pdf

from ..suite import ADMIN_EMAIL
from .stories import activate, admin, mails_to, new_company, new_contact, text_of

PASSWORD = "tangerine orbit velvet canyon 42"
LEASE = make_pdf("Lease of the warehouse", "Article 9: the indemnity clause")


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def test_the_document_exchange_story(suite, smtp_server):
    staff = admin(suite)
    acme = new_company(staff, "Acme Industries")
    contacts = {
        n: new_contact(staff, acme, loc, n)
        for n, loc in (("Ana", "fr"), ("Ben", "es"), ("Cleo", "en"))
    }
    clients = {n: activate(suite, smtp_server, staff, c, PASSWORD) for n, c in contacts.items()}
    ids = {n: c["id"] for n, c in contacts.items()}
    body = {
        "kind": "case",
        "reference": "CS-" + uuid.uuid4().hex[:6],
        "title": "Warehouse",
        "company_id": acme["id"],
    }
    mid = wait_until(
        lambda: (r := staff.post("/api/v1/matters", json=body)).ok and r.json(),
        message="sharing to know the company",
    )["id"]
    ok(
        staff.request(
            "PUT",
            f"/api/v1/matters/{mid}/portal",
            json={"requester_id": ids["Ana"], "watcher_ids": [ids["Ben"], ids["Cleo"]]},
        )
    )
    path = f"/api/v1/matters/{mid}/documents"

    def upload(name: str, content: bytes) -> str:
        return wait_until(
            lambda: (
                (r := staff.post(path, files={"file": (name, content)})).status_code == 201
                and r.json()["id"]
            ),
            message="documents to know the matter",
        )

    lease, notes, invoice = (
        upload("lease.pdf", LEASE),
        upload("notes.txt", b"site visit"),
        upload("invoice.pdf", make_pdf("Fees")),
    )

    def share(names, documents):
        return ok(
            staff.request(
                "PUT",
                f"/api/v1/matters/{mid}/document-shares",
                json={"contacts": [ids[n] for n in names], "documents": documents},
            )
        )

    share(["Ana", "Ben"], [lease, notes])
    share(["Ben", "Cleo"], [invoice])
    share(["Ben", "Cleo"], [invoice])  # the same save again: nothing new, no e-mail

    def shared(names, q=""):
        params = {"shared_with": ",".join(ids[n] for n in names), "q": q}
        listed = ok(staff.get(path, params=params))
        return {d["name"] for d in listed["shared"]["items"]}, {d["name"] for d in listed["items"]}

    assert shared(["Ana", "Ben"])[0] == {"lease.pdf", "notes.txt"}
    assert shared(["Ana", "Ben", "Cleo"])[0] == set()
    assert shared(["Ben"], "indemnity") == ({"lease.pdf"}, {"lease.pdf"})
    outsider = staff.request(
        "PUT",
        f"/api/v1/matters/{mid}/document-shares",
        json={"contacts": [str(uuid.uuid4())], "documents": [lease]},
    )
    assert outsider.status_code == 422 and "audience" in outsider.json()["detail"]

    # One e-mail per contact and save, in their language, listing what is new to them.
    def mails(name, has):
        return [m for m in mails_to(smtp_server, contacts[name]["email"]) if has in text_of(m)]

    wait_until(lambda: mails("Ben", "invoice.pdf"), timeout=60, message="Ben's second e-mail")
    assert len(mails("Ben", "invoice.pdf")) == 1
    (ana_mail,) = wait_until(lambda: mails("Ana", "lease.pdf"), timeout=60, message="Ana's mail")
    assert "partagé" in str(ana_mail["Subject"]) and "notes.txt" in text_of(ana_mail)

    # Ana previews (preview only by default), cannot download, then can.
    ana = clients["Ana"]
    portal = f"/api/v1/portal/matters/{mid}/documents"
    assert {d["name"] for d in ok(ana.get(portal))["items"]} == {"lease.pdf", "notes.txt"}
    assert ok(ana.get(portal, params={"q": "indemnity"}))["items"][0]["name"] == "lease.pdf"
    preview = ana.get(f"/api/v1/portal/documents/{lease}/preview")
    assert preview.status_code == 200 and preview.headers["Content-Type"] == "image/png"
    assert preview.headers["X-Preview-Pages"] == "2" and b"%PDF" not in preview.content
    refused = ana.get(f"/api/v1/portal/documents/{lease}/download")
    assert refused.status_code == 403
    ok(staff.patch(f"/api/v1/documents/{lease}", json={"download_allowed": True}))
    assert ana.get(f"/api/v1/portal/documents/{lease}/download").content == LEASE
    ranged = ana.get(f"/api/v1/portal/documents/{lease}/download", headers={"Range": "bytes=0-7"})
    assert ranged.status_code == 206 and ranged.content == LEASE[:8]

    # Ana sends an updated version; the firm's internal recipient (the owner) is told.
    signed = make_pdf("Lease signed by Acme")
    sent = ok(
        ana.post(portal, data={"replaces": lease}, files={"file": ("lease-signed.pdf", signed)}),
        201,
    )
    assert (sent["from_client"], sent["uploaded_by_me"], sent["replaces_id"]) == (True, True, lease)
    assert "lease-signed.pdf" in shared(["Ana"])[0]
    wait_until(
        lambda: [m for m in mails_to(smtp_server, ADMIN_EMAIL) if "lease-signed.pdf" in text_of(m)],
        timeout=60,
        message="the internal e-mail about the client's upload",
    )
    disguised = ana.post(portal, files={"file": ("invoice.pdf", b"\x7fELF" + b"\0" * 100)})
    assert disguised.status_code == 415

    # A new version from the firm: Ana sees it at the same place.
    final = make_pdf("Lease, final text", "Annex", "Signatures")
    ok(staff.post(f"/api/v1/documents/{lease}/versions", files={"file": ("x.pdf", final)}), 201)
    item = next(d for d in ok(ana.get(portal))["items"] if d["id"] == lease)
    assert (item["version_number"], item["size"]) == (2, len(final))
    history = ok(staff.get(f"/api/v1/documents/{lease}/versions"))["items"]
    assert [v["number"] for v in history] == [2, 1]

    # The access record: the firm per document and per contact; Ana her company's.
    record = ok(staff.get(f"/api/v1/documents/{lease}/access"))["items"]
    assert [(r["action"], r["version_number"]) for r in record] == [
        ("download", 1),
        ("download", 1),
        ("preview", 1),
    ]
    assert ok(staff.get(f"{path}/access", params={"user_id": ids["Ben"]}))["total"] == 0
    assert ok(ana.get(f"{portal}/access"))["total"] == 3
