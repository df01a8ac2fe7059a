"""What the staff API shows of matters and collaborators, built a page at a time (no N+1)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from .models import Collaborator, Company, Matter, User, db


def users_by_id(ids: Iterable[str | None]) -> dict[str, User]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))}


def person(user_id: str | None, users: dict[str, User]) -> dict | None:
    """A person as the firm sees them; an id the replica does not know yet keeps its id."""
    if user_id is None:
        return None
    user = users.get(user_id)
    if user is None:
        return {"id": user_id, "name": "", "email": ""}
    return {"id": user.id, "name": user.name, "email": user.email}


def matter_views(matters: Sequence[Matter]) -> list[dict]:
    """Matters with their company, owner and portal state, from two extra queries per page."""
    companies = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Company).where(Company.id.in_({m.company_id for m in matters}))
        )
    }
    users = users_by_id(
        [m.owner_id for m in matters]
        + [m.requester_id for m in matters]
        + [w.user_id for m in matters for w in m.watchers]
    )
    views = []
    for matter in matters:
        company = companies.get(matter.company_id)
        views.append(
            {
                "id": matter.id,
                "kind": matter.kind,
                "reference": matter.reference,
                "title": matter.title,
                "description": matter.description,
                "status": matter.status,
                "company": {"id": matter.company_id, "name": company.name if company else ""},
                "owner": person(matter.owner_id, users),
                "archived": matter.archived_at is not None,
                "archived_at": matter.archived_at,
                "portal": {
                    "visible": matter.visible,
                    "requester": person(matter.requester_id, users),
                    "watchers": [person(w.user_id, users) for w in matter.watchers],
                    "attachments_visible_by_default": matter.attachments_visible_by_default,
                },
                "created_at": matter.created_at,
                "updated_at": matter.updated_at,
            }
        )
    return views


def matter_view(matter: Matter) -> dict:
    return matter_views([matter])[0]


def collaborator_views(collaborators: Sequence[Collaborator]) -> list[dict]:
    users = users_by_id(
        [c.user_id for c in collaborators] + [c.withdrawn_by for c in collaborators]
    )
    return [
        {
            "id": c.id,
            "user": person(c.user_id, users),
            "role": c.role,
            "status": c.status,
            "decided_at": c.decided_at,
            "comment": c.comment,
            "signature": c.signature,
            "created_at": c.created_at,
            "withdrawn_at": c.withdrawn_at,
            "withdrawn_by": person(c.withdrawn_by, users),
        }
        for c in collaborators
    ]
