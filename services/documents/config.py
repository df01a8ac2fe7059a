"""Settings of the documents service: the object store and the upload limit.

| variable | default | meaning |
|---|---|---|
| S3_ENDPOINT | 127.0.0.1:8333 | object store host:port (MinIO, SeaweedFS) |
| S3_ACCESS_KEY, S3_SECRET_KEY | portal, portal-dev-secret | object store credentials |
| S3_BUCKET | portal-documents | bucket of the document versions (created at startup if missing) |
| S3_SECURE | false | HTTPS to the object store |
| S3_PART_SIZE | 8388608 | multipart part size (8 MiB, min. 5 MiB); ~3 in memory per upload |
| DOCUMENTS_MAX_UPLOAD_BYTES | 2147483648 | largest file accepted (2 GiB); bigger answers 413 |
| SHARING_URL | http://127.0.0.1:8082 | sharing, asked for a matter the replica has not heard of |
"""

from __future__ import annotations

from services.common.config import BaseConfig, env_int, service_url
from services.common.storage import storage_settings

GIB = 1024**3


class DocumentsConfig(BaseConfig):
    """BaseConfig plus the store and the upload limit; keyword overrides win over the env."""

    def __init__(self, **overrides: object) -> None:
        super().__init__("documents", **overrides)
        settings = {
            **storage_settings(),
            "MAX_UPLOAD_BYTES": env_int("DOCUMENTS_MAX_UPLOAD_BYTES", 2 * GIB),
            "SHARING_URL": service_url("sharing"),
        }
        for key, value in settings.items():
            setattr(self, key, overrides.get(key, value))
