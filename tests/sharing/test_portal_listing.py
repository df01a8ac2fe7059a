"""What a client sees on "my matters": what awaits my decision or signature comes first, a
search by reference or title, pages, and why I see each matter; and my signature receipt, which
I can reopen after signing."""

from __future__ import annotations

import pytest

from tests.documents.helpers import PDF

from .world import Person, World


def add(world: World, mid: str, person: Person, role: str) -> None:
    response = world.http.post(
        f"/api/v1/matters/{mid}/collaborators",
        json={"user_id": person.id, "role": role},
        headers=world.as_staff(),
    )
    assert response.status_code == 201, response.json


def listing(world: World, person: Person, query: str = "") -> dict:
    response = world.http.get(f"/api/v1/portal/matters{query}", headers=world.as_portal(person))
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def rita(world: World) -> dict:
    """Rita requests five Acme contracts, oldest first; she must approve the second and sign
    the fourth."""
    acme = world.company("Acme Industries")
    rita = world.client("Rita", acme)
    mids = []
    for n, title in enumerate(["Lease", "Supply", "Licence", "Loan", "Services"]):
        mid = world.new_matter(acme, reference=f"ACME-{n}-{rita.id[:6]}", title=title)["id"]
        assert world.show(mid, rita).status_code == 200
        mids.append(mid)
    add(world, mids[1], rita, "approver")
    add(world, mids[3], rita, "signee")
    return {"rita": rita, "mids": mids}


def test_what_awaits_my_action_comes_first_then_the_newest(world: World, rita: dict):
    page = listing(world, rita["rita"])
    mids = rita["mids"]
    assert [m["id"] for m in page["items"]] == [mids[3], mids[1], mids[4], mids[2], mids[0]]
    assert [m["awaiting_my_action"] for m in page["items"]] == [True, True, False, False, False]
    assert page["items"][0]["reasons"] == ["requester", "collaborator"]
    assert page["items"][0]["collaborations"][0]["role"] == "signee"


def test_a_decided_matter_no_longer_awaits_me(world: World, rita: dict):
    mids = rita["mids"]
    decided = world.http.post(
        f"/api/v1/portal/matters/{mids[1]}/approval",
        json={"decision": "approve"},
        headers=world.as_portal(rita["rita"]),
    )
    assert decided.status_code == 200, decided.json
    items = listing(world, rita["rita"])["items"]
    assert [m["id"] for m in items] == [mids[3], mids[4], mids[2], mids[1], mids[0]]
    assert [m["awaiting_my_action"] for m in items] == [True, False, False, False, False]


def test_pages_keep_that_order_and_the_total(world: World, rita: dict):
    mids = rita["mids"]
    first = listing(world, rita["rita"], "?page=1&page_size=2")
    second = listing(world, rita["rita"], "?page=2&page_size=2")
    beyond = listing(world, rita["rita"], "?page=9&page_size=2")
    assert [m["id"] for m in first["items"]] == [mids[3], mids[1]]
    assert [m["id"] for m in second["items"]] == [mids[4], mids[2]]
    assert (first["total"], second["total"], beyond["total"], beyond["items"]) == (5, 5, 5, [])


@pytest.mark.parametrize(
    ("q", "expected"),
    [("lo", [3]), ("LEASE", [0]), ("acme-2", [2]), ("%", []), ("_", []), ("  su  ", [1])],
)
def test_search_finds_a_matter_by_reference_or_title(world: World, rita: dict, q, expected):
    page = listing(world, rita["rita"], f"?q={q}")
    assert [m["id"] for m in page["items"]] == [rita["mids"][i] for i in expected]
    assert page["total"] == len(expected)


def test_search_past_the_last_page_still_counts(world: World, rita: dict):
    # "ice" (Licence, Services) cannot occur in the references, made of hex digits.
    page = listing(world, rita["rita"], "?q=ice&page=5&page_size=1")
    assert (page["items"], page["total"]) == ([], 2)


def test_search_never_reaches_beyond_my_matters(world: World, rita: dict):
    globex = world.company("Globex")
    xavier = world.client("Xavier", globex)
    other = world.new_matter(globex, title="Lease of Globex")["id"]
    assert world.show(other, xavier).status_code == 200
    assert [m["title"] for m in listing(world, rita["rita"], "?q=lease")["items"]] == ["Lease"]
    assert [m["id"] for m in listing(world, xavier, "?q=lease")["items"]] == [other]


def test_an_overlong_search_is_a_422(world: World, rita: dict):
    response = world.http.get(
        "/api/v1/portal/matters?q=" + "x" * 201, headers=world.as_portal(rita["rita"])
    )
    assert response.status_code == 422 and "q" in response.json["errors"]


def test_the_matter_page_shows_its_description(world: World):
    acme = world.company("Acme Industries")
    rita = world.client("Rita", acme)
    mid = world.new_matter(acme, description="Supply of 40 pumps in 2027.")["id"]
    world.show(mid, rita)
    detail = world.http.get(f"/api/v1/portal/matters/{mid}", headers=world.as_portal(rita))
    assert detail.json["description"] == "Supply of 40 pumps in 2027."
    assert detail.json["awaiting_my_action"] is False


