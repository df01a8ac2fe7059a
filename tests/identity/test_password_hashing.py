"""argon2id with OWASP's parameters, older hashes upgraded at sign-in, and a burst of 16 sign-ins
against identity running as deployed (gunicorn, 2 workers x 4 threads) that all get an answer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import argon2
import pytest
import requests
import sqlalchemy as sa

from services.common.testing import free_port, wait_until
from services.identity import create_app
from services.identity.models import User, db
from services.identity.passwords import hash_password

from .helpers import PASSWORD, at_once, make_user, sign_in

ROOT = Path(__file__).resolve().parents[2]
# The web container's limit in deploy/k8s/components/service/web.yaml.
MEMORY_LIMIT_MIB = 384


def test_new_hashes_use_owasp_argon2id_parameters():
    parameters = argon2.extract_parameters(hash_password("lantern orchard velvet 42"))
    assert parameters.type is argon2.Type.ID
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
        19 * 1024,
        2,
        1,
    )


def test_a_hash_made_with_older_parameters_verifies_and_is_upgraded_at_sign_in(app, client):
    user_id = make_user(app, "ann@firm.example", kind="staff", role="agent")
    old = argon2.PasswordHasher(memory_cost=64 * 1024, time_cost=3, parallelism=4).hash(PASSWORD)
    with app.app_context():
        db.session.execute(sa.update(User).values(password_hash=old))
        db.session.commit()
    sign_in(client, "ann@firm.example", user_id)
    with app.app_context():
        upgraded = db.session.get(User, user_id).password_hash
    assert upgraded != old
    assert argon2.extract_parameters(upgraded).memory_cost == 19 * 1024
    sign_in(client, "ann@firm.example", user_id)


def _peak_mib(pid: int) -> int:
    """Peak resident memory (VmHWM) of a process and its children, MiB."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for process in [pid, *map(int, children)]:
        status = Path(f"/proc/{process}/status").read_text()
        total += int(status.split("VmHWM:")[1].split()[0])
    return total // 1024


@pytest.fixture
def running_identity(new_database, amqp_url, tmp_path) -> Iterator[tuple[str, int, list[str]]]:
    """identity under gunicorn as deployed (2 workers x 4 threads), with 16 active users."""
    url = new_database("identity")
    app = create_app(SQLALCHEMY_DATABASE_URI=url, AMQP_URL=amqp_url)
    emails = [f"person{i}@client.example" for i in range(16)]
    for email in emails:
        make_user(app, email)
    port = free_port()
    env = {
        **os.environ,
        "IDENTITY_DATABASE_URL": url,
        "AMQP_URL": amqp_url,
        "PORTAL_VAR_DIR": str(tmp_path),
    }
    args = [str(Path(sys.executable).parent / "gunicorn"), "--no-control-socket", "-w", "2"]
    args += ["-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{port}"]
    log = open(tmp_path / "identity.log", "wb")  # noqa: SIM115 - closed after the process
    process = subprocess.Popen(
        [*args, "services.identity:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, (tmp_path / "identity.log").read_text()[-3000:]
        try:
            return requests.get(f"{base}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(healthy, timeout=60, interval=0.2, message="identity under gunicorn")
        # Both workers have loaded the app before the burst (a lazy import is not a hash).
        for _ in range(4):
            requests.get(f"{base}/.well-known/jwks.json", timeout=10)
        yield base, process.pid, emails
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def test_16_concurrent_sign_ins_all_get_an_answer_within_the_memory_limit(running_identity):
    base, pid, emails = running_identity

    def sign_in_over_http(index: int) -> requests.Response:
        body = {"email": emails[index], "password": PASSWORD}
        headers = {"X-Forwarded-For": f"198.51.100.{index + 1}"}
        return requests.post(f"{base}/api/v1/auth/login", json=body, headers=headers, timeout=60)

    responses = at_once(16, sign_in_over_http)
    statuses = [getattr(r, "status_code", repr(r)) for r in responses]
    # Throttled cleanly at worst (503 BUSY with Retry-After), never a crash or a dropped request.
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.count(200) >= 8, statuses
    for response in responses:
        if response.status_code == 503:
            assert response.json()["code"] == "BUSY" and response.headers["Retry-After"]
    peak = _peak_mib(pid)
    print(f"identity (gunicorn 2x4) peak resident memory over 16 sign-ins: {peak} MiB")
    assert peak < MEMORY_LIMIT_MIB
    assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
