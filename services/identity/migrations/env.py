"""Alembic environment of the identity service (see services.common.migrate.run_env)."""

from services.common.migrate import run_env

run_env()
