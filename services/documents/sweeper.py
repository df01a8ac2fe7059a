"""The sweeper: objects on the store that no version names, left by a process that died between
storing the bytes and committing the row (or a crash before `deleted_on_error` could run).

An object is an orphan only once it is older than DOCUMENTS_SWEEP_GRACE_SECONDS: an upload in
flight stores its object a moment before it commits its row. Rendered previews live under
`renditions/<version id>/` and go when their version is gone.
`python -m services.documents.sweeper` sweeps once; the worker sweeps every hour.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from services.common import storage
from services.common.models import utcnow

from .models import Version, db
from .renditions import RENDITIONS_PREFIX as RENDITIONS

log = logging.getLogger(__name__)

BATCH = 500
SWEEP_INTERVAL_SECONDS = 3600


def _known(keys: list[str], column: sa.Column) -> set[str]:
    found = set(db.session.scalars(sa.select(column).where(column.in_(keys))))
    db.session.rollback()  # no transaction held while objects are deleted
    return found


def sweep(app: Flask, grace_seconds: float | None = None) -> list[str]:
    """Remove the orphan objects older than the grace period; return their keys."""
    grace = app.config["SWEEP_GRACE_SECONDS"] if grace_seconds is None else grace_seconds
    cutoff = utcnow() - timedelta(seconds=grace)
    s3, bucket = storage.client(app), app.config["S3_BUCKET"]
    removed: list[str] = []
    with app.app_context():
        db.session.rollback()
        old = [
            o.object_name
            for o in s3.list_objects(bucket, recursive=True)
            if o.last_modified is not None and o.last_modified < cutoff
        ]
        for start in range(0, len(old), BATCH):
            keys = old[start : start + BATCH]
            originals = [k for k in keys if not k.startswith(RENDITIONS)]
            rendered = {
                k: k[len(RENDITIONS) :].split("/", 1)[0] for k in keys if k not in originals
            }
            kept = _known(originals, Version.object_key) | {
                k for k, v in rendered.items() if v in _known(list(rendered.values()), Version.id)
            }
            for key in keys:
                if key not in kept:
                    s3.remove_object(bucket, key)
                    removed.append(key)
        for upload in s3._list_multipart_uploads(bucket).uploads:  # no public API in minio-py
            if upload.initiated_time is not None and upload.initiated_time < cutoff:
                s3._abort_multipart_upload(bucket, upload.object_name, upload.upload_id)
                removed.append(upload.object_name)
    if removed:
        log.warning("sweeper removed %d orphan objects", len(removed), extra={"keys": removed})
    return removed


def sweep_forever(app: Flask, stop: threading.Event) -> None:
    """The worker's sweeping thread; a failed sweep is logged and tried again next time."""
    while not stop.wait(SWEEP_INTERVAL_SECONDS):
        try:
            sweep(app)
        except Exception:
            log.exception("sweep failed")


if __name__ == "__main__":
    from . import create_app

    print("\n".join(sweep(create_app())))
