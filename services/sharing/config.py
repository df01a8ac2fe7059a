"""Settings of the sharing service.

| variable | default | meaning |
|---|---|---|
| SHARING_DATABASE_URL | sqlite:///var/db/sharing.db | the service's own database |
| PORTAL_WEB_URL | PORTAL_PUBLIC_URL + /portal | base of the matter links put in e-mails |
"""

from __future__ import annotations

from services.common.config import BaseConfig, env_str


class SharingConfig(BaseConfig):
    """BaseConfig plus sharing's settings; keyword overrides win over the environment."""

    def __init__(self, **overrides: object) -> None:
        super().__init__("sharing", **overrides)
        # Derived after the overrides so that a test overriding PUBLIC_URL gets matching links.
        default_web_url = env_str("PORTAL_WEB_URL", self.PUBLIC_URL.rstrip("/") + "/portal")
        self.PORTAL_WEB_URL = str(overrides.get("PORTAL_WEB_URL", default_web_url)).rstrip("/")
