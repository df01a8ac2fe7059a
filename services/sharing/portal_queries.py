"""What a portal user sees: the matters whose audience includes them, read from that table alone.

The list is one indexed query on `audience` by user id joined to its matters, then one query
each for the page's companies, visible milestones and the caller's own collaborations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa

from services.common.models import is_id
from services.common.problems import ProblemError

from .models import AudienceEntry, Collaborator, Company, Matter, Milestone, db
from .views import users_by_id


def _shared_with_me(matter_id: str, user_id: str) -> tuple[Matter, str]:
    """The matter and my reasons if it is in my audience; otherwise 404 whether it exists or not."""
    query = (
        sa.select(Matter, AudienceEntry.reasons)
        .join(AudienceEntry, AudienceEntry.matter_id == Matter.id)
        .where(AudienceEntry.user_id == user_id, AudienceEntry.matter_id == matter_id)
    )
    row = db.session.execute(query).first() if is_id(matter_id) else None
    if row is None:
        raise ProblemError(
            404, "This matter does not exist or is not shared with you.", code="MATTER_NOT_FOUND"
        )
    return row[0], row[1]


def visible_matter(matter_id: str, user_id: str) -> Matter:
    return _shared_with_me(matter_id, user_id)[0]


def _items(rows: Sequence[tuple[Matter, str]], user_id: str) -> list[dict]:
    ids = [matter.id for matter, _ in rows]
    companies = dict(
        db.session.execute(
            sa.select(Company.id, Company.name).where(
                Company.id.in_({matter.company_id for matter, _ in rows})
            )
        ).all()
    )
    milestones: dict[str, list[Milestone]] = defaultdict(list)
    for milestone in db.session.scalars(
        sa.select(Milestone)
        .where(Milestone.matter_id.in_(ids), Milestone.portal_visible.is_(True))
        .order_by(Milestone.position, Milestone.created_at)
    ):
        milestones[milestone.matter_id].append(milestone)
    mine: dict[str, list[Collaborator]] = defaultdict(list)
    for collaborator in db.session.scalars(
        sa.select(Collaborator)
        .where(Collaborator.matter_id.in_(ids), Collaborator.user_id == user_id)
        .order_by(Collaborator.role)
    ):
        mine[collaborator.matter_id].append(collaborator)
    return [
        {
            "id": matter.id,
            "kind": matter.kind,
            "reference": matter.reference,
            "title": matter.title,
            "status": matter.status,
            "company": {"id": matter.company_id, "name": companies.get(matter.company_id, "")},
            "reasons": reasons.split(","),
            "attachments_visible_by_default": matter.attachments_visible_by_default,
            "collaborations": mine[matter.id],
            "milestones": milestones[matter.id],
            "updated_at": matter.updated_at,
        }
        for matter, reasons in rows
    ]


def matters_for(user_id: str, page: int, page_size: int) -> dict:
    query = (
        sa.select(Matter, AudienceEntry.reasons)
        .join(AudienceEntry, AudienceEntry.matter_id == Matter.id)
        .where(AudienceEntry.user_id == user_id)
        .order_by(Matter.created_at.desc(), Matter.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    total = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AudienceEntry)
        .where(AudienceEntry.user_id == user_id)
    )
    rows = [(matter, reasons) for matter, reasons in db.session.execute(query)]
    return {"items": _items(rows, user_id), "page": page, "page_size": page_size, "total": total}


def matter_for(matter_id: str, user_id: str) -> dict:
    """One matter of my audience, with where each collaborator stands."""
    item = _items([_shared_with_me(matter_id, user_id)], user_id)[0]
    collaborators = db.session.scalars(
        sa.select(Collaborator)
        .where(Collaborator.matter_id == matter_id)
        .order_by(Collaborator.created_at, Collaborator.id)
    ).all()
    users = users_by_id(c.user_id for c in collaborators)
    item["collaborators"] = [
        {
            "id": c.id,
            "name": users[c.user_id].name if c.user_id in users else "",
            "role": c.role,
            "status": c.status,
            "decided_at": c.decided_at,
        }
        for c in collaborators
    ]
    return item
