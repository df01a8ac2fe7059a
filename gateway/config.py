"""Gateway settings, read once from the environment with the suite's one config loader."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from gateway.routes import SERVICES
from services.common.config import env_bool, env_float, env_int, env_str, service_url
from services.common.network import LOOPBACK, Network, parse_networks


@dataclass(frozen=True)
class Settings:
    """Everything the gateway reads from the environment; tests may build one directly."""

    upstreams: dict[str, str] = field(default_factory=dict)
    connect_timeout: float = 2.0
    read_timeout: float = 60.0
    pool_maxsize: int = 32
    health_timeout: float = 1.0
    openapi_timeout: float = 2.0
    openapi_ttl: float = 30.0
    access_log: bool = True
    # A request body gets body_timeout seconds, plus one per body_min_rate bytes received, and
    # may pause at most body_timeout; at most max_uploads bodies are read at once per process.
    body_timeout: float = 20.0
    body_min_rate: float = 1024.0
    max_uploads: int = 64
    # Bodies up to this size are received whole before the service sees them; larger ones stream.
    buffer_bytes: int = 256 * 1024
    # The port (bound by gunicorn, never routed publicly) where /metrics and the per-service
    # detail of /readyz are served.
    admin_port: int = 9080
    # Peers whose X-Forwarded-* headers are believed (an ingress in front); loopback by default.
    trusted_proxies: tuple[Network, ...] = parse_networks(LOOPBACK)
    # The object store, as the services reach it: downloads the documents service authorises
    # are fetched from it and spliced to the client here (gateway/offload.py). "" : off.
    store_url: str = ""


def load_settings() -> Settings:
    """Settings from `<SERVICE>_URL` and the `GATEWAY_*` variables."""
    return Settings(
        # Trailing slashes would double up with the absolute paths the gateway forwards.
        upstreams={name: service_url(name).rstrip("/") for name in SERVICES},
        connect_timeout=env_float("GATEWAY_CONNECT_TIMEOUT", 2.0),
        read_timeout=env_float("GATEWAY_READ_TIMEOUT", 60.0),
        # Kept-alive connections per service; a burst beyond it opens (and closes) extra ones.
        pool_maxsize=env_int("GATEWAY_POOL_MAXSIZE", 32),
        health_timeout=env_float("GATEWAY_HEALTH_TIMEOUT", 1.0),
        openapi_timeout=env_float("GATEWAY_OPENAPI_TIMEOUT", 2.0),
        openapi_ttl=env_float("GATEWAY_OPENAPI_TTL", 30.0),
        access_log=env_bool("GATEWAY_ACCESS_LOG", True),
        body_timeout=env_float("GATEWAY_BODY_TIMEOUT", 20.0),
        body_min_rate=env_float("GATEWAY_BODY_MIN_RATE", 1024.0),
        max_uploads=env_int("GATEWAY_MAX_UPLOADS", 64),
        buffer_bytes=env_int("GATEWAY_BUFFER_BYTES", 256 * 1024),
        admin_port=env_int("GATEWAY_ADMIN_PORT", 9080),
        trusted_proxies=parse_networks(env_str("TRUSTED_PROXIES", LOOPBACK)),
        store_url=store_url(env_str("GATEWAY_STORE_URL", "")),
    )


def store_url(value: str) -> str:
    """GATEWAY_STORE_URL as an origin (`http://host:port`), or "" when unset."""
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if value and (parts.scheme != "http" or not parts.hostname or parts.path or parts.query):
        raise ValueError(
            f"GATEWAY_STORE_URL={value!r}: give the object store's origin over plain HTTP, as "
            "the services reach it (http://host:port). A store reached over TLS cannot be "
            "spliced: leave it unset, and the documents service streams downloads itself."
        )
    return value
