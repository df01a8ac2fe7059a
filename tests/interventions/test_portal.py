"""The customer's side: each scope sees exactly its part, requests are checked, options hold."""

from __future__ import annotations

import threading
import uuid

import pytest


@pytest.fixture
def acme(world) -> dict:
    """A customer with two sites, equipment at each, an intervention at each; and a stranger."""
    company = world.company("Acme")
    depot, office = world.site(company, "Depot"), world.site(company, "Office")
    boiler = world.equipment(company, depot["id"], "Boiler")
    lift = world.equipment(company, office["id"], "Lift")
    at_depot = world.intervention(company, site_id=depot["id"], equipment_id=boiler["id"])
    at_office = world.intervention(company, site_id=office["id"])
    other = world.company("Globex")
    other_site = world.site(other, "Globex HQ")
    other_kit = world.equipment(other, other_site["id"], "Press")
    other_job = world.intervention(other, site_id=other_site["id"])
    return {
        "company": company,
        "depot": depot,
        "office": office,
        "boiler": boiler,
        "lift": lift,
        "at_depot": at_depot,
        "at_office": at_office,
        "other": other,
        "others": {
            "sites": other_site["id"],
            "equipment": other_kit["id"],
            "interventions": other_job["id"],
        },
    }


def _get(world, path: str, headers: dict):
    return world.http.get(f"/api/v1/portal{path}", headers=headers)


def _ids(world, path: str, headers: dict) -> set[str]:
    response = _get(world, path, headers)
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_a_company_link_opens_the_customer_page_and_everything_of_that_customer(world, acme):
    link = world.link(acme["company"])
    page = _get(world, "/customer", link).get_json()
    assert page["name"] == "Acme" and page["number"].startswith("C-")
    assert page["address"]["city"] == "Paris" and page["contact"]["name"] == "Claire Martin"
    assert page["extra_info"] == "Gate code 1234" and page["may_create"] is True
    assert page["scope"] == {"type": "company", "id": acme["company"]}
    assert _ids(world, "/sites", link) == {acme["depot"]["id"], acme["office"]["id"]}
    assert _ids(world, "/equipment", link) == {acme["boiler"]["id"], acme["lift"]["id"]}
    assert _ids(world, "/interventions", link) == {acme["at_depot"]["id"], acme["at_office"]["id"]}
    tab = _get(world, f"/sites/{acme['depot']['id']}", link).get_json()
    assert [i["id"] for i in tab["interventions"]] == [acme["at_depot"]["id"]]
    kit = _get(world, f"/equipment/{acme['boiler']['id']}", link).get_json()
    assert [i["number"] for i in kit["interventions"]] == [acme["at_depot"]["number"]]
    detail = _get(world, f"/interventions/{acme['at_depot']['id']}", link).get_json()
    assert detail["history"][0]["to_status"] == "to_schedule"
    assert detail["site"]["name"] == "Depot" and detail["equipment"]["name"] == "Boiler"


def test_a_site_link_sees_only_its_site(world, acme):
    link = world.link(acme["company"], "site", acme["depot"]["id"])
    assert _ids(world, "/sites", link) == {acme["depot"]["id"]}
    assert _ids(world, "/equipment", link) == {acme["boiler"]["id"]}
    assert _ids(world, "/interventions", link) == {acme["at_depot"]["id"]}
    for path in (
        f"/sites/{acme['office']['id']}",
        f"/equipment/{acme['lift']['id']}",
        f"/interventions/{acme['at_office']['id']}",
    ):
        assert _get(world, path, link).status_code == 404, path
    form = _get(world, "/interventions/new", link).get_json()
    assert form["site_id"] == acme["depot"]["id"] and form["address"]["line1"] == "Depot road"
    moved = world.http.post(
        "/api/v1/portal/interventions",
        json={"description": "Leak", "site_id": acme["office"]["id"]},
        headers=link,
    )
    assert moved.status_code == 422 and "site_id" in moved.get_json()["errors"]


