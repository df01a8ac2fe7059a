"""Every portal endpoint holds the company boundary: a matter outside my audience is a 404
whatever its id; no session is a 401; a staff token is a 403."""

from __future__ import annotations

import uuid

import pytest

from .world import World

ENDPOINTS = [
    ("get", "/api/v1/portal/matters/{id}", None),
    ("post", "/api/v1/portal/matters/{id}/approval", {"decision": "approve"}),
    ("post", "/api/v1/portal/matters/{id}/signature", {"full_name": "Someone"}),
]


@pytest.fixture
def setting(world: World):
    """A matter of Acme shown to Rita, with Alice as approver and Sam (Globex) as signee."""
    acme, globex = world.company("Acme Industries"), world.company("Globex")
    rita, mia = world.client("Rita", acme), world.client("Mia", acme)
    alice, sam = world.client("Alice", acme), world.client("Sam", globex)
    xavier = world.client("Xavier", globex)
    mid = world.new_matter(acme)["id"]
    world.show(mid, rita)
    for person, role in ((alice, "approver"), (sam, "signee")):
        world.http.post(
            f"/api/v1/matters/{mid}/collaborators",
            json={"user_id": person.id, "role": role},
            headers=world.as_staff(),
        )
    hidden = world.new_matter(acme)["id"]  # never shown: nobody's audience
    return {"mid": mid, "hidden": hidden, "mia": mia, "xavier": xavier, "alice": alice, "sam": sam}


def call(world: World, method: str, path: str, body, headers):
    return getattr(world.http, method)(path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize("who", ["xavier", "mia"])
@pytest.mark.parametrize("which", ["mid", "hidden", "random"])
def test_a_matter_outside_my_audience_is_not_found(world, setting, method, path, body, who, which):
    """Another company's contact, or a plain member while members do not see each other."""
    matter_id = str(uuid.uuid4()) if which == "random" else setting[which]
    before = world.counts()
    response = call(world, method, path.format(id=matter_id), body, world.as_portal(setting[who]))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "MATTER_NOT_FOUND"
    assert response.json["detail"] == "This matter does not exist or is not shared with you."
    assert world.counts() == before


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_an_approver_cannot_act_on_a_hidden_matter(world, setting, method, path, body):
    response = call(
        world, method, path.format(id=setting["hidden"]), body, world.as_portal(setting["alice"])
    )
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_an_odd_id_is_not_found_either(world, setting, method, path, body):
    for odd in ("not-a-uuid", "x" * 300, "1%27%20OR%201=1", "%00"):
        response = call(world, method, path.format(id=odd), body, world.as_portal(setting["mia"]))
        assert response.status_code == 404, odd


def test_outsiders_list_nothing(world, setting):
    assert world.portal_matters(setting["xavier"]) == []
    assert world.portal_matters(setting["mia"]) == []


ALL = [("get", "/api/v1/portal/matters", None), *ENDPOINTS]


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_an_expired_or_missing_token_is_a_401(world, setting, method, path, body):
    path = path.format(id=setting["mid"])
    expired = world.as_portal(setting["alice"], lifetime=-60)
    response = call(world, method, path, body, expired)
    assert response.status_code == 401 and response.json["code"] == "TOKEN_EXPIRED"
    assert call(world, method, path, body, {}).status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_a_staff_token_is_a_403_on_the_portal(world, setting, method, path, body):
    response = call(world, method, path.format(id=setting["mid"]), body, world.as_staff())
    assert response.status_code == 403 and response.json["code"] == "PORTAL_ONLY"


def test_a_portal_token_is_a_403_on_the_staff_api(world, setting):
    for method, path in (("get", "/api/v1/matters"), ("get", f"/api/v1/matters/{setting['mid']}")):
        response = getattr(world.http, method)(path, headers=world.as_portal(setting["alice"]))
        assert response.status_code == 403 and response.json["code"] == "STAFF_ONLY"


def test_page_size_is_bounded(world, setting):
    headers = world.as_portal(setting["alice"])
    ok = world.http.get("/api/v1/portal/matters?page_size=200", headers=headers)
    assert ok.status_code == 200 and ok.json["page_size"] == 200 and ok.json["total"] == 1
    too_big = world.http.get("/api/v1/portal/matters?page_size=201", headers=headers)
    assert too_big.status_code == 422 and "page_size" in too_big.json["errors"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("approval", {"decision": "maybe"}, "decision"),
        ("approval", {"decision": "approve", "comment": "x" * 2001}, "comment"),
        ("approval", {"decision": "reject", "comment": "   "}, "comment"),
        ("approval", {"decision": "approve", "signature": "x"}, "signature"),
        ("signature", {"full_name": "   "}, "full_name"),
        ("signature", {"full_name": "n" * 201}, "full_name"),
        ("signature", {}, "full_name"),
        ("approval", {"decision": "reject", "comment": "No\u0000"}, "comment"),
        ("signature", {"full_name": "Sam \udc00"}, "full_name"),
    ],
)
def test_a_bad_decision_is_a_422_and_leaves_it_pending(world, setting, path, body, field):
    person = setting["alice"] if path == "approval" else setting["sam"]
    before = world.counts()
    response = world.http.post(
        f"/api/v1/portal/matters/{setting['mid']}/{path}",
        json=body,
        headers=world.as_portal(person),
    )
    assert response.status_code == 422 and field in response.json["errors"]
    assert world.counts() == before
    mine = world.http.get(
        f"/api/v1/portal/matters/{setting['mid']}", headers=world.as_portal(person)
    )
    assert mine.json["collaborations"][0]["status"] == "pending"


def test_a_signature_keeps_the_address_the_gateway_saw_not_one_the_client_wrote(world, setting):
    """The gateway appends the client's address to X-Forwarded-For: entries before it are
    whatever the client sent, and must not become the signature's evidence."""
    world.sync_documents()  # documents knows Sam may see the matter (it signs over nothing)
    headers = {**world.as_portal(setting["sam"]), "X-Forwarded-For": "203.0.113.7, 198.51.100.4"}
    signed = world.http.post(
        f"/api/v1/portal/matters/{setting['mid']}/signature",
        json={"full_name": "Sam Signer"},
        headers=headers,
    )
    assert signed.status_code == 201, signed.json
    listed = world.http.get(
        f"/api/v1/matters/{setting['mid']}/collaborators", headers=world.as_staff()
    ).json
    (signee,) = [c for c in listed["items"] if c["role"] == "signee"]
    assert signee["signature"]["ip_address"] == "198.51.100.4"
