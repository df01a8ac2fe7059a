"""The gateway under real gunicorn, in front of stand-in services served by werkzeug threads."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from services.common.testing import free_port, wait_until

from .upstreams import MiB, identity_like, sharing_like

ROOT = Path(__file__).resolve().parents[2]
# Short timeouts keep the timeout tests quick; connect is shorter than the slowest upload pause.
READ_TIMEOUT = "1.0"
CONNECT_TIMEOUT = "0.25"
TRUSTED_PROXY = "127.0.0.1/32"
UNTRUSTED_CLIENT = "127.0.0.2"


@dataclass
class Gateway:
    url: str
    admin_url: str  # /metrics and the readiness detail
    process: subprocess.Popen
    stdout: Path

    def worker_peak_rss(self) -> int:
        """Highest resident memory (bytes) any gunicorn worker has reached so far."""
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        peaks = []
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) * 1024)
        return max(peaks)


@pytest.fixture(scope="session")
def payload() -> bytes:
    """50 MiB that compress badly, the same on both sides of the gateway."""
    return random.Random(7).randbytes(50 * MiB)


def _serve(app: Callable) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def identity_upstream(payload: bytes) -> Iterator[str]:
    yield from _serve(identity_like(payload))


@pytest.fixture(scope="session")
def sharing_upstream() -> Iterator[str]:
    yield from _serve(sharing_like)


@pytest.fixture(scope="session")
def gateway(
    identity_upstream: str, sharing_upstream: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    yield from run_gateway(identity_upstream, sharing_upstream, tmp_path_factory.mktemp("gw"))


def run_gateway(
    identity_upstream: str, sharing_upstream: str, tmp: Path, **settings: str
) -> Iterator[Gateway]:
    """The gateway under gunicorn as deployed (gateway/gunicorn_conf.py); `settings` are extra
    environment variables."""
    (tmp / "prometheus").mkdir()
    port, admin_port = free_port(), free_port()
    env = {
        **os.environ,
        "IDENTITY_URL": identity_upstream,
        "DOCUMENTS_URL": identity_upstream,
        "INTERVENTIONS_URL": identity_upstream,
        "ONBOARDING_URL": identity_upstream + "/",
        "SHARING_URL": sharing_upstream,
        "WEB_URL": identity_upstream,
        # Nothing listens there: the mailer is down.
        "MAILER_URL": f"http://127.0.0.1:{free_port()}",
        "GATEWAY_READ_TIMEOUT": READ_TIMEOUT,
        "GATEWAY_CONNECT_TIMEOUT": CONNECT_TIMEOUT,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prometheus"),
        # The tests' own requests come from 127.0.0.1, a proxy in front; 127.0.0.2 is a client.
        "TRUSTED_PROXIES": TRUSTED_PROXY,
        "GATEWAY_ADMIN_PORT": str(admin_port),
        **settings,
    }
    command = [
        sys.executable, "-m", "gunicorn", "-c", "python:gateway.gunicorn_conf",
        "--bind", f"127.0.0.1:{port}", "--bind", f"127.0.0.1:{admin_port}",
        "--workers", "1", "--graceful-timeout", "2", "gateway:create_app()",
    ]  # fmt: skip
    stdout = tmp / "stdout.log"
    with stdout.open("wb") as out, (tmp / "stderr.log").open("wb") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
    gateway = Gateway(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{admin_port}", process, stdout)
    try:
        wait_until(lambda: _up(gateway, tmp), timeout=20, message="the gateway's /healthz")
        yield gateway
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _up(gateway: Gateway, tmp: Path) -> bool:
    if gateway.process.poll() is not None:
        raise RuntimeError(f"gunicorn exited:\n{(tmp / 'stderr.log').read_text()[-3000:]}")
    try:
        return requests.get(f"{gateway.url}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False
