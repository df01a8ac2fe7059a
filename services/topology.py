"""Who subscribes to what: read from each service's HANDLERS, the one place subscriptions live."""

from __future__ import annotations

import importlib

SERVICES = ("identity", "sharing", "documents", "interventions", "onboarding", "mailer")


def subscriptions() -> dict[str, list[str]]:
    return {
        service: sorted(importlib.import_module(f"services.{service}.handlers").HANDLERS)
        for service in SERVICES
    }
