"""The service app factory: config, database, problem+json errors, health, metrics, OpenAPI."""

from __future__ import annotations

import logging
import re
import select
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import marshmallow as ma
import sqlalchemy as sa
from flask import Flask, request
from flask_smorest import Api, Blueprint
from flask_sqlalchemy import SQLAlchemy
from werkzeug.exceptions import HTTPException, InternalServerError

from .auth import TokenVerifier
from .health import add_health_endpoints
from .observability import configure_logging, install_request_tracking
from .openapi_access import AccessPlugin
from .openapi_fields import ecma_pattern
from .problems import PROBLEM_MIME, VALIDATION_DETAIL, ProblemError, field_error, problem

log = logging.getLogger(__name__)


@dataclass
class ServiceParts:
    """What the plumbing needs to know about a service; kept in `app.extensions["portal"]`."""

    db: SQLAlchemy
    outbox_model: type
    processed_model: type
    handlers: dict[str, list[Callable]] = field(default_factory=dict)
    on_park: Callable | None = None
    verifier: TokenVerifier | None = None
    # user id -> whether this service's users replica says the account is disabled (auth.py
    # refuses such a caller's tokens); None for a service that keeps no users replica.
    account_disabled: Callable[[str], bool] | None = None
    # link id -> whether this service's replica says the secure link was revoked (auth.py then
    # refuses the link's sessions); None for a service that keeps no such replica.
    link_revoked: Callable[[str], bool] | None = None
    # What serving a request needs (database, object store); never the broker (see health.py).
    readiness: dict[str, Callable[[], None]] = field(default_factory=dict)


def _validation_errors(messages: dict) -> dict:
    """webargs nests messages by location ({"json": {...}}); clients want field -> messages."""
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error of the suite is answered (documentation only)."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    code = ma.fields.String(metadata={"description": "Stable machine-readable error code"})
    errors = ma.fields.Dict(metadata={"description": "Field -> messages, for validation errors"})


class ProblemApi(Api):
    """flask-smorest Api whose every error is RFC 9457 problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # flask-smorest documents its error responses with the success media type: document
        # the one they are served with (a private hook; tests/sharing checks the result).
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_MIME
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        if error.code == 422 and "messages" in data:
            errors = _validation_errors(data["messages"])
            if "_schema" in errors and not any(k != "_schema" for k in errors):
                detail = "; ".join(str(m) for m in errors["_schema"])
            else:
                detail = VALIDATION_DETAIL
            return problem(422, detail, code="VALIDATION_FAILED", errors=errors)
        if error.code == 400 and "messages" in data:
            return problem(
                400,
                "The request body is not valid JSON.",
                code="MALFORMED_JSON",
                errors=_validation_errors(data["messages"]),
            )
        if isinstance(error, InternalServerError):
            return problem(500, "Something went wrong on our side; it has been logged.")
        detail = data.get("message") or error.description
        headers = data.get("headers") or {k: v for k, v in error.get_headers() if k == "Allow"}
        return problem(error.code or 500, detail, headers=headers)


def create_service_app(
    import_name: str,
    config: object,
    parts: ServiceParts,
    blueprints: Iterable[Blueprint] = (),
) -> Flask:
    configure_logging()
    app = Flask(import_name)
    app.config.from_object(config)
    service = app.config["SERVICE_NAME"]
    app.config.update(
        API_TITLE=f"Client portal — {service}",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"info": {"description": API_DESCRIPTION}},
    )
    if parts.verifier is None:
        parts.verifier = TokenVerifier(
            app.config["JWT_ISSUER"], app.config["JWT_AUDIENCE"], jwks_url=app.config["JWKS_URL"]
        )
    app.extensions["portal"] = parts
    parts.db.init_app(app)
    _tune_sqlite(app, parts.db)
    _drop_closed_connections(app, parts.db)
    parts.readiness.setdefault("database", lambda: _ping_database(parts.db))

    api = ProblemApi(app, spec_kwargs={"extra_plugins": [AccessPlugin(app)]})
    api.ma_plugin.converter.add_attribute_function(ecma_pattern)
    install_request_tracking(app)
    app.before_request(_refuse_unusable_input)
    app.register_error_handler(ProblemError, lambda e: e.response())
    app.register_error_handler(Exception, _unexpected)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    from .admin import admin_blueprint

    app.register_blueprint(admin_blueprint)
    add_health_endpoints(app, parts.readiness)
    return app


# Rules for every operation that no single schema can say.
API_DESCRIPTION = (
    "Errors are RFC 9457 problem+json documents with a stable `code`. No text, in a JSON body or "
    "a query parameter, may contain the NUL character or an unpaired surrogate (422)."
)
# PostgreSQL refuses the NUL character and no encoder takes an unpaired surrogate (JSON can
# carry one as "\ud800"): such text would fail in a query or a hash, as a 500.
UNUSABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
UNUSABLE_TEXT_MESSAGE = (
    "Must not contain NUL characters (\\u0000) or unpaired surrogates (\\ud800-\\udfff)."
)


def _has_unusable_text(value: object) -> bool:
    """Whether a string anywhere in `value` (keys too) has such a character; no recursion, so
    that a body nested as deep as the JSON parser allows is checked too."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and UNUSABLE_TEXT.search(item):
            return True
        if isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False


def _refuse_unusable_input() -> None:
    """Query parameters and JSON fields no view could use are refused before any view runs."""
    try:
        body = request.get_json(silent=True) if request.is_json else None
    except RecursionError as exc:  # not a ValueError: `silent` does not cover it
        raise ProblemError(
            400,
            "The request body is not valid JSON: it is nested too deeply.",
            code="MALFORMED_JSON",
        ) from exc
    fields = [*request.args.items(multi=True), *(body.items() if isinstance(body, dict) else ())]
    for name, value in fields:
        if _has_unusable_text(name) or _has_unusable_text(value):
            raise field_error(name, UNUSABLE_TEXT_MESSAGE)


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):  # raised outside smorest's reach (e.g. routing)
        return ProblemApi.handle_http_exception(None, error)
    log.exception("unhandled error")
    return problem(500, "Something went wrong on our side; it has been logged.")


def _ping_database(db: SQLAlchemy) -> None:
    db.session.execute(sa.text("SELECT 1"))
    db.session.rollback()


def _tune_sqlite(app: Flask, db: SQLAlchemy) -> None:
    """A web process and a worker share each SQLite file: WAL and a busy timeout."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        return
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _drop_closed_connections(app: Flask, db: SQLAlchemy) -> None:
    """A pooled connection the server closed (restart, terminated backend) is replaced before
    use. An idle PostgreSQL connection receives nothing unless the server ends it, so a socket
    with something to read is one to drop: a check without the round trip of SQLAlchemy's
    pre-ping, which was one of the ten before a download's first byte."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "checkout")
    def _closed(dbapi_connection, _record, _proxy) -> None:
        poller = select.poll()  # a zero timeout: never blocks, gevent or not
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        if poller.poll(0):
            raise sa.exc.DisconnectionError("the database closed this connection")
