"""The subscriptions every relay declares are the ones each service's handlers consume."""

from __future__ import annotations

import importlib

import pytest

from services.topology import SERVICES, SUBSCRIPTIONS


@pytest.mark.parametrize("service", SERVICES)
def test_the_declared_subscriptions_are_the_handled_event_types(service):
    handlers = importlib.import_module(f"services.{service}.handlers").HANDLERS
    assert SUBSCRIPTIONS[service] == tuple(sorted(handlers))
