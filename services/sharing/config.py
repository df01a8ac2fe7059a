"""Settings of the sharing service.

| variable | default | meaning |
|---|---|---|
| SHARING_DATABASE_URL | sqlite:///var/db/sharing.db | the service's own database |
| PORTAL_WEB_URL | PORTAL_PUBLIC_URL + /portal | base of the matter links put in e-mails |
| DOCUMENTS_URL | http://127.0.0.1:8083 | the documents service, asked what a signee sees |
| DOCUMENTS_CONNECT_TIMEOUT | 2 | seconds to connect to documents when signing |
| DOCUMENTS_READ_TIMEOUT | 5 | seconds to wait for documents' answer when signing |
| IDENTITY_URL | http://127.0.0.1:8081 | identity, asked for a company not replicated yet |
"""

from __future__ import annotations

from services.common.config import BaseConfig, env_float, env_str, service_url


class SharingConfig(BaseConfig):
    """BaseConfig plus sharing's settings; keyword overrides win over the environment."""

    def __init__(self, **overrides: object) -> None:
        super().__init__("sharing", **overrides)
        # Derived after the overrides so that a test overriding PUBLIC_URL gets matching links.
        default_web_url = env_str("PORTAL_WEB_URL", self.PUBLIC_URL.rstrip("/") + "/portal")
        self.PORTAL_WEB_URL = str(overrides.get("PORTAL_WEB_URL", default_web_url)).rstrip("/")
        # Signing asks documents what the signee sees: a synchronous call, bounded.
        self.DOCUMENTS_URL = str(overrides.get("DOCUMENTS_URL", service_url("documents")))
        self.DOCUMENTS_CONNECT_TIMEOUT = float(
            overrides.get("DOCUMENTS_CONNECT_TIMEOUT", env_float("DOCUMENTS_CONNECT_TIMEOUT", 2))
        )
        self.DOCUMENTS_READ_TIMEOUT = float(
            overrides.get("DOCUMENTS_READ_TIMEOUT", env_float("DOCUMENTS_READ_TIMEOUT", 5))
        )
        # A company the replica has not heard of yet is asked of identity (read_through.py).
        self.IDENTITY_URL = str(overrides.get("IDENTITY_URL", service_url("identity")))
