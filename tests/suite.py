"""The whole suite as real processes (gunicorn per service, one worker each, the web portal,
the gateway), on test databases, a throwaway RabbitMQ vhost, SeaweedFS, the in-process SMTP
server, and the portal's sessions under a key prefix of their own in the machine's Redis."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import redis
import requests

from services.common.testing import TEST_LINK_KEY, free_port, wait_until
from services.topology import SERVICES

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
ADMIN_EMAIL = "admin@firm.example"
ADMIN_PASSWORD = "correct horse battery staple"
FIRM_NAME = "Dupont & Associés"
DISPATCH_EMAIL = "dispatch@firm.example"


class Suite:
    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs = logs
        self.ports = {name: free_port() for name in (*SERVICES, "web")}
        self.gateway_port = free_port()
        self.admin_port = free_port()  # the gateway's /metrics and readiness detail
        self.worker_ports = {name: free_port() for name in SERVICES}  # /healthz and /metrics
        self.web_session_prefix = f"test:{secrets.token_hex(6)}:web:session:"
        self.env = {
            **os.environ,
            **env,
            **{f"{name.upper()}_URL": self.url(name) for name in SERVICES},
            "JWKS_URL": self.url("identity") + "/.well-known/jwks.json",
            "PORTAL_PUBLIC_URL": self.gateway,
            "GATEWAY_ADMIN_PORT": str(self.admin_port),
            # Downloads documents authorises come from the store through the gateway alone.
            "GATEWAY_STORE_URL": f"http://{env['S3_ENDPOINT']}" if "S3_ENDPOINT" in env else "",
            "WEB_URL": self.url("web"),
            "GATEWAY_URL": self.gateway,
            "WEB_REDIS_URL": os.environ.get("WEB_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "WEB_SESSION_PREFIX": self.web_session_prefix,
            "WEB_SECRET_KEY": secrets.token_urlsafe(32),
            "MAIL_LINK_KEYS": TEST_LINK_KEY,
            "PORTAL_ADMIN_EMAIL": ADMIN_EMAIL,
            "PORTAL_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "PORTAL_FIRM_NAME": FIRM_NAME,
            "MAIL_FROM": f"{FIRM_NAME} <portal@firm.example>",
            "MAIL_DISPATCH_ADDRESS": DISPATCH_EMAIL,
            "PORTAL_VAR_DIR": str(logs),
            "PYTHONUNBUFFERED": "1",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def worker_admin(self, service: str) -> str:
        """Base URL of a worker's /healthz and /metrics."""
        return f"http://127.0.0.1:{self.worker_ports[service]}"

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.processes[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _gunicorn(self, name: str, app: str, port: int) -> None:
        self._spawn(
            name,
            [
                str(BIN / "gunicorn"),
                "--no-control-socket",
                "-w",
                "1",
                "-k",
                "gthread",
                "--threads",
                "4",
                "-b",
                f"127.0.0.1:{port}",
                app,
            ],
        )

    def start_worker(self, service: str) -> None:
        self._spawn(
            f"{service}-worker",
            [sys.executable, "-m", f"services.{service}.worker"],
            {"WORKER_ADMIN_PORT": str(self.worker_ports[service])},
        )

    def stop_worker(self, service: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(f"{service}-worker")
        process.send_signal(sig)
        process.wait(timeout=30)

    def start(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "services.identity.create_admin"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        for service in SERVICES:
            self._gunicorn(service, f"services.{service}:create_app()", self.ports[service])
            self.start_worker(service)
        self._gunicorn("web", "web:create_app()", self.ports["web"])
        self._spawn(
            "gateway",
            [
                str(BIN / "gunicorn"),
                *("-c", "python:gateway.gunicorn_conf", "-w", "1"),
                *("-b", f"127.0.0.1:{self.gateway_port}", "-b", f"127.0.0.1:{self.admin_port}"),
                "gateway:create_app()",
            ],
        )
        workers = [self.worker_admin(s) for s in SERVICES]
        for base in [self.gateway, *(self.url(s) for s in (*SERVICES, "web")), *workers]:
            wait_until(
                lambda base=base: self._healthy(base),
                timeout=60,
                interval=0.2,
                message=f"{base}/healthz",
            )

    def _healthy(self, base: str) -> bool:
        for name, process in self.processes.items():
            if process.poll() is not None:
                log = (self.logs / f"{name}.log").read_text()[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{log}")
        try:
            return requests.get(f"{base}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    @property
    def portal(self) -> str:
        """The portal's public address, through the gateway."""
        return f"{self.gateway}/portal"

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self._forget_web_sessions()

    def _forget_web_sessions(self) -> None:
        store = redis.Redis.from_url(self.env["WEB_REDIS_URL"], socket_timeout=5)
        keys = list(store.scan_iter(match=self.web_session_prefix + "*", count=500))
        if keys:
            store.delete(*keys)


class Client:
    """A person using the public API through the gateway."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(
        self, method: str, path: str, absolute: bool = False, **kwargs
    ) -> requests.Response:
        """`path` is relative to the gateway, or a full URL (a service's admin endpoint) when
        `absolute`."""
        kwargs.setdefault("timeout", 15)
        return self.session.request(method, path if absolute else self.base + path, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def login(self, email: str, password: str) -> Client:
        response = self.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return Client(self.base, response.json()["access_token"])
