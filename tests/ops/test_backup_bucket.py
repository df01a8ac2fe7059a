"""The bucket's half of a backup on a versioned bucket: every version of every key comes back,
the latest still latest, each byte checked."""

from __future__ import annotations

import io
import os

from minio.versioningconfig import ENABLED, VersioningConfig

from scripts import backup_bucket
from services.common.testing import RUN_ID


def versions(s3, bucket: str) -> dict[str, list[bytes]]:
    """Each key's versions' bytes, oldest first (S3 lists them newest first)."""
    found: dict[str, list] = {}
    for item in s3.list_objects(bucket, recursive=True, include_version=True):
        data = s3.get_object(bucket, item.object_name, version_id=item.version_id).data
        found.setdefault(item.object_name, []).insert(0, data)
    return found


def test_every_version_of_a_versioned_bucket_comes_back(s3_server, tmp_path):
    s3 = backup_bucket.client(s3_server)
    source, target = f"versioned-{RUN_ID}", f"versioned-restored-{RUN_ID}"
    s3.make_bucket(source)
    s3.set_bucket_versioning(source, VersioningConfig(ENABLED))
    written = {"a/contract.pdf": [os.urandom(1000), os.urandom(2000)], "b.txt": [b"only"]}
    for key, contents in written.items():
        for content in contents:
            s3.put_object(source, key, io.BytesIO(content), len(content))

    summary = backup_bucket.dump(s3, source, tmp_path / "bucket")
    assert summary["versioned"] and summary["entries"] == 3
    assert backup_bucket.is_empty(s3, target)
    assert backup_bucket.restore(s3, target, tmp_path / "bucket", summary) == 3

    assert versions(s3, target) == written
    assert s3.get_object(target, "a/contract.pdf").data == written["a/contract.pdf"][-1]
    assert not backup_bucket.is_empty(s3, target)
