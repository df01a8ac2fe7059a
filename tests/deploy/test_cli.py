"""`portal PART [COMMAND]`, the entry point of the image, compose, Kubernetes and `make run`:
migrations and the init step that waits for them, against a real PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from services.cli import gunicorn_args, main
from services.common import migrate

PORTAL = [sys.executable, "-m", "services.cli"]


def run(args: list[str], url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "INTERVENTIONS_DATABASE_URL": url}
    return subprocess.run([*PORTAL, *args], env=env, capture_output=True, text=True, timeout=120)


def test_wait_migrated_waits_for_the_migration_job_then_passes(new_database):
    url = new_database("interventions", migrated=False)
    assert migrate.pending("interventions", url)
    waited = run(["interventions", "wait-migrated", "--timeout", "0"], url)
    assert waited.returncode == 1 and "not at head" in waited.stderr
    migrated = run(["interventions", "migrate"], url)
    assert migrated.returncode == 0, migrated.stderr
    assert not migrate.pending("interventions", url)
    waited = run(["interventions", "wait-migrated", "--timeout", "0"], url)
    assert waited.returncode == 0, waited.stderr


def test_a_database_migrated_by_a_newer_release_does_not_hold_back_older_pods(new_database):
    """A rollback: the database is at a revision this code does not know (migrations only add)."""
    url = new_database("interventions")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dnewer'"))
    engine.dispose()
    assert not migrate.pending("interventions", url)


def test_an_unreachable_database_counts_as_pending_until_the_timeout():
    url = "postgresql+psycopg2://nobody@127.0.0.1:1/none"
    assert migrate.pending("interventions", url)
    assert migrate.wait_for_head("interventions", timeout=0, url=url) is False


def test_parts_without_a_database_refuse_database_commands(capsys):
    for args in (["gateway", "migrate"], ["web", "worker"], ["sharing", "create-admin"]):
        with pytest.raises(SystemExit) as stopped:
            main(args)
        assert stopped.value.code == 2
    assert "create-admin belongs to identity" in capsys.readouterr().err


def test_web_processes_run_gunicorn_as_deployed():
    gateway = gunicorn_args("gateway", "0.0.0.0", 8080)
    assert gateway[:2] == ["-c", "python:gateway.gunicorn_conf"] and "0.0.0.0:9080" in gateway
    service = gunicorn_args("documents", "127.0.0.1", 8083)
    assert "--worker-class=gthread" in service and "--bind=127.0.0.1:8083" in service
    assert service[-1] == "services.documents:create_app()"
    assert gunicorn_args("web", "127.0.0.1", 8087)[-1] == "web:create_app()"
