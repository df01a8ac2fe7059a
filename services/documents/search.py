"""Searching a matter's documents by name, folder name and the text inside them: PostgreSQL's
own full-text search (the 'simple' configuration: clients write in several languages), or a
plain LIKE on SQLite."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from services.common.pagination import contains

from .models import Document, Folder, Version, db


def matching(query: Select, term: str) -> Select:
    """`query` (over Document) narrowed to the documents whose name, folder or current version's
    text matches `term`."""
    term = term.strip()
    if not term:
        return query
    folders = sa.select(Folder.id).where(contains(Folder.name, term))
    current = aliased(Version)  # the caller's query may join Version itself
    if db.engine.dialect.name == "postgresql":
        # The very expression of the GIN index ix_versions_text_search (literals, not bound
        # parameters, or the planner cannot use it).
        simple = sa.literal_column("'simple'::regconfig")
        vector = sa.func.to_tsvector(
            simple, sa.func.coalesce(current.text, sa.literal_column("''"))
        )
        in_text = vector.op("@@")(sa.func.plainto_tsquery(simple, term))
    else:
        in_text = contains(current.text, term)
    texts = (
        sa.select(current.id)
        .where(current.id == Document.current_version_id, in_text)
        .correlate(Document)
    )
    return query.where(
        sa.or_(
            contains(Document.name, term),
            Document.folder_id.in_(folders),
            texts.exists(),
        )
    )
