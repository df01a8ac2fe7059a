"""The help pages' story across every service: the firm shows a contract to a requester and
watchers of the client company; attachments, milestones, an approval and a signature follow, and
access moves with the company setting, memberships and the watcher list."""

from __future__ import annotations

import hashlib
import os
import uuid

import requests

from services.common.testing import wait_until

from ..suite import Client
from .stories import activate, admin, mails_to, new_company, new_contact, text_of

PASSWORD = "portal password 123"


def visible_matters(person: Client) -> list[str]:
    response = person.get("/api/v1/portal/matters")
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()["items"]]


def sees(person: Client, matter_id: str, document_id: str) -> bool:
    """Whether the person sees the matter in sharing AND its attachment in documents."""
    matter = person.get(f"/api/v1/portal/matters/{matter_id}").status_code
    download = person.get(f"/api/v1/portal/documents/{document_id}/download").status_code
    assert {matter, download} <= {200, 404}, (matter, download)
    return matter == 200 and download == 200


def test_contract_shared_approved_signed_and_access_follows_the_company(suite, smtp_server):
    staff = admin(suite)
    acme, globex = new_company(staff, "Acme Industries"), new_company(staff, "Globex")
    contacts = {
        "rita": new_contact(staff, acme, "fr", "Rita"),
        "walt": new_contact(staff, acme, "es", "Walt"),
        "wendy": new_contact(staff, acme, "en", "Wendy"),
        "mia": new_contact(staff, acme, "en", "Mia"),
        "oscar": new_contact(staff, globex, "en", "Oscar"),
        "sam": new_contact(staff, globex, "fr", "Sam"),
    }
    people = {k: activate(suite, smtp_server, staff, c, PASSWORD) for k, c in contacts.items()}
    ids = {k: c["id"] for k, c in contacts.items()}

    matter = staff.post(
        "/api/v1/matters",
        json={
            "kind": "contract",
            "reference": "CT-" + uuid.uuid4().hex[:6],
            "title": "Supply agreement",
            "company_id": acme["id"],
        },
    )
    assert matter.status_code == 201, matter.text
    mid = matter.json()["id"]
    for title, visible in (("Draft", True), ("Internal review", False)):
        response = staff.post(
            f"/api/v1/matters/{mid}/milestones",
            json={"title": title, "due_date": "2027-01-15", "portal_visible": visible},
        )
        assert response.status_code == 201, response.text

    # An attachment streamed through the gateway to the store (documents knows the matter
    # from sharing's first audience event).
    content = b"%PDF-1.7\n" + os.urandom(3 * 2**20)

    def upload():
        return staff.post(
            f"/api/v1/matters/{mid}/documents",
            files={"file": ("contract.pdf", content, "application/pdf")},
        )

    attachment = wait_until(
        lambda: (r := upload()).status_code == 201 and r.json(),
        message="documents to accept an upload for the new matter",
    )
    document_id = attachment["id"]

    refused = staff.put(
        f"/api/v1/matters/{mid}/portal",
        json={
            "requester_id": ids["rita"],
            "watcher_ids": [ids["walt"], ids["oscar"]],
            "attachments_visible_by_default": True,
        },
    )
    assert refused.status_code == 422
    assert "members of Acme Industries" in refused.json()["detail"]

    shown = staff.put(
        f"/api/v1/matters/{mid}/portal",
        json={
            "requester_id": ids["rita"],
            "watcher_ids": [ids["walt"], ids["wendy"]],
            "attachments_visible_by_default": True,
        },
    )
    assert shown.status_code == 200, shown.text

    # Each of them is told in their own language, with the portal link.
    for who, word in (("rita", "contrat"), ("walt", "contrato"), ("wendy", "contract")):
        mail = wait_until(
            lambda w=who: [
                m for m in mails_to(smtp_server, contacts[w]["email"]) if mid in text_of(m)
            ],
            timeout=30,
            message=f"the sharing e-mail to {who}",
        )[0]
        assert word in mail["Subject"].lower(), (who, mail["Subject"])

    # Rita sees it as requester, without the hidden milestone, and downloads the attachment.
    wait_until(lambda: sees(people["rita"], mid, document_id), message="Rita's access")
    (item,) = people["rita"].get("/api/v1/portal/matters").json()["items"]
    assert item["reasons"] == ["requester"]
    assert [m["title"] for m in item["milestones"]] == ["Draft"]
    listed = people["rita"].get(f"/api/v1/portal/matters/{mid}/documents").json()["items"]
    assert [d["id"] for d in listed] == [document_id]
    download = people["rita"].get(f"/api/v1/portal/documents/{document_id}/download")
    assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(content).hexdigest()

    # Oscar (another company) and Mia (a plain member, setting off) see nothing, whatever id.
    for outsider in ("oscar", "mia"):
        assert visible_matters(people[outsider]) == []
        assert not sees(people[outsider], mid, document_id)
        assert people[outsider].get(f"/api/v1/portal/matters/{uuid.uuid4()}").status_code == 404

    # The counterparty signs; an Acme member approves; decisions are final; the firm is told.
    for person, role in (("sam", "signee"), ("mia", "approver")):
        added = staff.post(
            f"/api/v1/matters/{mid}/collaborators", json={"user_id": ids[person], "role": role}
        )
        assert added.status_code == 201, added.text
    wait_until(lambda: sees(people["sam"], mid, document_id), message="Sam's access")
    approval = people["mia"].post(
        f"/api/v1/portal/matters/{mid}/approval",
        json={"decision": "reject", "comment": "Clause 4 is wrong."},
    )
    assert approval.status_code == 200, approval.text
    again = people["mia"].post(
        f"/api/v1/portal/matters/{mid}/approval", json={"decision": "approve"}
    )
    assert again.status_code == 409

    def sign():
        # A 503 DOCUMENTS_CATCHING_UP says "try again in a moment" while documents applies the
        # latest audience (Mia's addition): a client tries again, as the portal page says.
        answer = people["sam"].post(
            f"/api/v1/portal/matters/{mid}/signature", json={"full_name": "Samuel Durand"}
        )
        return None if answer.status_code == 503 else answer

    signed = wait_until(sign, message="documents to catch up with the audience")
    assert signed.status_code == 201, signed.text
    assert hashlib.sha256(content).hexdigest() in str(signed.json())
    statuses = staff.get(f"/api/v1/matters/{mid}/collaborators").json()["items"]
    assert sorted(c["status"] for c in statuses) == ["rejected", "signed"]
    owner = staff.get("/api/v1/me").json()["email"]
    reference = matter.json()["reference"]

    def told(word: str) -> list:
        return [
            m
            for m in mails_to(smtp_server, owner)
            if reference in m["Subject"] and word in text_of(m)
        ]

    wait_until(
        lambda: told("Clause 4 is wrong.") and told(hashlib.sha256(content).hexdigest()),
        timeout=30,
        message="the firm told of the rejection and the signature",
    )

    # The company setting lets every member see it; turning it off or leaving takes it away.
    def set_members_see_each_other(on: bool) -> None:
        response = staff.patch(
            f"/api/v1/companies/{acme['id']}", json={"settings": {"members_see_each_other": on}}
        )
        assert response.status_code == 200, response.text

    mia_decided = people["mia"]  # still a collaborator: remove that reason first
    staff.delete(f"/api/v1/companies/{acme['id']}/members/{ids['mia']}")
    wait_until(lambda: sees(mia_decided, mid, document_id), message="Mia as collaborator")
    newcomer = new_contact(staff, acme, "en", "Nina")
    nina = activate(suite, smtp_server, staff, newcomer, PASSWORD)
    assert not sees(nina, mid, document_id)
    set_members_see_each_other(True)
    wait_until(lambda: sees(nina, mid, document_id), message="Nina seeing the company's matter")
    set_members_see_each_other(False)
    wait_until(lambda: not sees(nina, mid, document_id), message="Nina losing it")
    set_members_see_each_other(True)
    wait_until(lambda: sees(nina, mid, document_id), message="Nina seeing it again")
    left = staff.delete(f"/api/v1/companies/{acme['id']}/members/{newcomer['id']}")
    assert left.status_code in (200, 204), left.text
    wait_until(lambda: not sees(nina, mid, document_id), message="Nina losing it on leaving")
    set_members_see_each_other(False)

    # Removing a watcher removes their access to the matter and its attachments.
    assert sees(people["wendy"], mid, document_id)
    staff.put(
        f"/api/v1/matters/{mid}/portal",
        json={
            "requester_id": ids["rita"],
            "watcher_ids": [ids["walt"]],
            "attachments_visible_by_default": True,
        },
    )
    wait_until(lambda: not sees(people["wendy"], mid, document_id), message="Wendy losing it")
    assert sees(people["walt"], mid, document_id)


