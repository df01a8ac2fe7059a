"""The client portal in the browser: server-rendered pages over the public API (the
backend-for-frontend of the suite), reached through the gateway at /portal/..."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from services.common.observability import configure_logging, install_request_tracking

from . import (
    account_views,
    auth_views,
    decision_views,
    document_views,
    errors,
    field_views,
    health,
    i18n,
    matter_views,
    onboarding_views,
    representative_views,
    security,
    sessions,
)
from .config import WebConfig
from .templating import install as install_templating

csrf = CSRFProtect()


def create_app(**overrides: object) -> Flask:
    """The portal's WSGI app; serve with gunicorn 'web:create_app()'."""
    configure_logging()
    config = WebConfig(**overrides)
    app = Flask(__name__, static_url_path="/portal/static")
    app.config.from_object(config)
    install_request_tracking(app)  # first, so that every later hook logs with the request id
    sessions.install(app)
    csrf.init_app(app)
    i18n.install(app)
    security.install(app)
    install_templating(app)
    errors.install(app)
    health.install(app)
    for blueprint in (
        auth_views.blp,
        account_views.blp,
        matter_views.blp,
        decision_views.blp,
        document_views.blp,
        field_views.blp,
        onboarding_views.blp,
        representative_views.blp,
    ):
        app.register_blueprint(blueprint)
    return app
