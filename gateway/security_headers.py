"""Headers every gateway response carries, whoever produced it (a service or the gateway).

A header a service already set is kept (documents' sandboxing CSP on previews, the web portal's
own CSP and caching), except `Server`, which says nothing a visitor needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from gateway.forwarding import public_scheme
from services.common.network import Network

# An API answer is never a page: it loads nothing and is never framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DEFAULTS = (
    ("X-Content-Type-Options", "nosniff"),
    # Links can carry one-time tokens (invitations, password reset): never send them on.
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", API_CSP),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")
# What one person's token fetched must not stay in a shared or browser cache.
NO_STORE = ("Cache-Control", "no-store")


class SecurityHeaders:
    """WSGI middleware adding the headers above to every response."""

    def __init__(self, app: Callable, trusted_proxies: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        extra = list(DEFAULTS)
        if public_scheme(environ, self.trusted_proxies) == "https":
            extra.append(HSTS)
        if "HTTP_AUTHORIZATION" in environ:
            extra.append(NO_STORE)

        def start(status: str, headers: list, exc_info: object = None) -> Callable:
            present = set()
            kept = []
            for name, value in headers:
                lower = name.lower()
                if lower != "server":
                    present.add(lower)
                    kept.append((name, value))
            kept += [(name, value) for name, value in extra if name.lower() not in present]
            return start_response(status, kept, exc_info)

        return self.app(environ, start)
