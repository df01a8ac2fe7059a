"""Per-contact sharing: which documents of a matter each client contact sees on top of what
the whole audience sees, saved as "these contacts share exactly these documents"."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql

from services.common.auth import Caller
from services.common.outbox import add_event
from services.common.problems import ProblemError

from .events import documents_shared
from .models import AudienceMember, Document, DocumentShare, Matter, db


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# On PostgreSQL, the ids of the contacts each document is shared with: a mirror of its share
# rows kept by triggers on document_shares, GIN-indexed (migration 0007). Not mapped on
# Document: SQLite has no such column, and nothing but these triggers writes it.
_SHARED_WITH = sa.literal_column("documents.shared_with", postgresql.ARRAY(sa.String()))


def shared_with_all(contacts: list[str]) -> sa.ColumnElement[bool]:
    """SQL for "the Document is shared with every one of `contacts`": one GIN index lookup on
    PostgreSQL (a GROUP BY of the contacts' share rows read 25,000 of them for 5 contacts of
    a large matter); on SQLite, its share rows counted."""
    if db.engine.dialect.name == "postgresql":
        return _SHARED_WITH.contains(contacts)
    held = (
        sa.select(sa.func.count())
        .where(DocumentShare.document_id == Document.id, DocumentShare.user_id.in_(contacts))
        .scalar_subquery()
    )
    return held == len(contacts)


def _invalid(field: str, message: str) -> ProblemError:
    return ProblemError(422, message, code="VALIDATION_FAILED", errors={field: [message]})


def save(matter: Matter, body: dict, caller: Caller) -> dict:
    """Make `documents` exactly what `contacts` have in common: what they shared before and is
    no longer listed stops being shared with each of them; documents shared with only some of
    them are left alone. Saves of one matter run one after the other (the matter's row lock);
    the same save twice changes nothing and e-mails nobody."""
    contacts, wanted = _unique(body["contacts"]), _unique(body["documents"])
    db.session.execute(
        sa.select(Matter.matter_id).where(Matter.matter_id == matter.matter_id).with_for_update()
    )
    audience = set(
        db.session.scalars(
            sa.select(AudienceMember.user_id).where(AudienceMember.matter_id == matter.matter_id)
        )
    )
    outside = [c for c in contacts if c not in audience]
    if outside:
        raise _invalid(
            "contacts",
            "Only contacts who can see this matter in the portal can be picked; not in its "
            f"audience: {', '.join(o[:64] for o in outside)}. Give them access to the matter "
            "first.",
        )
    found = {
        d.id: d
        for d in db.session.scalars(
            sa.select(Document).where(
                Document.id.in_(wanted), Document.matter_id == matter.matter_id
            )
        )
    }
    foreign = [d for d in wanted if d not in found]
    if foreign:
        raise _invalid(
            "documents",
            f"These are not documents of this matter: {', '.join(f[:64] for f in foreign)}.",
        )
    before = set(
        db.session.scalars(
            sa.select(Document.id).where(
                Document.matter_id == matter.matter_id, shared_with_all(contacts)
            )
        )
    )
    dropped = before - set(wanted)
    if dropped:
        db.session.execute(
            sa.delete(DocumentShare).where(
                DocumentShare.matter_id == matter.matter_id,
                DocumentShare.user_id.in_(contacts),
                DocumentShare.document_id.in_(dropped),
            )
        )
    held = {
        tuple(row)
        for row in db.session.execute(
            sa.select(DocumentShare.user_id, DocumentShare.document_id).where(
                DocumentShare.matter_id == matter.matter_id, DocumentShare.user_id.in_(contacts)
            )
        )
    }
    portal_url = f"{current_app.config['PORTAL_WEB_URL']}/matters/{matter.matter_id}"
    # Inserted document by document: each statement of the bulk insert then updates a
    # document's contacts (the triggers of migration 0007) once, not once per contact.
    new_rows = [
        {"document_id": d, "user_id": c, "matter_id": matter.matter_id, "shared_by": caller.user_id}
        for d in wanted
        for c in contacts
        if (c, d) not in held
    ]
    if new_rows:
        db.session.execute(sa.insert(DocumentShare), new_rows)
    added: dict[str, list[str]] = {}
    for contact in contacts:
        new = [d for d in wanted if (contact, d) not in held]
        if new:
            added[contact] = new
            documents = [found[d] for d in new]
            add_event(
                documents_shared(matter.matter_id, contact, documents, caller.user_id, portal_url)
            )
    db.session.commit()
    return {
        "matter_id": matter.matter_id,
        "contacts": contacts,
        "documents": wanted,
        "added": [{"contact": c, "documents": d} for c, d in added.items()],
        "removed": sorted(dropped),
    }
