"""The object store (MinIO, or SeaweedFS in development): client and readiness check."""

from __future__ import annotations

from flask import Flask
from minio import Minio

from .config import env_bool, env_str


def storage_settings() -> dict:
    return {
        "S3_ENDPOINT": env_str("S3_ENDPOINT", "127.0.0.1:8333"),
        "S3_ACCESS_KEY": env_str("S3_ACCESS_KEY", "portal"),
        "S3_SECRET_KEY": env_str("S3_SECRET_KEY", "portal-dev-secret"),
        "S3_BUCKET": env_str("S3_BUCKET", "portal-documents"),
        "S3_SECURE": env_bool("S3_SECURE", False),
    }


def client(app: Flask) -> Minio:
    """One client per process, made lazily so that it is never shared across a fork."""
    if "s3" not in app.extensions:
        c = app.config
        app.extensions["s3"] = Minio(
            c["S3_ENDPOINT"], c["S3_ACCESS_KEY"], c["S3_SECRET_KEY"], secure=c["S3_SECURE"]
        )
    return app.extensions["s3"]


def ensure_bucket(app: Flask) -> None:
    s3 = client(app)
    if not s3.bucket_exists(app.config["S3_BUCKET"]):
        s3.make_bucket(app.config["S3_BUCKET"])


def ping(app: Flask) -> None:
    """Readiness: the store answers and our bucket is there."""
    if not client(app).bucket_exists(app.config["S3_BUCKET"]):
        raise RuntimeError(f"bucket {app.config['S3_BUCKET']} does not exist")
