"""/healthz (alive), /readyz (the session store answers) and /metrics, like every service."""

from __future__ import annotations

from flask import Flask, current_app, jsonify

from services.common.observability import metrics_response
from services.common.problems import problem


def _healthz():
    return jsonify(status="ok", service="web")


def _readyz():
    # The API being down is not a reason to leave rotation: pages say "try again" themselves.
    try:
        current_app.extensions["web.redis"].ping()
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        detail = f"{type(error).__name__}: {error}"[:300]
        return problem(
            503, "Not ready: sessions unreachable.", code="NOT_READY", errors={"sessions": detail}
        )
    return jsonify(status="ready", checks=["sessions"])


def install(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.add_url_rule("/readyz", "readyz", _readyz)
    app.add_url_rule("/metrics", "metrics", metrics_response)
