"""The firm withdraws a collaborator at any time, also after they approved or signed: their
access to the matter and its attachments goes at once (documents hears it through the audience
event), and what they decided or signed stays on record for the firm, marked withdrawn."""

from __future__ import annotations

import pytest

from tests.documents.helpers import PDF

from .world import Person, World

PORTAL_ACTIONS = [
    ("get", "", None),
    ("post", "/approval", {"decision": "approve"}),
    ("post", "/signature", {"full_name": "Sam"}),
]


def ask(world: World, mid: str, person: Person, role: str) -> str:
    added = world.http.post(
        f"/api/v1/matters/{mid}/collaborators",
        json={"user_id": person.id, "role": role},
        headers=world.as_staff(),
    )
    assert added.status_code == 201, added.json
    return added.json["id"]


def collaborators(world: World, mid: str) -> list[dict]:
    listed = world.http.get(f"/api/v1/matters/{mid}/collaborators", headers=world.as_staff())
    assert listed.status_code == 200, listed.json
    return listed.json["items"]


def documents_portal(world: World, person: Person, path: str) -> int:
    return world.documents.test_client().get(path, headers=world.as_portal(person)).status_code


@pytest.fixture
def signed(world: World) -> dict:
    """An Acme contract shown to Rita with its attachment; Sam (Globex) signed it and Alice
    (Acme) approved it."""
    acme = world.company("Acme Industries")
    olivia = world.staff("Olivia")
    rita, alice = world.client("Rita", acme, "primary"), world.client("Alice", acme)
    sam = world.client("Sam", world.company("Globex"))
    mid = world.new_matter(acme)["id"]
    assert world.show(mid, rita, attachments=True).status_code == 200
    ids = {"signee": ask(world, mid, sam, "signee"), "approver": ask(world, mid, alice, "approver")}
    world.sync_documents()
    contract = world.upload(mid, "contract.pdf", PDF + b"% contract\n")
    signature = world.http.post(
        f"/api/v1/portal/matters/{mid}/signature",
        json={"full_name": "Sam Signer"},
        headers=world.as_portal(sam),
    )
    assert signature.status_code == 201, signature.json
    approval = world.http.post(
        f"/api/v1/portal/matters/{mid}/approval",
        json={"decision": "approve"},
        headers=world.as_portal(alice),
    )
    assert approval.status_code == 200, approval.json
    return {
        "mid": mid,
        "ids": ids,
        "olivia": olivia,
        "rita": rita,
        "alice": alice,
        "sam": sam,
        "contract": contract,
        "receipt": signature.json,
    }


def withdraw(world: World, mid: str, collaborator_id: str, staff: Person | None = None):
    return world.http.delete(
        f"/api/v1/matters/{mid}/collaborators/{collaborator_id}", headers=world.as_staff(staff)
    )


def test_a_signee_who_signed_is_withdrawn_and_the_firm_keeps_the_signature(
    world: World, signed: dict
):
    mid, sam, contract = signed["mid"], signed["sam"], signed["contract"]
    document = f"/api/v1/portal/documents/{contract['id']}"
    assert [m["id"] for m in world.portal_matters(sam)] == [mid]
    assert documents_portal(world, sam, f"{document}/download") == 200

    withdrawn = withdraw(world, mid, signed["ids"]["signee"], signed["olivia"])
    assert withdrawn.status_code == 204, withdrawn.json

    # Sam loses the matter in sharing at once, whatever he tries.
    assert world.portal_matters(sam) == []
    for method, tail, body in PORTAL_ACTIONS:
        response = getattr(world.http, method)(
            f"/api/v1/portal/matters/{mid}{tail}", json=body, headers=world.as_portal(sam)
        )
        assert response.status_code == 404, (tail, response.json)
        assert response.json["code"] == "MATTER_NOT_FOUND"
    assert sam.id not in world.latest_audience(mid)
    # ...and its attachment in documents as soon as it applied the audience event.
    world.sync_documents()
    for path in (
        f"{document}/download",
        f"{document}/preview",
        f"/api/v1/portal/matters/{mid}/documents",
    ):
        assert documents_portal(world, sam, path) == 404, path
    assert documents_portal(world, signed["rita"], f"{document}/download") == 200

    # The firm still sees the signature, marked withdrawn, with when and by whom.
    (record,) = [c for c in collaborators(world, mid) if c["id"] == signed["ids"]["signee"]]
    assert record["status"] == "signed"
    assert record["signature"]["full_name"] == "Sam Signer"
    assert record["signature"]["documents"] == signed["receipt"]["documents"]
    assert record["signature"]["documents"][0]["sha256"] == contract["current_version"]["sha256"]
    assert record["withdrawn_at"] is not None
    assert record["withdrawn_by"] == {
        "id": signed["olivia"].id,
        "name": "Olivia",
        "email": signed["olivia"].email,
    }
    # The client's side no longer lists him among the matter's collaborators.
    detail = world.http.get(
        f"/api/v1/portal/matters/{mid}", headers=world.as_portal(signed["rita"])
    )
    assert [c["role"] for c in detail.json["collaborators"]] == ["approver"]


