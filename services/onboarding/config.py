"""Settings of the onboarding service.

| variable | default | meaning |
|---|---|---|
| ONBOARDING_DATABASE_URL | sqlite:///var/db/onboarding.db | the service's own database |
| PORTAL_WEB_URL | PORTAL_PUBLIC_URL + /portal | base of the signup and resume links |
| ONBOARDING_RESUME_TTL | 2592000 | how long an access request can be resumed (30 days), seconds |
| ONBOARDING_GUESS_MAX_PER_ADDRESS | 20 | unknown signup or resume tokens per address per window |
| ONBOARDING_GUESS_WINDOW | 900 | that throttling window, seconds |
| MAIL_LINK_KEYS | (required) | Fernet key(s) sealing resume links (common/sealing.py) |
"""

from __future__ import annotations

from services.common.config import BaseConfig, env_int, env_str
from services.common.sealing import check_keys, link_keys


class OnboardingConfig(BaseConfig):
    """BaseConfig plus onboarding's settings; keyword overrides win over the environment."""

    def __init__(self, **overrides: object) -> None:
        super().__init__("onboarding", **overrides)
        settings = {
            # Derived after the overrides so that a test overriding PUBLIC_URL gets matching links.
            "PORTAL_WEB_URL": env_str("PORTAL_WEB_URL", self.PUBLIC_URL.rstrip("/") + "/portal"),
            "RESUME_TTL": env_int("ONBOARDING_RESUME_TTL", 30 * 24 * 3600),
            "GUESS_MAX_PER_ADDRESS": env_int("ONBOARDING_GUESS_MAX_PER_ADDRESS", 20),
            "GUESS_WINDOW": env_int("ONBOARDING_GUESS_WINDOW", 15 * 60),
            "MAIL_LINK_KEYS": link_keys(),
        }
        for key, value in settings.items():
            setattr(self, key, overrides.get(key, value))
        self.PORTAL_WEB_URL = str(self.PORTAL_WEB_URL).rstrip("/")
        check_keys(self.MAIL_LINK_KEYS, "onboarding")
