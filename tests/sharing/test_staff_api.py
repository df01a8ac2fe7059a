"""The back office's matters: registered, found, edited, archived; their milestones and
notification recipients. Bad input is a problem the person can act on, and writes nothing."""

from __future__ import annotations

import uuid

import pytest

from .world import World


@pytest.fixture
def acme(world: World) -> str:
    return world.company("Acme Industries")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "contract"}, "reference"),
        ({"kind": "deal", "reference": "R"}, "kind"),
        ({"kind": "case", "reference": "R" * 101}, "reference"),
        ({"kind": "case", "reference": "R", "title": "t" * 201}, "title"),
        ({"kind": "case", "reference": "R", "status": "lost"}, "status"),
        ({"kind": "case", "reference": "R", "colour": "red"}, "colour"),
        ({"kind": "case", "reference": "R", "company_id": None}, "company_id"),
        ({"kind": "case", "reference": "R", "company_id": "\u0000"}, "company_id"),
        ({"kind": "case", "reference": "R\u0000"}, "reference"),
        ({"kind": "case", "reference": "R", "title": "Supply \ud800"}, "title"),
        ({"kind": "case", "reference": "R", "owner_id": "\u0000"}, "owner_id"),
    ],
)
def test_bad_matter_input_is_a_422_naming_the_field_and_writes_nothing(world, acme, body, field):
    body.setdefault("company_id", acme)
    before = world.counts()
    response = world.http.post("/api/v1/matters", json=body, headers=world.as_staff())
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]
    assert world.counts() == before


def test_a_matter_of_an_unknown_company_is_refused(world):
    before = world.counts()
    response = world.http.post(
        "/api/v1/matters",
        json={"kind": "case", "reference": "C-1", "company_id": str(uuid.uuid4())},
        headers=world.as_staff(),
    )
    assert response.status_code == 422 and response.json["code"] == "UNKNOWN_COMPANY"
    assert "company_id" in response.json["errors"]
    assert world.counts() == before


