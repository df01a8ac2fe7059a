"""Settings of the interventions service.

| variable | default | meaning |
|---|---|---|
| INTERVENTIONS_DATABASE_URL | sqlite:///var/db/interventions.db | the service's own database |
| PORTAL_WEB_URL | PORTAL_PUBLIC_URL + /portal | base of the intervention links put in e-mails |
| INTERVENTIONS_PORTAL_CREATE_LIMIT | 20 | interventions one portal session may create per minute |
"""

from __future__ import annotations

from services.common.config import BaseConfig, env_int, env_str


class InterventionsConfig(BaseConfig):
    """BaseConfig plus the interventions settings; keyword overrides win over the environment."""

    def __init__(self, **overrides: object) -> None:
        super().__init__("interventions", **overrides)
        default_web_url = env_str("PORTAL_WEB_URL", self.PUBLIC_URL.rstrip("/") + "/portal")
        self.PORTAL_WEB_URL = str(overrides.get("PORTAL_WEB_URL", default_web_url)).rstrip("/")
        self.PORTAL_CREATE_LIMIT = int(
            overrides.get("PORTAL_CREATE_LIMIT", env_int("INTERVENTIONS_PORTAL_CREATE_LIMIT", 20))
        )
