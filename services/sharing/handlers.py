"""Events the sharing service consumes: event type -> handlers (this also makes the bindings)."""

HANDLERS: dict = {}
