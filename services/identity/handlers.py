"""Events the identity service consumes: event type -> handlers (this also makes the bindings)."""

HANDLERS: dict = {}
