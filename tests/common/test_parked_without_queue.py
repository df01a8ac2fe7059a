"""Services with no parking queue yet (they consume nothing, or their worker never ran) answer
the parked-event admin endpoints with nothing parked, not a 500."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from services.common.testing import TokenMinter, throwaway_vhost


@pytest.fixture(scope="module")
def bare_vhost() -> Iterator[str]:
    """A vhost where no worker ever declared its queues."""
    with throwaway_vhost("-noqueues") as url:
        yield url


@pytest.mark.parametrize("service", ["identity", "interventions", "onboarding"])
def test_parked_events_are_an_empty_list_and_replay_replays_nothing(
    service, new_database, bare_vhost
):
    minter = TokenMinter()
    app = importlib.import_module(f"services.{service}").create_app(
        SQLALCHEMY_DATABASE_URI=new_database(service), AMQP_URL=bare_vhost, TESTING=True
    )
    app.extensions["portal"].verifier = minter.verifier()
    client = app.test_client()
    admin = minter.headers(role="admin")

    listed = client.get("/admin/parked", headers=admin)
    replayed = client.post("/admin/parked/replay", headers=admin)
    one = client.post("/admin/parked/replay?message_id=0b9e-none", headers=admin)

    assert (listed.status_code, listed.get_json()) == (200, {"items": []})
    assert (replayed.status_code, replayed.get_json()) == (200, {"replayed": 0})
    assert one.status_code == 404
    assert one.get_json()["code"] == "PARKED_EVENT_NOT_FOUND"