def test_an_approver_who_decided_is_withdrawn_and_the_decision_stays(world: World, signed: dict):
    mid, alice = signed["mid"], signed["alice"]
    assert withdraw(world, mid, signed["ids"]["approver"]).status_code == 204
    assert world.portal_matters(alice) == []
    (record,) = [c for c in collaborators(world, mid) if c["id"] == signed["ids"]["approver"]]
    assert record["status"] == "approved" and record["decided_at"] is not None
    assert record["withdrawn_at"] is not None and record["withdrawn_by"]["id"]

    # Withdrawing again changes nothing and announces nothing.
    before = world.counts()
    assert withdraw(world, mid, signed["ids"]["approver"]).status_code == 204
    assert world.counts() == before
    assert [c["withdrawn_at"] for c in collaborators(world, mid) if c["id"] == record["id"]] == [
        record["withdrawn_at"]
    ]


def test_a_withdrawn_signee_can_be_asked_again_beside_the_old_record(world: World, signed: dict):
    mid, sam = signed["mid"], signed["sam"]
    assert withdraw(world, mid, signed["ids"]["signee"]).status_code == 204
    again = ask(world, mid, sam, "signee")
    mine = [c for c in collaborators(world, mid) if c["user"]["id"] == sam.id]
    assert sorted((c["status"], c["withdrawn_at"] is None) for c in mine) == [
        ("pending", True),
        ("signed", False),
    ]
    (item,) = world.portal_matters(sam)
    assert [(c["id"], c["status"]) for c in item["collaborations"]] == [(again, "pending")]


def test_a_withdrawn_signee_who_still_sees_the_matter_cannot_sign_again(world: World):
    acme = world.company("Acme Industries")
    rita, walt = world.client("Rita", acme), world.client("Walt", acme)
    mid = world.new_matter(acme)["id"]
    assert world.show(mid, rita, [walt]).status_code == 200  # Walt watches it
    collaborator = ask(world, mid, walt, "signee")
    world.sync_documents()
    path = f"/api/v1/portal/matters/{mid}/signature"
    first = world.http.post(path, json={"full_name": "Walt"}, headers=world.as_portal(walt))
    assert first.status_code == 201, first.json
    assert withdraw(world, mid, collaborator).status_code == 204

    (item,) = world.portal_matters(walt)
    assert item["reasons"] == ["watcher"] and item["collaborations"] == []
    again = world.http.post(path, json={"full_name": "Walt"}, headers=world.as_portal(walt))
    assert again.status_code == 403 and again.json["code"] == "NOT_A_SIGNEE"


def test_a_collaborator_who_has_not_decided_is_simply_removed(world: World):
    acme = world.company("Acme Industries")
    rita, alice = world.client("Rita", acme), world.client("Alice", acme)
    mid = world.new_matter(acme)["id"]
    assert world.show(mid, rita).status_code == 200
    collaborator = ask(world, mid, alice, "approver")
    assert withdraw(world, mid, collaborator).status_code == 204
    assert collaborators(world, mid) == []
    assert world.portal_matters(alice) == []
    assert withdraw(world, mid, collaborator).status_code == 404
