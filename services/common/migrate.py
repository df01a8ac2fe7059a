"""Alembic migrations, one history per service under services/<name>/migrations.

Apply: `python -m services.common.migrate identity mailer ...` (all services when none named).
New revision after a model change:
`python -m services.common.migrate --revision "message" identity`.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config as AlembicConfig
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
