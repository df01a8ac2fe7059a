"""The API gateway: one public entry point routing /api/v1 to the services that own each path."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from flask import Flask, Response, abort, request
from werkzeug.exceptions import HTTPException

from gateway import asyncapi, health
from gateway.client_body import UploadSlots
from gateway.config import Settings, load_settings
from gateway.observe import SERVICE_KEY, Observed
from gateway.openapi import MergedOpenAPI
from gateway.pages import forward_page
from gateway.proxy import forward
from gateway.routes import PAGE_SERVICES, RouteTable
from gateway.security_headers import SecurityHeaders
from services.common.observability import metrics_response
from services.common.problems import problem


def create_app(settings: Settings | None = None) -> Flask:
    """The gateway's WSGI app; serve with gunicorn 'gateway:create_app()'.

    Routed paths go straight to the proxy; Flask serves the gateway's own endpoints and the
    404 of paths no service owns.
    """
    settings = settings or load_settings()
    routes = RouteTable()
    openapi = MergedOpenAPI(settings, routes)
    # No static folder: every path outside the gateway's own endpoints belongs to a service.
    app = Flask(__name__, static_folder=None)
    app.add_url_rule("/healthz", "healthz", health.healthz)
    admin_port = str(settings.admin_port)

    def on_admin_port() -> bool:
        # The port the connection arrived on (gunicorn's listener), which a client cannot forge.
        return request.environ.get("SERVER_PORT") == admin_port

    def metrics() -> Response:
        if not on_admin_port():
            abort(404)
        return metrics_response()

    app.add_url_rule("/readyz", "readyz", lambda: health.readyz(settings, on_admin_port()))
    app.add_url_rule("/metrics", "metrics", metrics)
    app.add_url_rule("/openapi.json", "openapi", openapi.response)
    app.add_url_rule("/asyncapi.json", "asyncapi", asyncapi.response)

    @app.errorhandler(404)
    def no_route(_: HTTPException) -> Response:
        return problem(404, f"No API at {request.path}.", code="ROUTE_NOT_FOUND")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return problem(error.code or 500, error.description)

    own_endpoints = app.wsgi_app
    uploads = UploadSlots(settings.max_uploads)

    def dispatch(environ: dict, start_response: Callable) -> Iterable[bytes]:
        service = routes.match(environ.get("PATH_INFO", ""))
        if service is None:
            return own_endpoints(environ, start_response)
        environ[SERVICE_KEY] = service
        if service in PAGE_SERVICES:
            call = partial(forward, service=service, settings=settings, uploads=uploads)
            return forward_page(environ, start_response, call)
        return forward(environ, start_response, service, settings, uploads)

    app.wsgi_app = Observed(
        SecurityHeaders(dispatch, settings.trusted_proxies), access_log=settings.access_log
    )
    return app
