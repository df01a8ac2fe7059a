"""Who may call each operation, in the OpenAPI document: the bearer scheme on every operation a
guard protects (staff_required, portal_required, signed_in in auth.py), with its 401 and 403
problems, so that a client generated from the document sends the token and expects the errors."""

from __future__ import annotations

from apispec import APISpec, BasePlugin
from flask import Flask

BEARER = "bearerAuth"
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from POST /api/v1/auth/login (or a secure-link exchange).",
}
# Set by the guards on the views they wrap: "staff", "portal", "customer" (portal user or
# secure-link session) or "any" (any signed-in caller).
ACCESS_ATTRIBUTE = "portal_access"


class AccessPlugin(BasePlugin):
    """apispec plugin reading the guards' marks from the Flask views behind each path."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        spec.components.security_scheme(BEARER, BEARER_SCHEME)

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:  # noqa: ANN001
        rule = kwargs.get("rule")
        view = self.app.view_functions.get(rule.endpoint) if rule is not None else None
        for method, operation in (operations or {}).items():
            access = _access(view, method)
            if access is None:
                continue
            operation["security"] = [{BEARER: []}]
            responses = operation.setdefault("responses", {})
            responses.setdefault(401, "UNAUTHORIZED")
            if access != "any":
                responses.setdefault(403, "FORBIDDEN")


def _access(view: object, method: str) -> str | None:
    """The mark on the view (function views, MethodView `decorators`) or on its method."""
    found = getattr(view, ACCESS_ATTRIBUTE, None)
    if found is None:
        handler = getattr(getattr(view, "view_class", None), method, None)
        found = getattr(handler, ACCESS_ATTRIBUTE, None)
    return found
