"""Matters the replica has not heard of yet, asked of sharing (services/common/read_through).

A matter registered a moment ago may not have reached this replica: sharing's answer (the data
of its last `sharing.audience.changed`) fills it, with sharing's version, so the event arriving
later changes nothing it should not.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import IntegrityError

from services.common.models import is_id
from services.common.read_through import ask_owner

from .handlers import AUDIENCE_CHANGED, apply_audience
from .models import Matter, db


def matter(matter_id: str) -> Matter | None:
    """The replica's matter, asked of sharing on a miss; None if sharing has none either."""
    if not is_id(matter_id):
        return None
    found = db.session.get(Matter, matter_id)
    if found is not None:
        return found
    url = f"{current_app.config['SHARING_URL'].rstrip('/')}/api/v1/matters/{matter_id}/audience"
    answer = ask_owner(url, "The matter")
    if answer is None:
        return None
    try:
        apply_audience(AUDIENCE_CHANGED.load(answer))
        # At once, on its own: use cases call this before changing anything, and an upload
        # gives its connection back (rollback) before the bytes flow.
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the worker applied the event meanwhile: its row is read below
    return db.session.get(Matter, matter_id)
