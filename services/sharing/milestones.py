"""Use cases on a matter's milestones: shown in the portal with the matter unless hidden."""

from __future__ import annotations

import sqlalchemy as sa

from services.common.models import is_id
from services.common.pagination import paginate
from services.common.problems import ProblemError

from .models import Milestone, db
from .service import get_matter


def list_milestones(matter_id: str, page: int, page_size: int) -> dict:
    get_matter(matter_id)
    query = (
        sa.select(Milestone)
        .where(Milestone.matter_id == matter_id)
        .order_by(Milestone.position, Milestone.created_at)
    )
    return paginate(db.session, query, page, page_size)


def get_milestone(matter_id: str, milestone_id: str) -> Milestone:
    get_matter(matter_id)
    milestone = db.session.get(Milestone, milestone_id) if is_id(milestone_id) else None
    if milestone is None or milestone.matter_id != matter_id:
        raise ProblemError(
            404,
            f"Matter {matter_id} has no milestone with the id {milestone_id}.",
            code="MILESTONE_NOT_FOUND",
        )
    return milestone


def add_milestone(matter_id: str, data: dict) -> Milestone:
    matter = get_matter(matter_id, lock=True)  # concurrent adds do not share a position
    if data.get("position") is None:
        last = db.session.scalar(
            sa.select(sa.func.max(Milestone.position)).where(Milestone.matter_id == matter.id)
        )
        data = {**data, "position": 0 if last is None else last + 1}
    milestone = Milestone(matter_id=matter.id, **data)
    db.session.add(milestone)
    db.session.commit()
    return milestone


def update_milestone(matter_id: str, milestone_id: str, data: dict) -> Milestone:
    milestone = get_milestone(matter_id, milestone_id)
    for name, value in data.items():
        setattr(milestone, name, value)
    db.session.commit()
    return milestone


def delete_milestone(matter_id: str, milestone_id: str) -> None:
    db.session.delete(get_milestone(matter_id, milestone_id))
    db.session.commit()
