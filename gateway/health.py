"""Liveness and readiness: /healthz says the gateway runs, /readyz that every service answers.

Which services are down is for operators: the public /readyz says only ready or not, the admin
port (GATEWAY_ADMIN_PORT, never routed publicly) names them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Response, jsonify

from gateway.config import Settings
from services.common.problems import problem
from services.common.upstream import UpstreamError, get_json


def healthz() -> Response:
    """Alive: the gateway answers, whatever the state of the services."""
    return jsonify(status="ok")


def readyz(settings: Settings, detailed: bool) -> Response:
    """Ready when every service's /healthz answers 200 within the health timeout."""
    names = list(settings.upstreams)
    # In parallel: the probe then takes one timeout at worst, not one per service.
    with ThreadPoolExecutor(max_workers=len(names)) as executor:
        results = list(executor.map(lambda name: _check(name, settings), names))
    down = {name: [why] for name, why in zip(names, results, strict=True) if why}
    if down and detailed:
        return problem(
            503, f"Services not ready: {', '.join(down)}.", code="SERVICES_UNAVAILABLE", errors=down
        )
    if down:
        return problem(503, "Some services are not ready.", code="SERVICES_UNAVAILABLE")
    if detailed:
        return jsonify(status="ready", services=dict.fromkeys(names, "up"))
    return jsonify(status="ready")


def _check(name: str, settings: Settings) -> str | None:
    """None when the service is up, else why it is not."""
    try:
        status, _ = get_json(
            settings.upstreams[name], "/healthz", settings, settings.health_timeout
        )
    except UpstreamError as error:
        return f"unreachable ({error.__class__.__name__})"
    return None if status == 200 else f"answered {status}"
