"""Settings of the documents service: the object store and the upload limit.

| variable | default | meaning |
|---|---|---|
| S3_ENDPOINT | 127.0.0.1:8333 | object store host:port (MinIO, SeaweedFS) |
| S3_ACCESS_KEY, S3_SECRET_KEY | portal, portal-dev-secret | object store credentials |
| S3_BUCKET | portal-documents | bucket of the document versions (created at startup if missing) |
| S3_SECURE | false | HTTPS to the object store |
| S3_PART_SIZE | 5242880 | multipart part size (5 MiB, the minimum); one buffer of it per upload |
| DOCUMENTS_MAX_UPLOAD_BYTES | 2147483648 | largest file accepted (2 GiB); bigger answers 413 |
| DOCUMENTS_ALLOWED_TYPES | pdf,image,office,text,csv,zip | type families (file_types.py) |
| DOCUMENTS_SWEEP_GRACE_SECONDS | 3600 | age at which an object no version names is swept |
| PORTAL_WEB_URL | PORTAL_PUBLIC_URL + /portal | base of the matter links in e-mails |
| SHARING_URL | http://127.0.0.1:8082 | sharing, asked for a matter the replica has not heard of |
"""

from __future__ import annotations

from services.common.config import BaseConfig, env_int, env_str, service_url
from services.common.storage import storage_settings

from .file_types import DEFAULT_FAMILIES, parse_families

GIB = 1024**3


class DocumentsConfig(BaseConfig):
    """BaseConfig plus the store and the upload limit; keyword overrides win over the env."""

    def __init__(self, **overrides: object) -> None:
        super().__init__("documents", **overrides)
        settings = {
            **storage_settings(),
            "MAX_UPLOAD_BYTES": env_int("DOCUMENTS_MAX_UPLOAD_BYTES", 2 * GIB),
            "ALLOWED_TYPES": parse_families(env_str("DOCUMENTS_ALLOWED_TYPES", DEFAULT_FAMILIES)),
            "SWEEP_GRACE_SECONDS": env_int("DOCUMENTS_SWEEP_GRACE_SECONDS", 3600),
            "SHARING_URL": service_url("sharing"),
            "PORTAL_WEB_URL": env_str(
                "PORTAL_WEB_URL", self.PUBLIC_URL.rstrip("/") + "/portal"
            ).rstrip("/"),
        }
        for key, value in settings.items():
            setattr(self, key, overrides.get(key, value))
