"""Settings of the identity service: token lifetimes, login throttling, passwords, links.

| variable | default | meaning |
|---|---|---|
| IDENTITY_ACCESS_TOKEN_TTL | 900 | access token lifetime, seconds |
| IDENTITY_REFRESH_TOKEN_TTL | 2592000 | refresh token lifetime (30 days), seconds |
| IDENTITY_REFRESH_FAMILY_TTL | 7776000 | absolute lifetime of a sign-in (90 days), seconds |
| IDENTITY_REFRESH_GRACE_SECONDS | 10 | parallel refresh from the same client: a sibling |
| IDENTITY_INVITATION_TTL | 604800 | invitation link lifetime (7 days), seconds |
| IDENTITY_RESET_TTL | 3600 | password-reset link lifetime, seconds |
| IDENTITY_RESET_MAX_PER_EMAIL | 3 | reset requests per e-mail within the reset window |
| IDENTITY_RESET_MAX_PER_ADDRESS | 10 | reset requests per client address, same window |
| IDENTITY_RESET_WINDOW | 3600 | password-reset throttling window, seconds |
| IDENTITY_LOGIN_FREE_PER_PAIR | 3 | failures of one account from one address before delays |
| IDENTITY_LOGIN_DELAY_BASE | 2 | first delay, seconds; doubles per failure, up to the window |
| IDENTITY_LOGIN_MAX_PER_ACCOUNT | 30 | failures of one account, then only clean addresses |
| IDENTITY_LOGIN_MAX_PER_ADDRESS | 20 | failures from one address (all accounts) |
| IDENTITY_LOGIN_WINDOW | 900 | throttling window, seconds |
| IDENTITY_PASSWORD_MIN_SCORE | 3 | minimum zxcvbn score (0-4) of a new password |
| IDENTITY_HASH_CONCURRENCY | 2 | argon2 hashes at once per process (19 MiB each) |
| IDENTITY_HASH_WAIT_SECONDS | 10 | wait for a hashing slot before answering 503 |
| IDENTITY_LINK_SESSION_TTL | 900 | lifetime of the access token a secure link is exchanged for, s |
| PORTAL_WEB_URL | PORTAL_PUBLIC_URL + /portal | base of the links in invitations and resets |
| IDENTITY_SIGNING_KEY_PEM | (empty) | Ed25519 private key (PEM); empty: keys kept in the database |
| MAIL_LINK_KEYS | (required) | Fernet key(s) sealing e-mailed links (common/sealing.py) |
"""

from __future__ import annotations

from services.common.config import BaseConfig, env_float, env_int, env_str
from services.common.sealing import check_keys, link_keys


class IdentityConfig(BaseConfig):
    """BaseConfig plus identity's settings; keyword overrides win over the environment."""

    def __init__(self, **overrides: object) -> None:
        super().__init__("identity", **overrides)
        settings = {
            "ACCESS_TOKEN_TTL": env_int("IDENTITY_ACCESS_TOKEN_TTL", 15 * 60),
            "REFRESH_TOKEN_TTL": env_int("IDENTITY_REFRESH_TOKEN_TTL", 30 * 24 * 3600),
            "REFRESH_FAMILY_TTL": env_int("IDENTITY_REFRESH_FAMILY_TTL", 90 * 24 * 3600),
            "REFRESH_GRACE_SECONDS": env_float("IDENTITY_REFRESH_GRACE_SECONDS", 10),
            "INVITATION_TTL": env_int("IDENTITY_INVITATION_TTL", 7 * 24 * 3600),
            "LINK_SESSION_TTL": env_int("IDENTITY_LINK_SESSION_TTL", 15 * 60),
            "RESET_TTL": env_int("IDENTITY_RESET_TTL", 3600),
            "RESET_MAX_PER_EMAIL": env_int("IDENTITY_RESET_MAX_PER_EMAIL", 3),
            "RESET_MAX_PER_ADDRESS": env_int("IDENTITY_RESET_MAX_PER_ADDRESS", 10),
            "RESET_WINDOW": env_int("IDENTITY_RESET_WINDOW", 3600),
            "LOGIN_FREE_PER_PAIR": env_int("IDENTITY_LOGIN_FREE_PER_PAIR", 3),
            "LOGIN_DELAY_BASE": env_float("IDENTITY_LOGIN_DELAY_BASE", 2),
            "LOGIN_MAX_PER_ACCOUNT": env_int("IDENTITY_LOGIN_MAX_PER_ACCOUNT", 30),
            "LOGIN_MAX_PER_ADDRESS": env_int("IDENTITY_LOGIN_MAX_PER_ADDRESS", 20),
            "LOGIN_WINDOW": env_int("IDENTITY_LOGIN_WINDOW", 15 * 60),
            "PASSWORD_MIN_SCORE": env_int("IDENTITY_PASSWORD_MIN_SCORE", 3),
            "HASH_CONCURRENCY": env_int("IDENTITY_HASH_CONCURRENCY", 2),
            "HASH_WAIT_SECONDS": env_float("IDENTITY_HASH_WAIT_SECONDS", 10),
            # Derived after the overrides so that a test overriding PUBLIC_URL gets matching links.
            "PORTAL_WEB_URL": env_str("PORTAL_WEB_URL", self.PUBLIC_URL.rstrip("/") + "/portal"),
            "SIGNING_KEY_PEM": env_str("IDENTITY_SIGNING_KEY_PEM", ""),
            "MAIL_LINK_KEYS": link_keys(),
        }
        for key, value in settings.items():
            setattr(self, key, overrides.get(key, value))
        check_keys(self.MAIL_LINK_KEYS, "identity")
