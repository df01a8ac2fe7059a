"""The one configuration loader: settings come from environment variables with local defaults."""

from __future__ import annotations

import os
from pathlib import Path

from .network import LOOPBACK, parse_networks

# Local state (SQLite files, keys, object data, mail sink) lives under var/, which git ignores.
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", Path(__file__).resolve().parents[2] / "var"))

SERVICE_PORTS = {
    "gateway": 8080,
    "identity": 8081,
    "sharing": 8082,
    "documents": 8083,
    "interventions": 8084,
    "onboarding": 8085,
    "mailer": 8086,
    "web": 8087,
}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return default if raw in (None, "") else float(raw)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw in (None, "") else raw.strip().lower() in ("1", "true", "yes", "on")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def service_url(service: str) -> str:
    """Base URL of a service, `<SERVICE>_URL` or its local default port."""
    return env_str(f"{service.upper()}_URL", f"http://127.0.0.1:{SERVICE_PORTS[service]}")


class BaseConfig:
    """Settings shared by every service. A service subclasses it and adds its own in __init__.

    Every setting is a plain upper-case attribute so that `app.config.from_object(cfg)` takes it;
    tests pass overrides as keyword arguments instead of touching the environment.
    """

    default_handler_threads = 1  # CONSUMER_HANDLER_THREADS when unset (a service may say more)

    def __init__(self, service: str, **overrides: object) -> None:
        prefix = service.upper()
        self.SERVICE_NAME = service
        self.SQLALCHEMY_DATABASE_URI = env_str(
            f"{prefix}_DATABASE_URL", f"sqlite:///{VAR_DIR / 'db' / (service + '.db')}"
        )
        self.AMQP_URL = env_str("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
        self.EVENT_EXCHANGE = env_str("EVENT_EXCHANGE", "portal.events")
        self.PREFETCH = env_int("CONSUMER_PREFETCH", 20)
        # Threads handling deliveries at once: 1 keeps a service's events in delivery order; the
        # mailer's handlers need none. A worker killed between the SMTP server's acceptance of
        # an e-mail and its commit sends it again: how many such e-mails a kill finds depends
        # on the rate of e-mails and the commit's time, not on the number of threads.
        self.HANDLER_THREADS = env_int("CONSUMER_HANDLER_THREADS", self.default_handler_threads)
        # Back-off between attempts of a failing handler; after the last one the event is parked.
        self.RETRY_DELAYS = [float(s) for s in env_list("RETRY_DELAYS", "1,5,30,120")]
        self.DELIVERY_LIMIT = env_int("DELIVERY_LIMIT", 10)
        # Reconnection back-off to the broker doubles from 0.5 s up to this ceiling.
        self.RECONNECT_MAX_SECONDS = env_float("RECONNECT_MAX_SECONDS", 10)
        # Unconfirmed messages the relay keeps in flight (publisher confirms come back async).
        self.RELAY_WINDOW = env_int("OUTBOX_RELAY_WINDOW", 1000)
        # The relay's poll on SQLite; on PostgreSQL it wakes on NOTIFY and polls every
        # RELAY_POLL_SECONDS as a safety net. A standby relay retries the lock this often.
        self.RELAY_IDLE_SECONDS = env_float("OUTBOX_RELAY_IDLE_SECONDS", 0.2)
        self.RELAY_POLL_SECONDS = env_float("OUTBOX_RELAY_POLL_SECONDS", 1.0)
        self.RELAY_STANDBY_SECONDS = env_float("OUTBOX_RELAY_STANDBY_SECONDS", 1.0)
        # Published rows are deleted after this; their payloads can carry one-time links.
        self.OUTBOX_RETENTION_HOURS = env_float("OUTBOX_RETENTION_HOURS", 24)
        # processed_events rows (the consumer's dedupe record) are deleted after this: keep it
        # longer than any redelivery can come, including an operator replaying a parked event.
        self.PROCESSED_RETENTION_DAYS = env_float("PROCESSED_RETENTION_DAYS", 30)
        self.PURGE_INTERVAL_SECONDS = env_float("PURGE_INTERVAL_SECONDS", 3600)
        # The worker's /healthz and /metrics (worker.py); 0: none. Default: the service's port
        # + 1000 (identity 9081 ... mailer 9086).
        self.WORKER_ADMIN_PORT = env_int(
            "WORKER_ADMIN_PORT", SERVICE_PORTS[service] + 1000 if service in SERVICE_PORTS else 0
        )
        self.WORKER_ADMIN_HOST = env_str("WORKER_ADMIN_HOST", "0.0.0.0")  # noqa: S104 - probes
        # On SIGTERM a worker waits this long for the message in hand and the relay's confirms
        # (keep it under the orchestrator's grace period, 30 s by default).
        self.WORKER_STOP_SECONDS = env_float("WORKER_STOP_SECONDS", 25)
        self.JWKS_URL = env_str("JWKS_URL", service_url("identity") + "/.well-known/jwks.json")
        self.JWT_ISSUER = env_str("JWT_ISSUER", "portal-identity")
        self.JWT_AUDIENCE = env_str("JWT_AUDIENCE", "portal")
        self.PUBLIC_URL = env_str("PORTAL_PUBLIC_URL", "http://127.0.0.1:8080")
        # Seconds to connect to, then to wait for, a record's owner on a replica miss.
        self.READ_THROUGH_TIMEOUT = env_float("READ_THROUGH_TIMEOUT", 3)
        self.MAX_CONTENT_LENGTH = env_int(f"{prefix}_MAX_CONTENT_LENGTH", 1024 * 1024)
        # X-Forwarded-For is believed only from these peers (the gateway, an ingress), and read
        # back at most TRUSTED_PROXY_HOPS entries: the proxies in front (see network.py).
        self.TRUSTED_PROXIES = parse_networks(env_str("TRUSTED_PROXIES", LOOPBACK))
        self.TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 1)
        self.TESTING = False
        for key, value in overrides.items():
            setattr(self, key, value)
