"""What a portal user sees: the matters whose audience includes them, read from that table alone.

The list is one indexed query on `audience` by user id joined to its matters and companies (with
the total as a window count), then one query each for the page's visible milestones and the
caller's own collaborations. Matters awaiting my decision or signature come first. Only the shown
columns are read, and the JSON is built here: the views return it as is, their marshmallow
schemas only document it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from services.common.models import is_id
from services.common.pagination import contains
from services.common.problems import ProblemError

from .models import AudienceEntry, Collaborator, Company, Matter, Milestone, Signature, db
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


# A matter awaits me while one of my collaborations on it (approve, sign) is still pending and
# the firm has not withdrawn it.
_AWAITING = (
    sa.exists()
    .where(
        Collaborator.matter_id == Matter.id,
        Collaborator.user_id == AudienceEntry.user_id,
        Collaborator.status == "pending",
        Collaborator.withdrawn_at.is_(None),
    )
    .label("awaiting")
)

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
    _AWAITING,
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
    .order_by(sa.desc("awaiting"), Matter.created_at.desc(), Matter.id)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)
_ONE = _my_matters(Matter.description).where(AudienceEntry.matter_id == sa.bindparam("matter_id"))
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
            "awaiting_my_action": bool(row.awaiting),
        }
        for row in rows
    ]


def _filters(q: str, company_id: str | None) -> list[sa.ColumnElement[bool]]:
    """`q` in the reference or title (case-insensitive); the company's matters, and those I am
    asked to approve or sign whatever their company (a counterparty's contract)."""
    found = []
    if q:
        found.append(sa.or_(contains(Matter.reference, q), contains(Matter.title, q)))
    if company_id is not None:
        found.append(
            sa.or_(Matter.company_id == company_id, AudienceEntry.reasons.contains("collaborator"))
        )
    return found


def matters_for(
    user_id: str, page: int, page_size: int, q: str | None = None, company_id: str | None = None
) -> dict:
    """One page of my matters, filtered as `_filters` says: the ones awaiting my action first,
    then newest first; the total comes with the page (a window count)."""
    conn = db.session.connection()
    params = {"user_id": user_id, "limit": page_size, "offset": (page - 1) * page_size}
    filters = _filters((q or "").strip(), company_id)
    page_query, count_query = _PAGE, _COUNT
    if filters:
        page_query = _PAGE.where(*filters)
        count_query = _COUNT.join(Matter, Matter.id == AudienceEntry.matter_id).where(*filters)
    rows = conn.execute(page_query, params).all()
    # Past the last page (or with no matters at all) there is no row to carry the count.
    total = rows[0].total if rows else conn.scalar(count_query, params)
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
    item["description"] = row.description
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


def my_signature(matter_id: str, user_id: str) -> dict:
    """My signature on a matter of my audience, as evidence I can keep: when, the name I typed,
    the address and browser it came from, and the documents (with their SHA-256) it covers."""
    matter = visible_matter(matter_id, user_id)
    signature = db.session.scalar(
        sa.select(Signature)
        .join(Collaborator, Collaborator.id == Signature.collaborator_id)
        .where(Collaborator.matter_id == matter.id, Collaborator.user_id == user_id)
    )
    if signature is None:
        raise ProblemError(404, "You have not signed this matter.", code="SIGNATURE_NOT_FOUND")
    company = db.session.get(Company, matter.company_id)
    return {
        "collaborator_id": signature.collaborator_id,
        "full_name": signature.full_name,
        "signed_at": signature.signed_at,
        "ip_address": signature.ip_address,
        "user_agent": signature.user_agent,
        "documents": signature.documents,
        "no_documents": not signature.documents,
        "matter": {
            "id": matter.id,
            "kind": matter.kind,
            "reference": matter.reference,
            "title": matter.title,
            "company": {"id": matter.company_id, "name": company.name if company else ""},
        },
    }
