"""Settings of the identity service: token lifetimes, login throttling, invitation links.

| variable | default | meaning |
|---|---|---|
| IDENTITY_ACCESS_TOKEN_TTL | 900 | access token lifetime, seconds |
| IDENTITY_REFRESH_TOKEN_TTL | 2592000 | refresh token lifetime (30 days), seconds |
| IDENTITY_INVITATION_TTL | 604800 | invitation link lifetime (7 days), seconds |
| IDENTITY_LOGIN_MAX_PER_ACCOUNT | 5 | failed logins per e-mail within the window |
| IDENTITY_LOGIN_MAX_PER_ADDRESS | 20 | failed logins per client address within the window |
| IDENTITY_LOGIN_WINDOW | 900 | throttling window, seconds |
| PORTAL_WEB_URL | PORTAL_PUBLIC_URL + /portal | base of the links put in invitations |
| IDENTITY_SIGNING_KEY_PEM | (empty) | Ed25519 private key (PEM); empty: keys kept in the database |
"""

from __future__ import annotations

from services.common.config import BaseConfig, env_int, env_str


class IdentityConfig(BaseConfig):
    """BaseConfig plus identity's settings; keyword overrides win over the environment."""

    def __init__(self, **overrides: object) -> None:
        super().__init__("identity", **overrides)
        settings = {
            "ACCESS_TOKEN_TTL": env_int("IDENTITY_ACCESS_TOKEN_TTL", 15 * 60),
            "REFRESH_TOKEN_TTL": env_int("IDENTITY_REFRESH_TOKEN_TTL", 30 * 24 * 3600),
            "INVITATION_TTL": env_int("IDENTITY_INVITATION_TTL", 7 * 24 * 3600),
            "LOGIN_MAX_PER_ACCOUNT": env_int("IDENTITY_LOGIN_MAX_PER_ACCOUNT", 5),
            "LOGIN_MAX_PER_ADDRESS": env_int("IDENTITY_LOGIN_MAX_PER_ADDRESS", 20),
            "LOGIN_WINDOW": env_int("IDENTITY_LOGIN_WINDOW", 15 * 60),
            # Derived after the overrides so that a test overriding PUBLIC_URL gets matching links.
            "PORTAL_WEB_URL": env_str("PORTAL_WEB_URL", self.PUBLIC_URL.rstrip("/") + "/portal"),
            "SIGNING_KEY_PEM": env_str("IDENTITY_SIGNING_KEY_PEM", ""),
        }
        for key, value in settings.items():
            setattr(self, key, overrides.get(key, value))