def test_malformed_json_is_a_400_problem(world):
    response = world.http.post(
        "/api/v1/matters",
        data="{not json",
        headers={**world.as_staff(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_json_nested_too_deeply_is_a_400_problem(world, acme):
    mid = world.new_matter(acme)["id"]
    response = world.http.patch(
        f"/api/v1/matters/{mid}",
        data='{"title": ' + "[" * 100_000 + "]" * 100_000 + "}",
        headers={**world.as_staff(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.json["code"] == "MALFORMED_JSON"


def test_ids_that_cannot_exist_are_404_and_odd_text_a_422(world, acme):
    mid = world.new_matter(acme)["id"]
    staff = world.as_staff()
    for method, path in (
        ("get", "/api/v1/matters/%00"),
        ("post", "/api/v1/matters/%00/archive"),
        ("patch", f"/api/v1/matters/{mid}/milestones/%00"),
        ("delete", f"/api/v1/matters/{mid}/collaborators/%00"),
    ):
        response = getattr(world.http, method)(path, json={}, headers=staff)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"
    for query in ("q=a%00", "company_id=%00"):
        response = world.http.get(f"/api/v1/matters?{query}", headers=staff)
        assert response.status_code == 422 and query.split("=")[0] in response.json["errors"]
    before = world.counts()
    for path, body, field in (
        ("milestones", {"title": "Draft\u0000"}, "title"),
        ("collaborators", {"user_id": "\u0000", "role": "signee"}, "user_id"),
        ("notification-recipients", {"staff_ids": ["x", "\u0000"]}, "staff_ids"),
    ):
        call = world.http.put if path == "notification-recipients" else world.http.post
        response = call(f"/api/v1/matters/{mid}/{path}", json=body, headers=staff)
        assert response.status_code == 422 and field in response.json["errors"], path
    assert world.counts() == before


def test_the_openapi_document_says_errors_are_problem_details(world):
    document = world.http.get("/openapi.json").json
    errors = document["paths"]["/api/v1/matters/{matter_id}"]["get"]["responses"]["default"]
    name = errors["$ref"].rsplit("/", 1)[-1]
    assert list(document["components"]["responses"][name]["content"]) == [
        "application/problem+json"
    ]
    response = world.http.get(f"/api/v1/matters/{uuid.uuid4()}", headers=world.as_staff())
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_a_reference_is_unique(world, acme):
    first = world.new_matter(acme)
    before = world.counts()
    response = world.http.post(
        "/api/v1/matters",
        json={"kind": "case", "reference": first["reference"], "company_id": acme},
        headers=world.as_staff(),
    )
    assert response.status_code == 409 and response.json["code"] == "REFERENCE_TAKEN"
    assert world.counts() == before


def test_the_owner_must_be_a_staff_user(world, acme):
    client = world.client("Rita", acme)
    response = world.http.post(
        "/api/v1/matters",
        json={
            "kind": "case",
            "reference": "C-" + uuid.uuid4().hex,
            "company_id": acme,
            "owner_id": client.id,
        },
        headers=world.as_staff(),
    )
    assert response.status_code == 422 and "owner_id" in response.json["errors"]


def test_matters_are_listed_filtered_and_paginated(world):
    acme, globex = world.company("Acme Industries"), world.company("Globex")
    rita = world.client("Rita", acme)
    tag = uuid.uuid4().hex[:8]
    shown = world.new_matter(acme, reference=f"{tag}-1", title="Lease renewal")
    world.new_matter(acme, reference=f"{tag}-2", kind="case", status="on_hold")
    world.new_matter(globex, reference=f"{tag}-3", title="Lease")
    world.show(shown["id"], rita)

    def refs(query: str) -> list[str]:
        response = world.http.get(f"/api/v1/matters?{query}", headers=world.as_staff())
        assert response.status_code == 200, response.json
        return sorted(item["reference"] for item in response.json["items"])

    assert refs(f"q={tag}") == [f"{tag}-1", f"{tag}-2", f"{tag}-3"]
    assert refs(f"company_id={acme}") == [f"{tag}-1", f"{tag}-2"]
    assert refs(f"company_id={acme}&visible=true") == [f"{tag}-1"]
    assert refs(f"company_id={acme}&visible=false") == [f"{tag}-2"]
    assert refs(f"q={tag}&kind=case") == [f"{tag}-2"]
    assert refs(f"q={tag}&status=on_hold") == [f"{tag}-2"]
    assert refs(f"company_id={globex}&q=lease") == [f"{tag}-3"]
    world.http.post(f"/api/v1/matters/{shown['id']}/archive", headers=world.as_staff())
    assert refs(f"q={tag}&archived=true") == [f"{tag}-1"]
    assert refs(f"q={tag}&archived=false") == [f"{tag}-2", f"{tag}-3"]

    page = world.http.get(f"/api/v1/matters?q={tag}&page=2&page_size=2", headers=world.as_staff())
    assert page.json["total"] == 3 and page.json["page"] == 2 and len(page.json["items"]) == 1
    row = world.http.get(f"/api/v1/matters?company_id={globex}", headers=world.as_staff())
    assert row.json["items"][0]["portal"]["visible"] is False
    assert row.json["items"][0]["company"] == {"id": globex, "name": "Globex"}
    bad = world.http.get("/api/v1/matters?page_size=500", headers=world.as_staff())
    assert bad.status_code == 422 and "page_size" in bad.json["errors"]


def test_a_q_with_wildcards_matches_them_literally(world, acme):
    tag = uuid.uuid4().hex[:8]
    world.new_matter(acme, reference=f"{tag}-100%")
    world.new_matter(acme, reference=f"{tag}-1000")
    response = world.http.get(f"/api/v1/matters?q={tag}-100%25", headers=world.as_staff())
    assert [m["reference"] for m in response.json["items"]] == [f"{tag}-100%"]


def test_a_matter_is_edited_and_moves_company_only_while_hidden(world, acme):
    globex = world.company("Globex")
    rita = world.client("Rita", acme)
    mid = world.new_matter(acme)["id"]
    edited = world.http.patch(
        f"/api/v1/matters/{mid}",
        json={"title": "Amended", "status": "in_progress"},
        headers=world.as_staff(),
    )
    assert edited.status_code == 200
    assert edited.json["title"] == "Amended" and edited.json["status"] == "in_progress"
    world.show(mid, rita)
    moved = world.http.patch(
        f"/api/v1/matters/{mid}", json={"company_id": globex}, headers=world.as_staff()
    )
    assert moved.status_code == 409 and moved.json["code"] == "MATTER_VISIBLE"
    world.http.delete(f"/api/v1/matters/{mid}/portal", headers=world.as_staff())
    moved = world.http.patch(
        f"/api/v1/matters/{mid}", json={"company_id": globex}, headers=world.as_staff()
    )
    assert moved.status_code == 200 and moved.json["company"]["id"] == globex
    assert moved.json["portal"]["requester"] is None
    assert world.audience_events(mid)[-1]["company_id"] == globex
    unknown = world.http.patch(f"/api/v1/matters/{uuid.uuid4()}", json={}, headers=world.as_staff())
    assert unknown.status_code == 404 and unknown.json["code"] == "MATTER_NOT_FOUND"


def test_showing_needs_a_requester_who_is_a_member(world, acme):
    globex = world.company("Globex")
    xavier = world.client("Xavier", globex)
    mid = world.new_matter(acme)["id"]
    before = world.counts()
    missing = world.http.put(f"/api/v1/matters/{mid}/portal", json={}, headers=world.as_staff())
    assert missing.status_code == 422 and "requester_id" in missing.json["errors"]
    outsider = world.show(mid, xavier)
    assert outsider.status_code == 422
    assert list(outsider.json["errors"]) == ["requester_id"]
    assert outsider.json["detail"].startswith("The requester must be a member of Acme Industries")
    assert world.counts() == before


def test_milestones_are_ordered_edited_hidden_and_deleted(world, acme):
    rita = world.client("Rita", acme)
    mid = world.new_matter(acme)["id"]
    world.show(mid, rita)
    url = f"/api/v1/matters/{mid}/milestones"
    made = [
        world.http.post(url, json={"title": title}, headers=world.as_staff()).json
        for title in ("Kick-off", "Draft", "Signed")
    ]
    assert [m["position"] for m in made] == [0, 1, 2]
    assert all(m["portal_visible"] and m["status"] == "planned" for m in made)
    hidden = world.http.patch(
        f"{url}/{made[1]['id']}",
        json={"portal_visible": False, "status": "done", "due_date": "2026-07-01"},
        headers=world.as_staff(),
    )
    assert hidden.status_code == 200 and hidden.json["due_date"] == "2026-07-01"
    assert [m["title"] for m in world.portal_matters(rita)[0]["milestones"]] == [
        "Kick-off",
        "Signed",
    ]
    assert world.http.delete(f"{url}/{made[0]['id']}", headers=world.as_staff()).status_code == 204
    listed = world.http.get(url, headers=world.as_staff()).json
    assert [m["title"] for m in listed["items"]] == ["Draft", "Signed"] and listed["total"] == 2
    bad = world.http.post(url, json={"title": "", "status": "late"}, headers=world.as_staff())
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"title", "status"}
    other = world.new_matter(acme)["id"]
    elsewhere = world.http.patch(
        f"/api/v1/matters/{other}/milestones/{made[1]['id']}", json={}, headers=world.as_staff()
    )
    assert elsewhere.status_code == 404 and elsewhere.json["code"] == "MILESTONE_NOT_FOUND"


def test_collaborators_must_be_portal_users_once_per_role(world, acme):
    staff = world.staff("Olivia")
    disabled = world.user("Dora", status="disabled")
    globex = world.company("Globex")
    sam = world.client("Sam", globex)
    mid = world.new_matter(acme)["id"]
    url = f"/api/v1/matters/{mid}/collaborators"
    for person in (staff, disabled):
        refused = world.http.post(
            url, json={"user_id": person.id, "role": "approver"}, headers=world.as_staff()
        )
        assert refused.status_code == 422 and refused.json["code"] == "NOT_A_PORTAL_USER"
        assert "user_id" in refused.json["errors"]
    first = world.http.post(
        url, json={"user_id": sam.id, "role": "signee"}, headers=world.as_staff()
    )
    assert first.status_code == 201
    twice = world.http.post(
        url, json={"user_id": sam.id, "role": "signee"}, headers=world.as_staff()
    )
    assert twice.status_code == 409 and twice.json["code"] == "COLLABORATOR_EXISTS"
    also = world.http.post(
        url, json={"user_id": sam.id, "role": "approver"}, headers=world.as_staff()
    )
    assert also.status_code == 201
    bad_role = world.http.post(
        url, json={"user_id": sam.id, "role": "witness"}, headers=world.as_staff()
    )
    assert bad_role.status_code == 422 and "role" in bad_role.json["errors"]


def test_notification_recipients_are_staff_and_default_to_the_owner(world, acme):
    owner, other = world.staff("Olivia"), world.staff("Sven")
    client = world.client("Rita", acme)
    mid = world.new_matter(acme, owner=owner)["id"]
    url = f"/api/v1/matters/{mid}/notification-recipients"
    default = world.http.get(url, headers=world.as_staff()).json
    assert default == {
        "staff_ids": [owner.id],
        "recipients": [{"id": owner.id, "name": "Olivia", "email": owner.email}],
        "default": True,
    }
    for bad in ([client.id], [str(uuid.uuid4())]):
        refused = world.http.put(url, json={"staff_ids": bad}, headers=world.as_staff())
        assert refused.status_code == 422 and "staff_ids" in refused.json["errors"]
    chosen = world.http.put(url, json={"staff_ids": [other.id]}, headers=world.as_staff()).json
    assert chosen["staff_ids"] == [other.id] and chosen["default"] is False
    reset = world.http.put(url, json={"staff_ids": []}, headers=world.as_staff()).json
    assert reset["default"] is True and reset["staff_ids"] == [owner.id]
