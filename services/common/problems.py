"""RFC 9457 problem+json responses: the one error format of the suite."""

from __future__ import annotations

from http import HTTPStatus

from flask import Response, json

PROBLEM_MIME = "application/problem+json"
VALIDATION_DETAIL = "Some fields are not valid; see 'errors' for what to fix."


def problem(
    status: int,
    detail: str | None = None,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
) -> Response:
    """Build a problem+json response; `code` is a stable machine-readable identifier."""
    phrase = HTTPStatus(status).phrase
    body: dict = {
        "type": "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
        "code": code or phrase.upper().replace(" ", "_").replace("-", "_"),
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ProblemError(Exception):
    """Raise from a use case or a view to answer with a problem+json; the app factory renders it."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        errors: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.errors = errors
        self.headers = headers

    def response(self) -> Response:
        return problem(
            self.status, self.detail, code=self.code, errors=self.errors, headers=self.headers
        )


def field_error(field: str, message: str | dict) -> ProblemError:
    """422 shaped like a schema validation error, for rules a schema cannot check."""
    return ProblemError(
        422,
        VALIDATION_DETAIL,
        code="VALIDATION_FAILED",
        errors={field: message if isinstance(message, dict) else [message]},
    )