def test_portal_endpoints_refuse_staff_and_expired_tokens(suite):
    staff = admin(suite)
    expired = Client(suite.gateway, token="eyJhbGciOiJFZERTQSJ9.e30.AAAA")
    for path in (
        "/api/v1/portal/matters",
        f"/api/v1/portal/matters/{uuid.uuid4()}",
        f"/api/v1/portal/documents/{uuid.uuid4()}/download",
    ):
        assert staff.get(path).status_code == 403, path
        assert expired.get(path).status_code == 401, path
        assert Client(suite.gateway).get(path).status_code == 401, path


def test_upload_over_the_limit_through_the_gateway_leaves_nothing_behind(suite, s3_server):
    from minio import Minio

    store = Minio(
        s3_server["S3_ENDPOINT"],
        s3_server["S3_ACCESS_KEY"],
        s3_server["S3_SECRET_KEY"],
        secure=False,
    )

    def objects() -> set[str]:
        return {o.object_name for o in store.list_objects(s3_server["S3_BUCKET"], recursive=True)}

    staff = admin(suite)
    company = new_company(staff, "Limits Ltd")
    body = {
        "kind": "case",
        "reference": "CS-" + uuid.uuid4().hex[:6],
        "title": "Big files",
        "company_id": company["id"],
    }
    # sharing learns of the new company from identity's event, a moment later
    matter = wait_until(
        lambda: (r := staff.post("/api/v1/matters", json=body)).ok and r.json(),
        message="sharing to know the new company",
    )
    path = f"/api/v1/matters/{matter['id']}/documents"
    wait_until(
        lambda: staff.post(path, files={"file": ("a.txt", b"small")}).status_code == 201,
        message="documents to know the matter",
    )
    before_objects, before_docs = objects(), staff.get(path).json()["total"]

    too_big = os.urandom(9 * 2**20)
    try:
        response = staff.post(path, files={"file": ("big.bin", too_big)})
        assert response.status_code == 413
        assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    except requests.ConnectionError:
        pass  # answered 413 and closed before the client finished sending: nothing is kept

    def chunks():  # no Content-Length: the limit is found while streaming
        boundary = b"--limit"
        yield (
            boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="b.bin"\r\n\r\n'
        )
        for _ in range(9):
            yield os.urandom(2**20)
        yield b"\r\n" + boundary + b"--\r\n"

    try:
        streamed = staff.post(
            path, data=chunks(), headers={"Content-Type": "multipart/form-data; boundary=limit"}
        )
        assert streamed.status_code == 413
    except requests.ConnectionError:
        pass  # the server may close before the client has sent everything; nothing is kept
    assert objects() == before_objects
    assert staff.get(path).json()["total"] == before_docs
