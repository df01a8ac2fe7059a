"""Settings of the web portal: where the API is, the session store, cookies, the firm's name.

| variable | default | meaning |
|---|---|---|
| WEB_URL | http://127.0.0.1:8087 | where the gateway reaches the portal (read by the gateway) |
| GATEWAY_URL | http://127.0.0.1:8080 | where the portal calls the public API (`/api/v1`) |
| WEB_API_DIRECT | false | call each service at its `<SERVICE>_URL`, not back through the gateway |
| WEB_REDIS_URL | redis://127.0.0.1:6379/0 | the server-side session store |
| WEB_SESSION_PREFIX | portal:web:session: | prefix of the session keys in Redis |
| WEB_SESSION_IDLE_SECONDS | 7200 | a session unused this long is forgotten (sign in again) |
| WEB_SECRET_KEY | (var/web-secret-key, made once) | signs CSRF tokens; the same in every replica |
| WEB_COOKIE_SECURE | false | mark the cookie Secure even when the request is not seen as HTTPS |
| WEB_API_CONNECT_TIMEOUT | 2 | seconds to connect to the gateway |
| WEB_API_READ_TIMEOUT | 30 | seconds to wait for an answer from the gateway |
| PORTAL_FIRM_NAME | Your firm | the firm's name in the header of every page |

WEB_API_DIRECT: the gateway's own route table says which service owns a path; one proxy hop
less per call, and the services check the person's token as ever (web/api.py).
"""

from __future__ import annotations

import os
import secrets

from gateway.routes import PAGE_SERVICES, SERVICES
from services.common.config import (
    VAR_DIR,
    BaseConfig,
    env_bool,
    env_float,
    env_int,
    env_str,
    service_url,
)

# Each language's name in itself, as the switcher shows it.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
LOCALES = tuple(LANGUAGE_NAMES)


def _secret_key() -> str:
    """WEB_SECRET_KEY, else one made once under var/ so that every worker signs alike."""
    configured = env_str("WEB_SECRET_KEY", "")
    if configured:
        return configured
    path = VAR_DIR / "web-secret-key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two workers starting together, one writes and the other reads.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class WebConfig(BaseConfig):
    """BaseConfig plus the portal's settings; keyword overrides win over the environment."""

    def __init__(self, **overrides: object) -> None:
        super().__init__("web", **overrides)
        settings = {
            "GATEWAY_URL": env_str("GATEWAY_URL", "http://127.0.0.1:8080").rstrip("/"),
            "API_DIRECT": env_bool("WEB_API_DIRECT", False),
            # Read as the gateway reads them (gateway/config.py): the same `<SERVICE>_URL`.
            "API_UPSTREAMS": {
                name: service_url(name).rstrip("/")
                for name in SERVICES
                if name not in PAGE_SERVICES
            },
            "REDIS_URL": env_str("WEB_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "SESSION_PREFIX": env_str("WEB_SESSION_PREFIX", "portal:web:session:"),
            "SESSION_IDLE_SECONDS": env_int("WEB_SESSION_IDLE_SECONDS", 2 * 3600),
            "COOKIE_SECURE": env_bool("WEB_COOKIE_SECURE", False),
            "API_CONNECT_TIMEOUT": env_float("WEB_API_CONNECT_TIMEOUT", 2.0),
            "API_READ_TIMEOUT": env_float("WEB_API_READ_TIMEOUT", 30.0),
            "FIRM_NAME": env_str("PORTAL_FIRM_NAME", "Your firm"),
            # CSRF tokens live as long as the session: a form left open for an hour still posts.
            "WTF_CSRF_TIME_LIMIT": None,
            "BABEL_DEFAULT_LOCALE": "en",
            "BABEL_DEFAULT_TIMEZONE": env_str("PORTAL_TIME_ZONE", "UTC"),
        }
        for key, value in settings.items():
            setattr(self, key, overrides.get(key, value))
        if "SECRET_KEY" not in overrides:
            self.SECRET_KEY = _secret_key()
