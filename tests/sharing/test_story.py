"""The help page's story: a firm shows a contract in the client portal to a requester and
watchers of the client company, hides one milestone, and asks for an approval and a signature."""

from __future__ import annotations

import json
import uuid

from tests.documents.helpers import PDF

from .world import World


def test_a_contract_is_shared_approved_and_signed(world: World):
    acme = world.company("Acme Industries")
    globex = world.company("Globex")
    olivia, sven = world.staff("Olivia"), world.staff("Sven")
    rita = world.client("Rita", acme, "primary")
    walt, wendy = world.client("Walt", acme), world.client("Wendy", acme)
    alice = world.client("Alice", acme)
    xavier = world.client("Xavier", globex)  # another company's contact
    sam = world.client("Sam", globex)  # the counterparty's signatory
    api = world.http

    # The back office registers the contract: hidden, and consumers learn it exists.
    matter = world.new_matter(acme, owner=olivia, reference="CT-" + uuid.uuid4().hex[:6])
    mid = matter["id"]
    assert matter["portal"] == {
        "visible": False,
        "requester": None,
        "watchers": [],
        "attachments_visible_by_default": False,
    }
    assert matter["owner"]["id"] == olivia.id
    created = world.audience_events(mid)
    assert [e["version"] for e in created] == [1]
    assert created[0]["visible"] is False and created[0]["audience"] == []

    for title, visible in (("Draft", True), ("Internal review", False), ("Signature", True)):
        response = api.post(
            f"/api/v1/matters/{mid}/milestones",
            json={"title": title, "due_date": "2026-06-30", "portal_visible": visible},
            headers=world.as_staff(),
        )
        assert response.status_code == 201, response.json

    # A watcher from another company is refused, and the message says what to do.
    before = world.counts()
    refused = world.show(mid, rita, [walt, xavier])
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.json["code"] == "NOT_A_COMPANY_MEMBER"
    assert refused.json["detail"] == (
        "Watchers must be members of Acme Industries (the company of this matter). "
        f"Add them to the company first: /api/v1/companies/{acme}/members."
    )
    assert list(refused.json["errors"]) == ["watcher_ids"]
    assert xavier.id in refused.json["errors"]["watcher_ids"][0]
    assert world.counts() == before

    # Shown to the requester and two watchers of Acme, attachments visible by default.
    shown = world.show(mid, rita, [walt, wendy], attachments=True)
    assert shown.status_code == 200, shown.json
    portal = shown.json["portal"]
    assert portal["visible"] is True
    assert portal["requester"]["id"] == rita.id
    assert [w["id"] for w in portal["watchers"]] == [walt.id, wendy.id]
    assert portal["attachments_visible_by_default"] is True
    published = world.outbox(mid, "sharing.matter.published")[-1]["data"]
    assert published["matter"] == {
        "id": mid,
        "kind": "contract",
        "reference": matter["reference"],
        "title": "Supply agreement",
        "company_id": acme,
        "company_name": "Acme Industries",
    }
    assert published["portal_url"] == f"https://portal.example.com/portal/matters/{mid}"
    assert published["shared_with"] == [
        {"user_id": p.id, "email": p.email, "name": p.name, "locale": "fr", "as": role}
        for p, role in ((rita, "requester"), (walt, "watcher"), (wendy, "watcher"))
    ]
    event = world.audience_events(mid)[-1]
    assert event["version"] == 2 and event["visible"] is True
    assert event["attachments_visible_by_default"] is True and event["company_id"] == acme
    assert world.latest_audience(mid) == {
        rita.id: ["requester"],
        walt.id: ["watcher"],
        wendy.id: ["watcher"],
    }

    # Walt sees it in the portal, without the hidden milestone; Xavier does not.
    [seen] = world.portal_matters(walt)
    assert seen["id"] == mid and seen["reasons"] == ["watcher"]
    assert seen["company"] == {"id": acme, "name": "Acme Industries"}
    assert [m["title"] for m in seen["milestones"]] == ["Draft", "Signature"]
    assert seen["collaborations"] == []
    assert world.portal_matters(xavier) == []

    # Alice approves, Sam (another company) signs; both are told.
    ids = {}
    for person, role in ((alice, "approver"), (sam, "signee")):
        response = api.post(
            f"/api/v1/matters/{mid}/collaborators",
            json={"user_id": person.id, "role": role},
            headers=world.as_staff(),
        )
        assert response.status_code == 201, response.json
        assert response.json["status"] == "pending"
        ids[role] = response.json["id"]
    added = [e["data"] for e in world.outbox(mid, "sharing.collaborator.added")]
    assert [a["collaborator"]["user_id"] for a in added] == [alice.id, sam.id]
    assert added[1]["collaborator"] == {
        "user_id": sam.id,
        "email": sam.email,
        "name": "Sam",
        "locale": "fr",
        "id": ids["signee"],
        "role": "signee",
    }
    assert added[1]["portal_url"].endswith(f"/matters/{mid}")
    assert world.latest_audience(mid)[sam.id] == ["collaborator"]
    [sams] = world.portal_matters(sam)
    assert sams["reasons"] == ["collaborator"]
    assert sams["collaborations"][0]["role"] == "signee"

    response = api.put(
        f"/api/v1/matters/{mid}/notification-recipients",
        json={"staff_ids": [olivia.id, sven.id]},
        headers=world.as_staff(),
    )
    assert response.status_code == 200 and response.json["default"] is False

    approve = {"decision": "approve", "comment": "Fine with clause 4."}
    path = f"/api/v1/portal/matters/{mid}"
    response = api.post(f"{path}/approval", json=approve, headers=world.as_portal(alice))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "approved"
    decided = world.outbox(mid, "sharing.approval.decided")[-1]["data"]
    assert decided["decision"] == "approved" and decided["comment"] == "Fine with clause 4."
    assert decided["collaborator"]["user_id"] == alice.id
    assert decided["collaborator"]["role"] == "approver"
    assert decided["decided_at"].endswith("Z")
    assert sorted(p["user_id"] for p in decided["notify"]) == sorted([olivia.id, sven.id])
    assert {"user_id", "email", "name", "locale"} == set(decided["notify"][0])

    again = api.post(f"{path}/approval", json=approve, headers=world.as_portal(alice))
    assert again.status_code == 409 and again.json["code"] == "DECISION_FINAL"
    wrong = api.post(f"{path}/approval", json=approve, headers=world.as_portal(sam))
    assert wrong.status_code == 403 and wrong.json["code"] == "NOT_AN_APPROVER"
    not_signee = api.post(
        f"{path}/signature", json={"full_name": "R"}, headers=world.as_portal(rita)
    )
    assert not_signee.status_code == 403 and not_signee.json["code"] == "NOT_A_SIGNEE"

    # The documents service holds the contract's files (it learned the audience from sharing's
    # events); the signature covers the current version of what Sam sees, nothing hidden.
    world.sync_documents()
    contract = world.upload(mid, "contract.pdf", PDF + b"% v1\n")
    v2 = world.new_version(contract["id"], PDF + b"% v2\n")
    hidden = world.upload(mid, "internal-memo.pdf", PDF + b"% memo\n", portal_visible=False)
    internal = world.folder(mid, "Internal", portal_visible=False)
    in_folder = world.upload(mid, "pricing.pdf", PDF + b"% price\n", folder_id=internal["id"])
    headers = {
        **world.as_portal(sam),
        "X-Forwarded-For": "203.0.113.7",  # what the gateway adds
        "User-Agent": "Firefox/140",
    }
    signed = api.post(f"{path}/signature", json={"full_name": " Sam Signer "}, headers=headers)
    assert signed.status_code == 201, signed.json
    assert signed.json["full_name"] == "Sam Signer"
    mine = [{"document_id": contract["id"], "name": "contract.pdf", "sha256": v2["sha256"]}]
    assert v2["sha256"] != contract["current_version"]["sha256"]
    assert signed.json["documents"] == mine
    event = world.outbox(mid, "sharing.signature.signed")[-1]["data"]
    assert event["full_name"] == "Sam Signer"
    assert event["documents"] == mine
    written = json.dumps(world.outbox(mid, "sharing.signature.signed"))
    for secret in (hidden, in_folder):
        for value in (secret["id"], secret["name"], secret["current_version"]["sha256"]):
            assert value not in written and value not in signed.text
    assert event["collaborator"]["id"] == ids["signee"]
    assert sorted(p["user_id"] for p in event["notify"]) == sorted([olivia.id, sven.id])
    twice = api.post(f"{path}/signature", json={"full_name": "Sam"}, headers=headers)
    assert twice.status_code == 409 and twice.json["code"] == "DECISION_FINAL"

    # The firm sees where each collaborator stands, with the signature's evidence.
    listed = api.get(f"/api/v1/matters/{mid}/collaborators", headers=world.as_staff()).json
    by_role = {c["role"]: c for c in listed["items"]}
    assert listed["total"] == 2
    assert by_role["approver"]["status"] == "approved"
    assert by_role["approver"]["comment"] == "Fine with clause 4."
    assert by_role["approver"]["decided_at"] is not None
    signature = by_role["signee"]["signature"]
    assert by_role["signee"]["status"] == "signed"
    assert signature["ip_address"] == "203.0.113.7"
    assert signature["user_agent"] == "Firefox/140"
    assert signature["documents"] == mine
    assert by_role["approver"]["signature"] is None

    # Everyone in the audience sees both decisions.
    detail = api.get(path, headers=world.as_portal(rita)).json
    assert {c["role"]: c["status"] for c in detail["collaborators"]} == {
        "approver": "approved",
        "signee": "signed",
    }
    assert detail["reasons"] == ["requester"]
    assert detail["attachments_visible_by_default"] is True


