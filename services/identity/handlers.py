"""Events the identity service consumes: event type -> handlers (this also makes the bindings)."""

from .representatives import on_access_request_completed

HANDLERS: dict = {
    "onboarding.access_request.completed": [on_access_request_completed],
}
