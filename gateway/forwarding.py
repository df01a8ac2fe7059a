"""The forwarding headers the gateway sends on: who the client is and how it reached us.

What a client says in them is kept only when it is a trusted proxy (an ingress in front of the
gateway); anybody else could write any address or scheme there.
"""

from __future__ import annotations

from functools import lru_cache

from services.common.network import Network
from services.common.network import is_trusted as _is_trusted

# Parsing the peer's address costs more than the rest of the headers: remember the answer per
# peer (a bounded cache; the peers of a gateway are few, its ingress above all).
is_trusted = lru_cache(maxsize=4096)(_is_trusted)


def public_scheme(environ: dict, trusted: tuple[Network, ...]) -> str:
    """ "https" when the client reached the suite over TLS: served so here, or a trusted proxy in
    front terminated TLS and says so in X-Forwarded-Proto."""
    claimed = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
    if claimed in ("http", "https") and is_trusted(environ.get("REMOTE_ADDR"), trusted):
        return claimed
    return environ["wsgi.url_scheme"]


def forwarded_headers(environ: dict, trusted: tuple[Network, ...]) -> dict[str, str]:
    """X-Forwarded-For (the chain a trusted peer sent, plus the peer), -Proto and -Host."""
    peer = environ.get("REMOTE_ADDR", "")
    previous = environ.get("HTTP_X_FORWARDED_FOR") if is_trusted(peer, trusted) else None
    headers = {
        "x-forwarded-for": f"{previous}, {peer}" if previous else peer,
        "x-forwarded-proto": public_scheme(environ, trusted),
    }
    if "HTTP_HOST" in environ:
        headers["x-forwarded-host"] = environ["HTTP_HOST"]
    return headers
