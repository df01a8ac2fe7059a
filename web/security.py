"""Security headers on every answer of the portal, and the forwarded-request facts it trusts."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from services.common.network import is_trusted

# No inline script or style anywhere: every script and style sheet is a file under /portal/static.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        # A view may set a stricter policy of its own (a sandboxed preview).
        response.headers.setdefault(name, value)
    if request.blueprint != "static" and request.endpoint != "static":
        # Pages show one person's data: no cache keeps them, and Back after sign-out shows nothing.
        response.headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def install(app: Flask) -> None:
    app.after_request(_add_headers)
    # The gateway sets X-Forwarded-For/-Proto/-Host: the browser's address, and https when TLS
    # ends before it (the cookie is then Secure). Believed only from a trusted proxy.
    hops = app.config["TRUSTED_PROXY_HOPS"]
    trusted = app.config["TRUSTED_PROXIES"]
    direct = app.wsgi_app
    forwarded = ProxyFix(direct, x_for=hops, x_proto=hops, x_host=hops)

    def from_proxy_or_direct(environ: dict, start_response: Callable) -> Iterable[bytes]:
        app_for_peer = forwarded if is_trusted(environ.get("REMOTE_ADDR"), trusted) else direct
        return app_for_peer(environ, start_response)

    app.wsgi_app = from_proxy_or_direct