def test_a_rejection_needs_a_reason_and_reaches_the_owner_by_default(world: World):
    acme = world.company("Acme Industries")
    owner = world.staff("Owen")
    rita, alice = world.client("Rita", acme), world.client("Alice", acme)
    mid = world.new_matter(acme, owner=owner)["id"]
    assert world.show(mid, rita).status_code == 200
    world.http.post(
        f"/api/v1/matters/{mid}/collaborators",
        json={"user_id": alice.id, "role": "approver"},
        headers=world.as_staff(),
    )
    recipients = world.http.get(
        f"/api/v1/matters/{mid}/notification-recipients", headers=world.as_staff()
    ).json
    assert recipients["default"] is True and recipients["staff_ids"] == [owner.id]
    url = f"/api/v1/portal/matters/{mid}/approval"
    before = world.counts()
    silent = world.http.post(url, json={"decision": "reject"}, headers=world.as_portal(alice))
    assert silent.status_code == 422 and "comment" in silent.json["errors"]
    assert world.counts() == before

    rejected = world.http.post(
        url,
        json={"decision": "reject", "comment": "Clause 7 is wrong."},
        headers=world.as_portal(alice),
    )
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    data = world.outbox(mid, "sharing.approval.decided")[-1]["data"]
    assert data["decision"] == "rejected" and data["comment"] == "Clause 7 is wrong."
    assert [p["user_id"] for p in data["notify"]] == [owner.id]
