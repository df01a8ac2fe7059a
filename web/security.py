"""Security headers on every answer of the portal, and the forwarded-request facts it trusts."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

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
    if app.config["TRUST_PROXY"]:
        # The gateway sets X-Forwarded-For/-Proto/-Host: the browser's address, and https
        # when TLS ends before it (the cookie is then Secure).
        hops = app.config["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
