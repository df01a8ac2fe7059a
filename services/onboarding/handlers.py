"""Events the onboarding service consumes: event type -> handlers (this also makes the bindings)."""

HANDLERS: dict = {}
