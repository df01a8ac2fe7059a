"""A matter registered right after its company: sharing's replica has not heard of the company
yet (no worker delivers identity's events here), so sharing asks identity once and goes on."""

from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa

from services.common.testing import ServedApp, free_port, wait_until
from services.sharing import read_through
from services.sharing.handlers import UserSchema, apply_user
from services.sharing.models import Company, db

from .world import World


def matter_of(world: World, company_id: str, **fields):
    body = {"kind": "case", "reference": "CS-" + uuid.uuid4().hex[:8], "company_id": company_id}
    body.update(fields)
    return world.http.post("/api/v1/matters", json=body, headers=world.as_staff())


def new_contact(identity: ServedApp, staff: dict, company: str, name: str, locale: str):
    """A company and a portal contact of it, created in identity: sharing has heard of neither."""
    owner = identity.app.test_client()
    created = owner.post("/api/v1/companies", json={"name": company}, headers=staff).json
    contact = {
        "email": f"{name.lower()}.{uuid.uuid4().hex[:8]}@{name.lower()}.example",
        "name": name,
        "locale": locale,
        "kind": "portal",
        "memberships": [{"company_id": created["id"], "role": "primary"}],
    }
    person = owner.post("/api/v1/users", json=contact, headers=staff)
    assert person.status_code == 201, person.json
    return created, person.json


def test_a_matter_right_after_its_company_is_registered(world: World, identity: ServedApp):
    created = identity.app.test_client().post(
        "/api/v1/companies",
        json={"name": "Brand New Ltd", "settings": {"members_see_each_other": True}},
        headers=world.as_staff(),
    )
    assert created.status_code == 201, created.json
    company_id = created.json["id"]

    response = matter_of(world, company_id)

    assert response.status_code == 201, response.json
    assert response.json["company"] == {"id": company_id, "name": "Brand New Ltd"}
    with world.app.app_context():
        company = db.session.get(Company, company_id)
        assert (company.members_see_each_other, company.version) == (True, 1)


def test_an_id_identity_does_not_know_is_still_a_422(world: World):
    before = world.counts()
    response = matter_of(world, str(uuid.uuid4()))
    assert response.status_code == 422
    assert response.json["code"] == "UNKNOWN_COMPANY"
    assert "company_id" in response.json["errors"]
    assert world.counts() == before


def test_identity_down_is_a_503_to_try_again(world: World, monkeypatch):
    monkeypatch.setitem(world.app.config, "IDENTITY_URL", f"http://127.0.0.1:{free_port()}")
    before = world.counts()
    response = matter_of(world, str(uuid.uuid4()))
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "OWNER_UNAVAILABLE"
    assert "try again in a moment" in response.json["detail"].lower()
    assert response.headers["Retry-After"]
    assert world.counts() == before


def test_a_member_added_a_moment_ago_can_be_made_requester(world: World, identity: ServedApp):
    staff = world.as_staff()
    company, dana = new_contact(identity, staff, "Fresh & Co", "Dana", "fr")
    matter = matter_of(world, company["id"]).json

    shown = world.http.put(
        f"/api/v1/matters/{matter['id']}/portal",
        json={"requester_id": dana["id"], "watcher_ids": [str(uuid.uuid4())]},
        headers=staff,
    )
    # The unknown watcher is refused, but Dana is known now: only the watchers are named.
    assert shown.status_code == 422 and list(shown.json["errors"]) == ["watcher_ids"]

    shown = world.http.put(
        f"/api/v1/matters/{matter['id']}/portal",
        json={"requester_id": dana["id"], "watcher_ids": []},
        headers=staff,
    )
    assert shown.status_code == 200, shown.json
    assert world.latest_audience(matter["id"]) == {dana["id"]: ["requester"]}


def test_a_staff_member_added_a_moment_ago_can_own_a_matter(world: World, identity: ServedApp):
    owner = identity.app.test_client()
    agent = {
        "email": f"sam.{uuid.uuid4().hex[:8]}@firm.example",
        "name": "Sam",
        "locale": "en",
        "kind": "staff",
        "role": "agent",
    }
    sam = owner.post("/api/v1/users", json=agent, headers=world.minter.headers(role="admin"))
    assert sam.status_code == 201, sam.json
    acme = world.company("Acme Industries")

    response = matter_of(world, acme, owner_id=sam.json["id"])

    assert response.status_code == 201, response.json
    assert response.json["owner"]["name"] == "Sam"
    unknown = matter_of(world, acme, owner_id=str(uuid.uuid4()))
    assert unknown.status_code == 422 and unknown.json["code"] == "NOT_A_STAFF_USER"


def test_a_contact_created_a_moment_ago_can_be_asked_to_sign(world: World, identity: ServedApp):
    staff = world.as_staff()
    _counterparty, olga = new_contact(identity, staff, "Other Side", "Olga", "es")
    matter = world.new_matter(world.company("Acme Industries"))

    added = world.http.post(
        f"/api/v1/matters/{matter['id']}/collaborators",
        json={"user_id": olga["id"], "role": "signee"},
        headers=staff,
    )

    assert added.status_code == 201, added.json


def test_a_member_whose_user_the_worker_applies_meanwhile_can_be_made_requester(
    world: World, identity: ServedApp, monkeypatch
):
    """The read-through's answer and identity's user event reach the replica at once (the
    fault ledger saw it as its broker came back): the worker's insert of the user commits
    first, and the membership in identity's answer is applied all the same."""
    staff = world.as_staff()
    company, dana = new_contact(identity, staff, "Race & Co", "Dana", "fr")
    answer = identity.app.test_client().get(f"/api/v1/users/{dana['id']}", headers=staff)
    user = UserSchema().load(answer.json)
    matter = matter_of(world, company["id"]).json
    inserted, failures = threading.Event(), []

    def worker() -> None:
        """The user event applied in a transaction of its own, committed only once the
        request's insert of the same user waits for it."""
        try:
            with world.app.app_context():
                apply_user(user)
                db.session.flush()
                inserted.set()
                wait_until(lambda: _waiting_for_a_lock(world), message="the request waiting")
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            failures.append(exc)
            inserted.set()

    thread = threading.Thread(target=worker)
    ask = read_through.ask_owner

    def asking(url: str, what: str) -> dict | None:
        answer = ask(url, what)
        if "/members/" in url:
            thread.start()
            inserted.wait(timeout=10)
        return answer

    monkeypatch.setattr(read_through, "ask_owner", asking)
    shown = world.http.put(
        f"/api/v1/matters/{matter['id']}/portal",
        json={"requester_id": dana["id"], "watcher_ids": []},
        headers=staff,
    )
    thread.join(timeout=30)

    assert not failures, failures
    assert shown.status_code == 200, shown.json
    assert world.latest_audience(matter["id"]) == {dana["id"]: ["requester"]}


def _waiting_for_a_lock(world: World) -> bool:
    with world.app.app_context(), db.engine.connect() as connection:
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        return bool(connection.scalar(sa.text(waiting + "AND wait_event_type = 'Lock'")))
