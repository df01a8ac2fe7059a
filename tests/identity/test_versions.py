"""Every change of a replicated record takes its row's lock before reading it, so that the event
of the change committed second describes the row after the first (replicas keep the greater
version): two transactions are held at a barrier and made to overlap on the row's lock."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.common.auth import Caller
from services.common.models import new_id, utcnow
from services.common.problems import ProblemError
from services.common.testing import wait_until
from services.identity import account, invitations, users
from services.identity import events as identity_events
from services.identity.models import Invitation, User, db
from services.identity.tokens import token_hash

from .helpers import make_user, outbox

ADMIN = Caller(kind="staff", user_id="00000000-0000-4000-8000-000000000001", role="admin")


def waiting_for_a_row_lock(app) -> bool:
    with app.app_context(), db.engine.connect() as connection:
        return bool(
            connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        )


def test_a_profile_change_during_a_disable_does_not_enable_the_user_again(app, monkeypatch):
    user_id = make_user(app, "dana@client.example", name="Dana")
    first_in = threading.Lock()
    build = identity_events.user_updated

    def held(user):
        event = build(user)
        if first_in.acquire(blocking=False):  # the disable: wait until the profile change waits
            wait_until(lambda: waiting_for_a_row_lock(app), timeout=20)
        return event

    monkeypatch.setattr(identity_events, "user_updated", held)
    barrier = threading.Barrier(2, timeout=20)
    outcomes: dict[str, object] = {}

    def run(name, change) -> None:
        try:
            with app.app_context():
                barrier.wait()
                change()
                outcomes[name] = "done"
        except ProblemError as problem:
            outcomes[name] = problem.code
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            outcomes[name] = exc

    def disable() -> None:
        users.update_user(user_id, {"status": "disabled"}, ADMIN)

    def rename() -> None:
        wait_until(lambda: first_in.locked(), timeout=20)  # the disable holds the lock first
        caller = Caller(kind="portal", user_id=user_id)
        account.update_me(caller, {"name": "Dana Scully"})

    threads = [
        threading.Thread(target=run, args=("disable", disable)),
        threading.Thread(target=run, args=("rename", rename)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Read after the lock, the account is disabled: the profile change is refused.
    assert outcomes == {"disable": "done", "rename": "ACCOUNT_INACTIVE"}
    events = [e["data"] for e in outbox(app) if e["type"] == "identity.user.updated"]
    assert [(e["status"], e["version"]) for e in events] == [("disabled", 2)]
    with app.app_context():
        assert db.session.get(User, user_id).status == "disabled"


@pytest.mark.parametrize("status", ["active", "disabled"])
def test_each_change_of_a_user_bumps_its_version(app, client, agent, status):
    user_id = make_user(app, "dana@client.example")
    client.patch(f"/api/v1/users/{user_id}", json={"name": "D. Scully"}, headers=agent.headers)
    client.patch(f"/api/v1/users/{user_id}", json={"status": status}, headers=agent.headers)
    versions = [e["data"]["version"] for e in outbox(app)]
    assert versions == ([2] if status == "active" else [2, 3])


def test_an_invitation_accepted_while_the_user_is_disabled_leaves_them_disabled(app, monkeypatch):
    """The disable holds the user's row while the acceptance reaches it: the acceptance must see
    the disable once it commits, not write the account back to active over it."""
    user_id = make_user(app, "dana@client.example", name="Dana", status="invited")
    with app.app_context():
        db.session.add(
            Invitation(
                id=new_id(),
                user_id=user_id,
                email="dana@client.example",
                token_hash=token_hash("the-link-in-the-e-mail"),
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        db.session.commit()
    build = identity_events.user_updated
    disabling = threading.Event()

    def held(user):
        event = build(user)
        if user.status == "disabled":  # the disable: wait until the acceptance waits on the row
            disabling.set()
            wait_until(lambda: waiting_for_a_row_lock(app), timeout=20)
        return event

    monkeypatch.setattr(identity_events, "user_updated", held)
    outcomes: dict[str, object] = {}

    def run(name, change) -> None:
        try:
            with app.app_context():
                change()
                outcomes[name] = "done"
        except ProblemError as problem:
            outcomes[name] = problem.code
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            outcomes[name] = exc

    def disable() -> None:
        users.update_user(user_id, {"status": "disabled"}, ADMIN)

    def accept() -> None:
        disabling.wait(timeout=20)
        invitations.accept("the-link-in-the-e-mail", "lantern orchard velvet harbour")

    threads = [
        threading.Thread(target=run, args=("disable", disable)),
        threading.Thread(target=run, args=("accept", accept)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == {"disable": "done", "accept": "INVITATION_INVALID"}
    with app.app_context():
        assert db.session.get(User, user_id).status == "disabled"
