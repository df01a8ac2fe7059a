"""Two staff members change one membership at the same moment: identity gives the two changes
distinct versions in the order they commit, each describing the row after the other, and
sharing ends with the newest state whatever order the events arrive in."""

from __future__ import annotations

import json
import threading

import sqlalchemy as sa
from flask import Flask

from services.common.auth import Caller
from services.common.consumer import handle_message
from services.common.testing import ServedApp, wait_until
from services.identity import companies, users
from services.identity import events as identity_events
from services.identity.models import Membership as IdentityMembership
from services.identity.models import OutboxEvent as IdentityOutbox
from services.identity.models import db as identity_db
from services.sharing.models import Membership, db

from .world import Person, World

ADMIN = Caller(kind="staff", user_id="00000000-0000-4000-8000-000000000001", role="admin")


def identity_outbox(identity: Flask) -> list[str]:
    """What identity wrote to its outbox, oldest first (no worker of it publishes here)."""
    with identity.app_context():
        rows = identity_db.session.scalars(
            sa.select(IdentityOutbox).order_by(IdentityOutbox.created_at)
        )
        return [row.payload for row in rows]


def deliver_to_sharing(world: World, payloads: list[str]) -> None:
    for payload in payloads:
        assert handle_message(world.app, payload.encode(), 0).action == "ack"


def waiting_for_a_row_lock(identity: Flask) -> bool:
    with identity.app_context(), identity_db.engine.connect() as connection:
        return bool(
            connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        )


def test_concurrent_changes_of_a_membership_reach_sharing_in_version_order(
    identity: ServedApp, world: World, monkeypatch
):
    owner = identity.app
    # Arrange: a company, its requester Rita and its contact Dana, as identity announces them.
    with owner.app_context():
        acme = companies.create_company({"name": "Acme Industries"}).id
        people = {}
        for name in ("Rita", "Dana"):
            body = {
                "email": f"{name.lower()}@acme.example",
                "name": name,
                "locale": "en",
                "kind": "portal",
                "memberships": [{"company_id": acme, "role": "member"}],
            }
            user = users.create_user(body, ADMIN)
            people[name] = Person(user.id, name, user.email, {acme: "member"})
    deliver_to_sharing(world, identity_outbox(owner))
    rita, dana = people["Rita"], people["Dana"]
    matter = world.new_matter(acme)["id"]
    assert world.show(matter, rita, watchers=[dana]).status_code == 200
    assert set(world.latest_audience(matter)) == {rita.id, dana.id}
    already_sent = set(identity_outbox(owner))

    # Act: one removes Dana from the company while the other makes her secondary contact; the
    # first to write holds its transaction open until the second waits for the row's lock.
    first_in = threading.Lock()
    build = identity_events.membership_changed

    def held(membership, user):
        event = build(membership, user)
        if first_in.acquire(blocking=False):
            wait_until(lambda: waiting_for_a_row_lock(owner), timeout=20)
        return event

    monkeypatch.setattr(identity_events, "membership_changed", held)
    barrier = threading.Barrier(2, timeout=20)
    failures: list[BaseException] = []

    def change(data: dict) -> None:
        try:
            with owner.app_context():
                barrier.wait()
                companies.update_member(acme, dana.id, data)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [
        threading.Thread(target=change, args=(data,))
        for data in ({"active": False}, {"role": "secondary"})
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures

    # Assert: distinct versions in commit order, the later one describing the final row.
    sent = [json.loads(p) for p in identity_outbox(owner) if p not in already_sent]
    changes = sorted((e["data"] for e in sent), key=lambda data: data["version"])
    assert [data["version"] for data in changes] == [2, 3]
    with owner.app_context():
        row = identity_db.session.scalars(
            sa.select(IdentityMembership).where(IdentityMembership.user_id == dana.id)
        ).one()
        final = (row.role, row.active, row.version)
    assert (changes[-1]["role"], changes[-1]["active"], changes[-1]["version"]) == final
    assert final == ("secondary", False, 3)

    # Delivered newest first, the older change is ignored: Dana stays out of the audience.
    deliver_to_sharing(
        world, [json.dumps(e) for e in sorted(sent, key=lambda e: -e["data"]["version"])]
    )
    with world.app.app_context():
        replica = db.session.get(Membership, {"company_id": acme, "user_id": dana.id})
        assert (replica.role, replica.active, replica.version) == final
    assert dana.id not in world.latest_audience(matter)
    assert dana.id not in {m["id"] for m in world.portal_matters(dana)}
