"""Every event the stories make the suite publish is read as an integrator would, and checked
(tap.py): described, matching its schema, carrying no password, token or content."""

from __future__ import annotations

import time

import pytest

from .tap import EventTap, problems


@pytest.fixture(scope="session")
def event_tap(suite, smtp_server):
    tap = EventTap(suite.env["AMQP_URL"])
    yield tap
    time.sleep(2)  # what the last story's e-mails and replicas published after it ended
    tap.stop()
    found = problems(tap.unchecked(), smtp_server)
    assert not found, "events an integrator reads break the contract:\n" + "\n".join(found)


@pytest.fixture(autouse=True)
def _events_checked(request):
    """After each story on the shared suite: the events published so far pass the checks."""
    if "suite" not in request.fixturenames:
        yield
        return
    tap = request.getfixturevalue("event_tap")
    smtp_server = request.getfixturevalue("smtp_server")
    yield
    found = problems(tap.unchecked(), smtp_server)
    assert not found, "events an integrator reads break the contract:\n" + "\n".join(found)
