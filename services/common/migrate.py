"""Alembic migrations, one history per service under services/<name>/migrations.

Apply: `python -m services.common.migrate identity mailer ...` (all services when none named).
Wait until another process has applied them: `portal identity wait-migrated` (services/cli.py).
New revision after a model change:
`python -m services.common.migrate --revision "message" identity`.
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from .config import BaseConfig

SERVICES_DIR = Path(__file__).resolve().parents[1]


def alembic_config(service: str, url: str | None = None) -> AlembicConfig:
    url = url or BaseConfig(service).SQLALCHEMY_DATABASE_URI
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, url: str | None = None) -> None:
    command.upgrade(alembic_config(service, url), "head")


def pending(service: str, url: str | None = None) -> bool:
    """Whether the database still lacks this code's migrations. An unreachable database counts as
    pending; one migrated further by a newer release does not (migrations only add, so this code
    runs on it: a rollback must not wait forever)."""
    cfg = alembic_config(service, url)
    script = ScriptDirectory.from_config(cfg)
    engine = sa.create_engine(cfg.get_main_option("sqlalchemy.url"), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.OperationalError:
        return True
    finally:
        engine.dispose()
    if current - {revision.revision for revision in script.walk_revisions()}:
        return False
    return current != set(script.get_heads())


def wait_for_head(
    service: str, timeout: float, url: str | None = None, interval: float = 2.0
) -> bool:
    """Poll until the service's database is at this code's head; False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while pending(service, url):
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def run_env() -> None:
    """Body of every service's migrations/env.py (online mode only: we always have a database)."""
    service = context.config.attributes["service"]
    metadata = importlib.import_module(f"services.{service}.models").db.metadata
    engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=NullPool)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Two replicas starting together must not both run the same migration.
            connection.execute(sa.text("SELECT pg_advisory_lock(hashtext(:s))"), {"s": service})
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE on SQLite
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


def main() -> None:
    from services.topology import SERVICES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="*", metavar="SERVICE", help=", ".join(SERVICES))
    parser.add_argument("--revision", metavar="MESSAGE", help="autogenerate a new revision")
    args = parser.parse_args()
    unknown = sorted(set(args.services) - set(SERVICES))
    if unknown:
        parser.error(f"unknown service {', '.join(unknown)}; choose from {', '.join(SERVICES)}")
    for service in args.services or SERVICES:
        if args.revision:
            command.revision(alembic_config(service), message=args.revision, autogenerate=True)
        else:
            upgrade(service)
            print(f"{service}: database at head")


if __name__ == "__main__":
    main()
