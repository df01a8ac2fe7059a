"""What a portal user sees: the matters whose audience includes them, read from that table alone.

The list is one indexed query on `audience` by user id joined to its matters and companies (with
the total as a window count), then one query each for the page's visible milestones and the
caller's own collaborations. Only the shown columns are read, and the JSON is built here: the
views return it as is, their marshmallow schemas only document it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from services.common.models import is_id
from services.common.problems import ProblemError

from .models import AudienceEntry, Collaborator, Company, Matter, Milestone, db
from .views import users_by_id


def _not_found() -> ProblemError:
    return ProblemError(
        404, "This matter does not exist or is not shared with you.", code="MATTER_NOT_FOUND"
    )


def visible_matter(matter_id: str, user_id: str) -> Matter:
    """The matter if it is in my audience; otherwise 404 whether it exists or not."""
    query = (
        sa.select(Matter)
        .join(AudienceEntry, AudienceEntry.matter_id == Matter.id)
        .where(AudienceEntry.user_id == user_id, AudienceEntry.matter_id == matter_id)
    )
    matter = db.session.scalar(query) if is_id(matter_id) else None
    if matter is None:
        raise _not_found()
    return matter


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# A page's matters as plain rows: the columns the portal shows, my reasons, the company's name.
_ITEM_COLUMNS = (
    Matter.id,
    Matter.kind,
    Matter.reference,
    Matter.title,
    Matter.status,
    Matter.company_id,
    sa.func.coalesce(Company.name, "").label("company_name"),
    AudienceEntry.reasons,
    Matter.attachments_visible_by_default,
    Matter.updated_at,
)


def _my_matters(*columns: sa.ColumnElement) -> sa.Select:
    """My matters (`user_id` parameter) with the columns shown."""
    return (
        sa.select(*_ITEM_COLUMNS, *columns)
        .select_from(AudienceEntry)
        .join(Matter, Matter.id == AudienceEntry.matter_id)
        .outerjoin(Company, Company.id == Matter.company_id)
        .where(AudienceEntry.user_id == sa.bindparam("user_id"))
    )


# Built once and run on the session's connection: building a statement, and the ORM's handling
# of one that loads no entities, cost more Python than running it.
_PAGE = (
    _my_matters(sa.func.count().over().label("total"))
    .order_by(Matter.created_at.desc(), Matter.id)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)
_ONE = _my_matters().where(AudienceEntry.matter_id == sa.bindparam("matter_id"))
_COUNT = (
    sa.select(sa.func.count())
    .select_from(AudienceEntry)
    .where(AudienceEntry.user_id == sa.bindparam("user_id"))
)
_MILESTONES = (
    sa.select(
        Milestone.matter_id,
        Milestone.id,
        Milestone.title,
        Milestone.due_date,
        Milestone.status,
        Milestone.position,
    )
    .where(
        Milestone.matter_id.in_(sa.bindparam("ids", expanding=True)),
        Milestone.portal_visible.is_(True),
    )
    .order_by(Milestone.position, Milestone.created_at)
)
_MY_COLLABORATIONS = (
    sa.select(
        Collaborator.matter_id,
        Collaborator.id,
        Collaborator.role,
        Collaborator.status,
        Collaborator.decided_at,
        Collaborator.comment,
    )
    .where(
        Collaborator.matter_id.in_(sa.bindparam("ids", expanding=True)),
        Collaborator.user_id == sa.bindparam("user_id"),
        Collaborator.withdrawn_at.is_(None),
    )
    .order_by(Collaborator.role)
)


def _items(rows: Sequence[sa.Row], user_id: str) -> list[dict]:
    """The rows as the JSON of `PortalMatterSchema`, with my collaborations and milestones."""
    conn = db.session.connection()
    params = {"ids": [row.id for row in rows], "user_id": user_id}
    milestones: dict[str, list[dict]] = defaultdict(list)
    for m in conn.execute(_MILESTONES, params):
        milestones[m.matter_id].append(
            {
                "id": m.id,
                "title": m.title,
                "due_date": _iso(m.due_date),
                "status": m.status,
                "position": m.position,
            }
        )
    mine: dict[str, list[dict]] = defaultdict(list)
    for c in conn.execute(_MY_COLLABORATIONS, params):
        mine[c.matter_id].append(
            {
                "id": c.id,
                "role": c.role,
                "status": c.status,
                "decided_at": _iso(c.decided_at),
                "comment": c.comment,
            }
        )
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "reference": row.reference,
            "title": row.title,
            "status": row.status,
            "company": {"id": row.company_id, "name": row.company_name},
            "reasons": row.reasons.split(","),
            "attachments_visible_by_default": row.attachments_visible_by_default,
            "collaborations": mine[row.id],
            "milestones": milestones[row.id],
            "updated_at": _iso(row.updated_at),
        }
        for row in rows
    ]


def matters_for(user_id: str, page: int, page_size: int) -> dict:
    """One page of my matters, newest first; the total comes with the page (a window count)."""
    conn = db.session.connection()
    params = {"user_id": user_id, "limit": page_size, "offset": (page - 1) * page_size}
    rows = conn.execute(_PAGE, params).all()
    # Past the last page (or with no matters at all) there is no row to carry the count.
    total = rows[0].total if rows else conn.scalar(_COUNT, params)
    return {"items": _items(rows, user_id), "page": page, "page_size": page_size, "total": total}


def matter_for(matter_id: str, user_id: str) -> dict:
    """One matter of my audience, with where each collaborator stands."""
    row = (
        db.session.connection().execute(_ONE, {"user_id": user_id, "matter_id": matter_id}).first()
        if is_id(matter_id)
        else None
    )
    if row is None:
        raise _not_found()
    item = _items([row], user_id)[0]
    collaborators = db.session.scalars(
        sa.select(Collaborator)
        .where(Collaborator.matter_id == matter_id, Collaborator.withdrawn_at.is_(None))
        .order_by(Collaborator.created_at, Collaborator.id)
    ).all()
    users = users_by_id(c.user_id for c in collaborators)
    item["collaborators"] = [
        {
            "id": c.id,
            "name": users[c.user_id].name if c.user_id in users else "",
            "role": c.role,
            "status": c.status,
            "decided_at": _iso(c.decided_at),
        }
        for c in collaborators
    ]
    return item
