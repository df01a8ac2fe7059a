"""The object store's half of a backup: every object (and every version, on a versioned bucket)
copied to files one chunk at a time, with an index; and back into an empty bucket."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import urllib3
from minio import Minio
from minio.error import S3Error
from minio.versioningconfig import ENABLED, VersioningConfig

CHUNK = 1024 * 1024  # what is in memory at a time, whatever the object's size
PART_SIZE = 16 * 1024 * 1024  # multipart part size of the restore's uploads


def client(settings: dict) -> Minio:
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=10, read=300),
        retries=urllib3.Retry(total=5, backoff_factor=0.5, status_forcelist=[500, 502, 503, 504]),
    )
    return Minio(
        settings["S3_ENDPOINT"],
        settings["S3_ACCESS_KEY"],
        settings["S3_SECRET_KEY"],
        secure=settings["S3_SECURE"],
        http_client=http,
    )


def versioned(s3: Minio, bucket: str) -> bool:
    try:
        return s3.get_bucket_versioning(bucket).status == ENABLED
    except S3Error as exc:
        if exc.code in ("NotImplemented", "MethodNotAllowed"):
            return False  # a store without versioning (some S3 servers of development)
        raise


def _listing(s3: Minio, bucket: str, with_versions: bool) -> Iterator:
    return s3.list_objects(bucket, recursive=True, include_version=with_versions)


def is_empty(s3: Minio, bucket: str) -> bool:
    if not s3.bucket_exists(bucket):
        return True
    return next(iter(_listing(s3, bucket, versioned(s3, bucket))), None) is None


def dump(s3: Minio, bucket: str, directory: Path) -> dict:
    """Copy the bucket into `directory/objects/N` and `directory/index.jsonl`; the summary."""
    objects = directory / "objects"
    objects.mkdir(parents=True)
    with_versions = versioned(s3, bucket)
    count = size = 0
    with open(directory / "index.jsonl", "w", encoding="utf-8") as index:
        for item in _listing(s3, bucket, with_versions):
            entry = {
                "key": item.object_name,
                "version_id": item.version_id,
                "last_modified": item.last_modified.isoformat() if item.last_modified else None,
                "is_latest": bool(item.is_latest) if with_versions else True,
                "delete_marker": bool(item.is_delete_marker),
            }
            if not item.is_delete_marker:
                entry["file"] = f"objects/{count:08d}"
                entry |= _copy_out(s3, bucket, item, directory / entry["file"])
                size += entry["size"]
            index.write(json.dumps(entry) + "\n")
            count += 1
    return {"bucket": bucket, "versioned": with_versions, "entries": count, "bytes": size}


def _copy_out(s3: Minio, bucket: str, item, path: Path) -> dict:
    response = s3.get_object(bucket, item.object_name, version_id=item.version_id)
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "wb") as out:
            for chunk in response.stream(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        metadata = {
            k[len("x-amz-meta-") :]: v
            for k, v in response.headers.items()
            if k.lower().startswith("x-amz-meta-")
        }
        content_type = response.headers.get("Content-Type", "application/octet-stream")
    finally:
        response.close()
        response.release_conn()
    return {"size": size, "sha256": digest.hexdigest(), "content_type": content_type} | (
        {"metadata": metadata} if metadata else {}
    )


def entries(directory: Path) -> Iterator[dict]:
    with open(directory / "index.jsonl", encoding="utf-8") as index:
        for line in index:
            yield json.loads(line)


def restore(s3: Minio, bucket: str, directory: Path, summary: dict) -> int:
    """Upload every entry, each key's oldest version first so that the latest stays latest;
    each file's SHA-256 is checked before it is sent. Returns how many objects were put."""
    if not s3.bucket_exists(bucket):
        s3.make_bucket(bucket)
    if summary["versioned"]:
        s3.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
    # S3 lists a key's versions newest first (times have only a second's precision).
    listed = enumerate(entries(directory))
    ordered = sorted(listed, key=lambda pair: (pair[1]["key"], -pair[0]))
    put = 0
    for _position, entry in ordered:
        if entry["delete_marker"]:
            if summary["versioned"]:
                s3.remove_object(bucket, entry["key"])  # a delete marker on top, as it was
            continue
        path = directory / entry["file"]
        if _sha256(path) != entry["sha256"]:
            raise RuntimeError(f"{path} does not match its SHA-256 in the index: corrupt backup")
        s3.fput_object(
            bucket,
            entry["key"],
            str(path),
            content_type=entry["content_type"],
            metadata=entry.get("metadata"),
            part_size=PART_SIZE,
        )
        put += 1
    return put


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