def test_my_signature_receipt_can_be_reopened(world: World):
    acme, globex = world.company("Acme Industries"), world.company("Globex")
    rita, sam = world.client("Rita", acme), world.client("Sam", globex)
    mid = world.new_matter(acme, reference="CT-RECEIPT-" + sam.id[:6], title="Supply")["id"]
    assert world.show(mid, rita, attachments=True).status_code == 200
    add(world, mid, sam, "signee")
    world.sync_documents()
    contract = world.upload(mid, "contract.pdf", PDF + b"% receipt\n")
    path = f"/api/v1/portal/matters/{mid}/signature"

    unsigned = world.http.get(path, headers=world.as_portal(sam))
    assert unsigned.status_code == 404 and unsigned.json["code"] == "SIGNATURE_NOT_FOUND"

    headers = {**world.as_portal(sam), "User-Agent": "Firefox/140", "X-Forwarded-For": "192.0.2.9"}
    signed = world.http.post(path, json={"full_name": "Sam Signer"}, headers=headers)
    assert signed.status_code == 201, signed.json

    receipt = world.http.get(path, headers=world.as_portal(sam))
    assert receipt.status_code == 200, receipt.json
    body = receipt.json
    assert body["full_name"] == "Sam Signer" and body["no_documents"] is False
    assert body["signed_at"] == signed.json["signed_at"]
    assert (body["ip_address"], body["user_agent"]) == ("192.0.2.9", "Firefox/140")
    assert body["documents"] == [
        {
            "document_id": contract["id"],
            "name": "contract.pdf",
            "sha256": contract["current_version"]["sha256"],
        }
    ]
    assert body["matter"]["reference"].startswith("CT-RECEIPT-")
    assert body["matter"]["company"]["name"] == "Acme Industries"

    # Nobody else reads it: not the requester (who did not sign), not another company.
    mine = world.http.get(path, headers=world.as_portal(rita))
    assert mine.status_code == 404 and mine.json["code"] == "SIGNATURE_NOT_FOUND"
    xavier = world.client("Xavier", globex)
    theirs = world.http.get(path, headers=world.as_portal(xavier))
    assert theirs.status_code == 404 and theirs.json["code"] == "MATTER_NOT_FOUND"


def test_nothing_is_signed_when_the_documents_changed_since_they_were_shown(world: World):
    acme = world.company("Acme Industries")
    rita = world.client("Rita", acme)
    mid = world.new_matter(acme)["id"]
    assert world.show(mid, rita, attachments=True).status_code == 200
    add(world, mid, rita, "signee")
    world.sync_documents()
    contract = world.upload(mid, "contract.pdf", PDF + b"% v1\n")
    shown = [{"document_id": contract["id"], "sha256": contract["current_version"]["sha256"]}]
    world.new_version(contract["id"], PDF + b"% v2, changed after the page was opened\n")
    path = f"/api/v1/portal/matters/{mid}/signature"
    before = world.counts()

    stale = world.http.post(
        path,
        json={"full_name": "Rita Rossi", "expected_documents": shown},
        headers=world.as_portal(rita),
    )
    assert stale.status_code == 409 and stale.json["code"] == "DOCUMENTS_CHANGED"
    assert "nothing was signed" in stale.json["detail"]
    assert world.counts() == before
    assert world.http.get(path, headers=world.as_portal(rita)).status_code == 404

    current = world.documents.test_client().get(
        f"/api/v1/portal/matters/{mid}/documents", headers=world.as_portal(rita)
    )
    shown = [{"document_id": d["id"], "sha256": d["sha256"]} for d in current.json["items"]]
    signed = world.http.post(
        path,
        json={"full_name": "Rita Rossi", "expected_documents": shown},
        headers=world.as_portal(rita),
    )
    assert signed.status_code == 201, signed.json
    assert [d["sha256"] for d in signed.json["documents"]] == [shown[0]["sha256"]]


def test_a_company_shows_its_matters_and_those_i_must_sign_for_others(world: World):
    """Sam belongs to Globex and Initech; he signs an Acme contract as the counterparty."""
    acme, globex, initech = (world.company(n) for n in ("Acme Industries", "Globex", "Initech"))
    sam = world.member(world.client("Sam", globex), initech)
    rita = world.client("Rita", acme)
    ours = world.new_matter(globex, title="Globex lease")["id"]
    theirs = world.new_matter(initech, title="Initech loan")["id"]
    to_sign = world.new_matter(acme, title="Acme supply")["id"]
    world.show(ours, sam)
    world.show(theirs, sam)
    world.show(to_sign, rita)
    add(world, to_sign, sam, "signee")

    shown = listing(world, sam, f"?company_id={globex}")
    assert [m["id"] for m in shown["items"]] == [to_sign, ours] and shown["total"] == 2
    shown = listing(world, sam, f"?company_id={initech}&q=loan")
    assert [m["id"] for m in shown["items"]] == [theirs] and shown["total"] == 1
    assert listing(world, sam)["total"] == 3


def test_a_withdrawn_request_no_longer_awaits_me(world: World, rita: dict):
    """Rita still sees the matter as its requester, but the firm withdrew her signature."""
    mids = rita["mids"]
    listed = world.http.get(
        f"/api/v1/matters/{mids[3]}/collaborators", headers=world.as_staff()
    ).json["items"]
    (signee,) = [c for c in listed if c["role"] == "signee"]
    withdrawn = world.http.delete(
        f"/api/v1/matters/{mids[3]}/collaborators/{signee['id']}", headers=world.as_staff()
    )
    assert withdrawn.status_code == 204, withdrawn.json
    items = listing(world, rita["rita"])["items"]
    assert [m["id"] for m in items] == [mids[1], mids[4], mids[3], mids[2], mids[0]]
    assert [m["awaiting_my_action"] for m in items] == [True, False, False, False, False]
