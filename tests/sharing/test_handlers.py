"""Identity's events kept as replicas: a duplicate has one effect, a late older
event changes nothing, and a malformed one is retried rather than half applied."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.common.consumer import handle_message
from services.common.events import Event
from services.sharing.handlers import HANDLERS
from services.sharing.models import Company, Membership, User, db

from .world import World


def stamp(minutes: int) -> str:
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_membership_delivered_twice_moves_the_audience_once(world: World):
    acme = world.company("Acme Industries", members_see_each_other=True)
    rita = world.client("Rita", acme)
    mid = world.new_matter(acme)["id"]
    world.show(mid, rita)
    newcomer = world.user("Nina")
    event = world.membership_event(newcomer, acme, "member", True)
    world.deliver(event)
    after_first = world.audience_events(mid)
    assert world.latest_audience(mid)[newcomer.id] == ["company"]
    assert handle_message(world.app, event.to_json().encode(), 0).action == "ack"
    assert world.audience_events(mid) == after_first


def test_an_older_version_arriving_late_changes_nothing(world: World):
    company_id = str(uuid.uuid4())
    data = {"id": company_id, "name": "New name", "settings": {"members_see_each_other": True}}
    world.deliver(Event("identity.company.updated", {**data, "version": 2}, source="/identity"))
    old = {**data, "name": "Old name", "settings": {"members_see_each_other": False}}
    # Sent later by the clock, yet an older change: the version decides, not the time.
    world.deliver(Event("identity.company.created", {**old, "version": 1}, time=stamp(5)))
    with world.app.app_context():
        company = db.session.get(Company, company_id)
        assert (company.name, company.members_see_each_other) == ("New name", True)

    person = world.user("Rita")
    removed = world.membership_event(person, company_id, "member", False)
    stale = world.membership_event(person, company_id, "member", True)
    world.deliver(removed)
    world.deliver(Event(stale.type, {**stale.data, "version": 0}, time=stamp(5)))
    world.deliver(Event(stale.type, {**stale.data, "version": removed.data["version"]}))
    with world.app.app_context():
        membership = db.session.get(Membership, {"company_id": company_id, "user_id": person.id})
        assert membership.active is False


def test_a_membership_before_the_user_event_keeps_what_the_user_event_says(world: World):
    acme = world.company("Acme Industries")
    user_id = str(uuid.uuid4())
    member = {
        "user_id": user_id,
        "company_id": acme,
        "role": "primary",
        "active": True,
        "version": 1,
        "user": {"id": user_id, "email": "late@ex.com", "name": "Late", "locale": "es"},
        "unexpected": {"fields": "are ignored"},
    }
    world.deliver(Event("identity.membership.changed", member, source="/identity"))
    user = {"id": user_id, "email": "late@ex.com", "name": "Late", "locale": "es", "kind": "portal"}
    user.update(role=None, status="invited", version=1)
    world.deliver(Event("identity.user.created", user, time=stamp(-1), source="/identity"))
    with world.app.app_context():
        stored = db.session.get(User, user_id)
        assert (stored.kind, stored.status, stored.locale) == ("portal", "invited", "es")


def test_sharing_keeps_no_replica_of_documents():
    """What a signee signs is asked from documents at signing time (see test_signing)."""
    assert not [kind for kind in HANDLERS if kind.startswith("documents.version")]


def test_a_malformed_event_is_retried_and_applies_nothing(world: World):
    broken = Event("identity.membership.changed", {"user_id": "u"}, source="/identity")
    outcome = handle_message(world.app, broken.to_json().encode(), 0)
    assert outcome.action == "retry"
    with world.app.app_context():
        assert db.session.get(User, "u") is None