def test_an_intervention_link_sees_only_that_intervention_and_creates_nothing(world, acme):
    link = world.link(acme["company"], "intervention", acme["at_depot"]["id"])
    assert _ids(world, "/interventions", link) == {acme["at_depot"]["id"]}
    assert _ids(world, "/sites", link) == {acme["depot"]["id"]}
    assert _get(world, f"/interventions/{acme['at_office']['id']}", link).status_code == 404
    refused = world.http.post(
        "/api/v1/portal/interventions", json={"description": "More"}, headers=link
    )
    assert refused.status_code == 403 and refused.get_json()["code"] == "CREATE_NOT_IN_SCOPE"
    assert _get(world, "/customer", link).get_json()["may_create"] is False


@pytest.mark.parametrize("scope", ["company", "site", "intervention", "account"])
def test_other_customers_ids_answer_404_everywhere(world, acme, scope):
    if scope == "account":
        caller = world.portal(acme["company"])
    else:
        scope_id = {"company": None, "site": acme["depot"]["id"]}.get(scope, acme["at_depot"]["id"])
        caller = world.link(acme["company"], scope, scope_id)
    for kind, other_id in acme["others"].items():
        assert _get(world, f"/{kind}/{other_id}", caller).status_code == 404, kind
    assert _get(world, f"/customer?company_id={acme['other']}", caller).status_code == 404
    assert acme["others"]["interventions"] not in _ids(world, "/interventions", caller)
    assert _get(world, f"/interventions?company_id={acme['other']}", caller).status_code == 404


def test_a_link_whose_scope_names_another_customers_site_opens_nothing(world, acme):
    forged = world.link(acme["company"], "site", acme["others"]["sites"])
    assert _ids(world, "/interventions", forged) == set()
    assert _get(world, "/customer", forged).status_code == 404


def test_a_portal_user_sees_each_of_their_customers_marked(world, acme):
    second = world.company("Initech")
    theirs = world.intervention(second)
    user = world.portal(acme["company"], second)
    items = _get(world, "/interventions", user).get_json()["items"]
    assert {i["company"]["name"] for i in items} == {"Acme", "Initech"}
    assert theirs["id"] in {i["id"] for i in items}
    page = _get(world, f"/customer?company_id={second}", user).get_json()
    assert page["name"] == "Initech"
    assert {c["name"] for c in page["companies"]} == {"Acme", "Initech"}


def test_a_request_is_prefilled_checked_and_created_once_per_idempotency_key(world, acme):
    kind = world.type(
        fields=[{"key": "floor", "label": "Floor", "kind": "number", "required": True}]
    )
    link = world.link(acme["company"])
    form = _get(world, "/interventions/new", link).get_json()
    assert form["contact"]["email"] == "claire@acme.example"
    assert kind["id"] in {t["id"] for t in form["types"]}

    missing = world.http.post("/api/v1/portal/interventions", json={}, headers=link)
    assert missing.status_code == 422
    assert "description is required" in missing.get_json()["errors"]["description"][0]
    wrong = world.http.post(
        "/api/v1/portal/interventions",
        json={"description": "Leak", "type_id": kind["id"], "extra": {"floor": "third"}},
        headers=link,
    )
    assert wrong.status_code == 422 and "floor" in wrong.get_json()["errors"]["extra"]
    foreign = world.http.post(
        "/api/v1/portal/interventions",
        json={"description": "Leak", "equipment_id": acme["others"]["equipment"]},
        headers=link,
    )
    assert foreign.status_code == 422
    too_long = world.http.post(
        "/api/v1/portal/interventions", json={"description": "x" * 5001}, headers=link
    )
    assert too_long.status_code == 422

    body = {
        "description": "Water on the floor",
        "type_id": kind["id"],
        "extra": {"floor": 2},
        "contact": {"name": "Bob", "email": "bob@acme.example", "phone": None},
    }
    key = {**link, "Idempotency-Key": str(uuid.uuid4())}
    first = world.http.post("/api/v1/portal/interventions", json=body, headers=key)
    again = world.http.post("/api/v1/portal/interventions", json=body, headers=key)
    assert first.status_code == 201 and again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["status"] == "to_schedule"
    assert first.get_json()["contact"]["name"] == "Bob"
    assert first.get_json()["address"]["city"] == "Paris"  # pre-filled, not corrected
    queue = world.http.get(
        f"/api/v1/interventions?status=to_schedule&company_id={acme['company']}",
        headers=world.staff,
    ).get_json()
    assert queue["items"][0]["id"] == first.get_json()["id"]


