"""Events the interventions service consumes: event type -> handlers (also its bindings)."""

HANDLERS: dict = {}
