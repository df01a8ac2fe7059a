"""Operator endpoints every service has: outbox backlog, parked events and their replay."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .auth import staff_required
from .outbox import backlog
from .parking import list_parked, replay_parked
from .problems import ProblemError

admin_blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@admin_blueprint.get("/outbox")
@staff_required("admin")
def outbox_backlog():
    return jsonify(backlog(current_app))


@admin_blueprint.get("/parked")
@staff_required("admin")
def parked_events():
    limit = request.args.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= 1000:
        raise ProblemError(
            400, "'limit' must be a whole number from 1 to 1000.", code="INVALID_LIMIT"
        )
    return jsonify(items=list_parked(current_app, int(limit)))


@admin_blueprint.post("/parked/replay")
@staff_required("admin")
def replay():
    """Replay every parked event, or only `?message_id=...`."""
    message_id = request.args.get("message_id")
    count = replay_parked(current_app, message_id)
    if message_id and count == 0:
        raise ProblemError(
            404, f"No parked event has the id {message_id}.", code="PARKED_EVENT_NOT_FOUND"
        )
    return jsonify(replayed=count)
