"""Settings of the interventions service.

| variable | default | meaning |
|---|---|---|
| INTERVENTIONS_DATABASE_URL | sqlite:///var/db/interventions.db | the service's own database |
| PORTAL_WEB_URL | PORTAL_PUBLIC_URL + /portal | base of the intervention links put in e-mails |
| INTERVENTIONS_PORTAL_CREATE_LIMIT | 20 | interventions one portal session may create per minute |
| IDENTITY_URL | http://127.0.0.1:8081 | identity, asked for a company not replicated yet |
"""

from __future__ import annotations

from services.common.config import BaseConfig, env_int, env_str, service_url


class InterventionsConfig(BaseConfig):
    """BaseConfig plus the interventions settings; keyword overrides win over the environment."""

    def __init__(self, **overrides: object) -> None:
        super().__init__("interventions", **overrides)
        default_web_url = env_str("PORTAL_WEB_URL", self.PUBLIC_URL.rstrip("/") + "/portal")
        self.PORTAL_WEB_URL = str(overrides.get("PORTAL_WEB_URL", default_web_url)).rstrip("/")
        self.IDENTITY_URL = str(overrides.get("IDENTITY_URL", service_url("identity")))
        self.PORTAL_CREATE_LIMIT = int(
            overrides.get("PORTAL_CREATE_LIMIT", env_int("INTERVENTIONS_PORTAL_CREATE_LIMIT", 20))
        )