def test_too_many_requests_from_one_session_are_throttled(world, acme):
    link = world.link(acme["company"])
    codes = [
        world.http.post(
            "/api/v1/portal/interventions", json={"description": f"n{i}"}, headers=link
        ).status_code
        for i in range(6)
    ]
    assert codes == [201] * 5 + [429]
    refused = world.http.post(
        "/api/v1/portal/interventions", json={"description": "x"}, headers=link
    )
    assert int(refused.headers["Retry-After"]) >= 1
    assert "try again" in refused.get_json()["detail"]


def test_options_that_are_off_refuse_the_action(world, acme):
    company = acme["company"]
    link = world.link(company)

    def set_options(**values):
        response = world.http.put(
            f"/api/v1/interventions/portal-options/{company}", json=values, headers=world.staff
        )
        assert response.status_code == 200

    set_options(create_allowed=False, equipment_shown=False)
    assert _get(world, "/customer", link).get_json()["may_create"] is False
    refused = world.http.post(
        "/api/v1/portal/interventions", json={"description": "x"}, headers=link
    )
    assert refused.status_code == 403 and refused.get_json()["code"] == "CREATE_ALLOWED_OFF"
    assert _get(world, "/interventions/new", link).status_code == 403
    assert _get(world, "/equipment", link).status_code == 403
    assert _get(world, f"/equipment/{acme['boiler']['id']}", link).status_code == 403
    detail = _get(world, f"/interventions/{acme['at_depot']['id']}", link).get_json()
    assert detail["equipment"] is None

    set_options(portal_enabled=False)
    closed = _get(world, "/interventions", link)
    assert closed.status_code == 403 and closed.get_json()["code"] == "PORTAL_ENABLED_OFF"


def test_revoking_a_link_ends_its_session_at_the_next_request(world, acme):
    link_id = str(uuid.uuid4())
    link = world.link(acme["company"], link_id=link_id)
    assert _get(world, "/interventions", link).status_code == 200
    world.revoke_link(link_id)
    ended = _get(world, "/interventions", link)
    assert ended.status_code == 401 and ended.get_json()["code"] == "LINK_REVOKED"


def test_staff_tokens_are_not_customers(world):
    assert _get(world, "/interventions", world.staff).status_code == 403


def test_a_double_click_sent_at_once_creates_one_intervention(world, acme):
    link = world.link(acme["company"])
    headers = {**link, "Idempotency-Key": str(uuid.uuid4())}
    start = threading.Barrier(4)
    answers: list = []

    def click() -> None:
        client = world.app.test_client()
        start.wait()
        answers.append(
            client.post("/api/v1/portal/interventions", json={"description": "x"}, headers=headers)
        )

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.get_json()["id"] for a in answers}) == 1
    listed = _get(world, "/interventions", link).get_json()
    assert listed["total"] == 2 + 1  # the two of the fixture and this one


def test_a_link_token_not_signed_by_identity_opens_nothing(world, acme):
    from services.common.testing import TokenMinter

    forger = TokenMinter()  # another key: the claims may say anything
    forged = forger.headers(
        kind="link",
        role=None,
        sub="link:x",
        link="x",
        company=acme["company"],
        scope={"type": "company", "id": acme["company"]},
    )
    response = _get(world, "/interventions", forged)
    assert response.status_code == 401 and response.get_json()["code"] == "INVALID_TOKEN"
