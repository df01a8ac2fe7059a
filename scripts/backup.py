"""Backup and restore of the whole suite: every service's database and the object store.

  python -m scripts.backup dump DIR       DIR new or empty; written: <service>.pgdump (pg_dump,
                                          custom format), bucket/ (every object), manifest.json
  python -m scripts.backup restore DIR    into empty databases and an empty bucket; --force to
                                          restore over non-empty ones

Configured like the services: <SERVICE>_DATABASE_URL (PostgreSQL) and S3_*. Needs pg_dump and
pg_restore of the server's major version or newer on the PATH.

What a backup guarantees: each database is one transactionally consistent snapshot; the
databases are dumped before the bucket, and the suite never deletes an object a version row
names (objects are written once under new keys; the sweeper removes only unnamed ones), so every
object a dumped row names is in the backup. The databases are dumped one after another, not at
one instant: an event published during the dump, or still in a queue (queues are not backed up),
may be missing from a consumer's database. `restore` therefore marks the outbox rows published
in the `--resend-minutes` before the backup started (default 60) and since as unpublished: the
relays send them again and consumers skip those their database had handled (processed events).
`manifest.json` counts the events written while the dump ran; 0 means an exact cut.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from scripts import backup_bucket
from services.common.config import BaseConfig
from services.common.migrate import alembic_config
from services.common.storage import storage_settings
from services.topology import SERVICES

MANIFEST = "manifest.json"
FORMAT = 1


class Refused(Exception):
    """Something the operator must change before running the command again."""


def database_url(service: str) -> str:
    url = BaseConfig(service).SQLALCHEMY_DATABASE_URI
    if not url.startswith("postgresql"):
        raise Refused(f"{service.upper()}_DATABASE_URL must name a PostgreSQL database, not {url}")
    return url


def _libpq(url: str) -> tuple[str, dict]:
    """The URL for pg_dump and pg_restore, and the password kept out of their command line."""
    parsed = sa.make_url(url)
    env = {**os.environ, **({"PGPASSWORD": parsed.password} if parsed.password else {})}
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _scalar(url: str, sql: str, **params):
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


def _tables(url: str) -> int:
    return _scalar(
        url,
        "SELECT count(*) FROM pg_tables"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    )


def _heads(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            return sorted(row[0] for row in rows)
    finally:
        engine.dispose()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _run(args: list[str], env: dict) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}")


def dump(directory: Path) -> dict:
    if directory.exists() and any(directory.iterdir()):
        raise Refused(f"{directory} is not empty: give each backup a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    urls = {service: database_url(service) for service in SERVICES}
    started = datetime.now(UTC)
    databases = {}
    for service, url in urls.items():
        heads = _heads(url)
        path = directory / f"{service}.pgdump"
        target, env = _libpq(url)
        _run(["pg_dump", "--format=custom", "--file", str(path), "--dbname", target], env)
        databases[service] = {
            "file": path.name,
            "alembic_heads": heads,
            "bytes": path.stat().st_size,
            "sha256": _sha256(path),
        }
    settings = storage_settings()
    s3 = backup_bucket.client(settings)
    bucket = backup_bucket.dump(s3, settings["S3_BUCKET"], directory / "bucket")
    written = sum(
        _scalar(url, "SELECT count(*) FROM outbox WHERE created_at >= :t", t=started)
        for url in urls.values()
    )
    manifest = {
        "format": FORMAT,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "events_written_during_dump": written,
        "databases": databases,
        "bucket": bucket,
    }
    # Written last: a directory without a manifest is an unfinished backup.
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _check_heads(service: str, heads: list[str]) -> None:
    """Refuse a backup made by code newer than this (its revisions are unknown here)."""
    script = ScriptDirectory.from_config(alembic_config(service, "postgresql://unused/none"))
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(set(heads) - known)
    if unknown:
        raise Refused(
            f"{service}: the backup is at revision {', '.join(unknown)}, unknown to this code; "
            "restore with the version of the suite that made the backup"
        )


def restore(directory: Path, force: bool, resend_minutes: float) -> dict:
    manifest_path = directory / MANIFEST
    if not manifest_path.exists():
        raise Refused(f"{manifest_path} is missing: not a backup, or an unfinished one")
    manifest = json.loads(manifest_path.read_text())
    urls = {service: database_url(service) for service in manifest["databases"]}
    settings = storage_settings()
    s3 = backup_bucket.client(settings)
    bucket = settings["S3_BUCKET"]
    for service, saved in manifest["databases"].items():
        _check_heads(service, saved["alembic_heads"])
        if _sha256(directory / saved["file"]) != saved["sha256"]:
            raise Refused(f"{saved['file']} does not match its SHA-256 in the manifest")
    if not force:
        busy = [f"database of {s} ({_tables(u)} tables)" for s, u in urls.items() if _tables(u)]
        if not backup_bucket.is_empty(s3, bucket):
            busy.append(f"bucket {bucket}")
        if busy:
            raise Refused(
                "not empty: " + "; ".join(busy) + ". Restore into new databases and a new "
                "bucket, or pass --force to replace what the backup holds"
            )
    since = datetime.fromisoformat(manifest["started_at"]) - timedelta(minutes=resend_minutes)
    resent = 0
    for service, saved in manifest["databases"].items():
        target, env = _libpq(urls[service])
        args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
        args += ["--single-transaction", *(["--clean", "--if-exists"] if force else [])]
        _run([*args, "--dbname", target, str(directory / saved["file"])], env)
        resent += _resend(urls[service], since) if resend_minutes >= 0 else 0
    put = backup_bucket.restore(s3, bucket, directory / "bucket", manifest["bucket"])
    return {"databases": sorted(urls), "objects": put, "events_resent": resent}


def _resend(url: str, since: datetime) -> int:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            result = connection.execute(
                sa.text("UPDATE outbox SET published_at = NULL WHERE published_at >= :t"),
                {"t": since},
            )
            return result.rowcount or 0
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.backup", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dump", help="back up every database and the bucket into DIR").add_argument(
        "directory", type=Path, metavar="DIR"
    )
    put = commands.add_parser("restore", help="restore DIR into empty databases and bucket")
    put.add_argument("directory", type=Path, metavar="DIR")
    put.add_argument("--force", action="store_true", help="restore over non-empty targets")
    put.add_argument(
        "--resend-minutes",
        type=float,
        default=60,
        help="re-send events published this long before the backup started (-1: none)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "dump":
            result = dump(args.directory)
        else:
            result = restore(args.directory, args.force, args.resend_minutes)
    except Refused as refusal:
        print(f"{args.command} refused: {refusal}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
