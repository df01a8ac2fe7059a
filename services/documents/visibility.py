"""Who sees what in the portal: the audience replica, and a document's effective visibility.

A document is shown to a portal user when its matter is visible, the user is in the matter's
audience, and either it is shared with that user (per-contact sharing, or their own upload) or
the nearest setting shows it to the whole audience: the document's own, else the nearest folder
up the chain that has one, else the matter's attachments-visible-by-default.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from services.common.models import is_id

from .models import AudienceMember, Document, DocumentShare, Folder, Matter, Version, db
from .paging import page_and_total
from .search import matching


def portal_matter(matter_id: str, user_id: str) -> Matter | None:
    """The matter if it is visible and `user_id` is in its audience; None otherwise."""
    if not is_id(matter_id):
        return None
    return db.session.scalars(
        sa.select(Matter)
        .join(AudienceMember, AudienceMember.matter_id == Matter.matter_id)
        .where(
            Matter.matter_id == matter_id,
            Matter.visible.is_(True),
            AudienceMember.user_id == user_id,
        )
    ).first()


def matter_folders(matter_id: str) -> dict[str, Folder]:
    return {
        f.id: f for f in db.session.scalars(sa.select(Folder).where(Folder.matter_id == matter_id))
    }


def folder_setting(folder_id: str | None, folders: Mapping[str, Folder]) -> bool | None:
    """The nearest explicit setting from `folder_id` up to the root; None when none has one."""
    seen: set[str] = set()
    while folder_id is not None and folder_id not in seen:
        seen.add(folder_id)
        folder = folders.get(folder_id)
        if folder is None:
            return None
        if folder.portal_visible is not None:
            return folder.portal_visible
        folder_id = folder.parent_id
    return None


def shown(document: Document, matter: Matter, folders: Mapping[str, Folder]) -> bool:
    """The document's effective setting (the matter's own visibility is checked apart)."""
    if document.portal_visible is not None:
        return document.portal_visible
    inherited = folder_setting(document.folder_id, folders)
    return matter.attachments_visible_by_default if inherited is None else inherited


def folder_path(folder_id: str | None, folders: Mapping[str, Folder]) -> list[str]:
    """Folder names from the matter's root down to `folder_id`."""
    names: list[str] = []
    seen: set[str] = set()
    while folder_id is not None and folder_id in folders and folder_id not in seen:
        seen.add(folder_id)
        names.append(folders[folder_id].name)
        folder_id = folders[folder_id].parent_id
    return names[::-1]


def may_download(document: Document, matter: Matter) -> bool:
    """The document's own setting, else the matter's default (preview only unless changed)."""
    if document.download_allowed is not None:
        return document.download_allowed
    return matter.download_allowed_by_default


def _by_folder(matter: Matter, folders: Mapping[str, Folder]) -> sa.ColumnElement[bool]:
    """SQL for "the document's folders (or the matter's default) show it", for a document
    without its own setting. The folders of a matter are few: their effective settings are
    worked out here, only the folders that differ from the matter's default go to SQL."""
    default = matter.attachments_visible_by_default
    differ = []
    for folder_id in folders:
        inherited = folder_setting(folder_id, folders)
        if inherited is not None and inherited != default:
            differ.append(folder_id)
    if default:  # also a document in no folder, or in one not of this matter
        return sa.or_(Document.folder_id.is_(None), Document.folder_id.not_in(differ))
    return Document.folder_id.in_(differ)


def _visible_to(matter: Matter, user_id: str, folders: Mapping[str, Folder]) -> sa.Select:
    """The matter's documents with a current version that `user_id` sees: shared with them,
    or shown by the nearest setting (`shown`, in SQL)."""
    shared = (  # the contact's shares in the matter, read from ix_document_shares_matter_user
        sa.select(DocumentShare.document_id)
        .where(
            DocumentShare.matter_id == matter.matter_id,
            DocumentShare.user_id == user_id,
            DocumentShare.document_id == Document.id,
        )
        .exists()
    )
    return sa.select(Document).where(
        Document.matter_id == matter.matter_id,
        Document.current_version_id.is_not(None),
        sa.or_(
            Document.portal_visible.is_(True),
            sa.and_(Document.portal_visible.is_(None), _by_folder(matter, folders)),
            shared,
        ),
    )


def _folder_order(folders: Mapping[str, Folder]) -> list[sa.ColumnElement]:
    """Each folder's place when documents are listed by folder path (lowercased, from the
    root); 0 for no folder. Equal paths share a place, the document's name decides."""
    paths = {f: tuple(n.lower() for n in folder_path(f, folders)) for f in folders}
    place = {path: n for n, path in enumerate(sorted(set(paths.values()) | {()}))}
    if len(place) == 1:  # the matter has no folders: nothing to order by
        return []
    whens = {f: place[path] for f, path in paths.items()}
    return [sa.case(whens, value=Document.folder_id, else_=0)]


def _codepoint(expression: sa.ColumnElement) -> sa.ColumnElement:
    """Ordered by code point, as Python orders strings (PostgreSQL's locale would not)."""
    if db.engine.dialect.name == "postgresql":
        return expression.collate("C")
    return expression


def visible_documents(
    matter: Matter, user_id: str, term: str, page: int, page_size: int
) -> tuple[list[tuple[Document, Version, list[str]]], int]:
    """One page of what `user_id` sees of the matter (only what matches `term` when one is
    given): documents with their current version and folder path, by path then name; and
    how many there are in all. Filtered, counted and paged by the database."""
    folders = matter_folders(matter.matter_id)
    query = matching(_visible_to(matter, user_id, folders), term)
    ordered = query.order_by(
        *_folder_order(folders),
        _codepoint(sa.func.lower(Document.name)),
        _codepoint(Document.id),
    )
    rows, total = page_and_total(ordered, page, page_size)
    documents = [row[0] for row in rows]
    # The page's versions only: joined in the query, every version of the matter was hashed.
    wanted = [d.current_version_id for d in documents]
    versions = {
        v.id: v for v in db.session.scalars(sa.select(Version).where(Version.id.in_(wanted)))
    }
    listed = [
        (d, versions[d.current_version_id], folder_path(d.folder_id, folders))
        for d in documents
        if d.current_version_id in versions
    ]
    return listed, total


def visible_ids(matter: Matter, user_id: str) -> sa.Select:
    """The ids of the documents `user_id` sees in the matter, as a subquery for SQL."""
    return _visible_to(matter, user_id, matter_folders(matter.matter_id)).with_only_columns(
        Document.id
    )


def visible_document(document_id: str, user_id: str) -> tuple[Document, Version, Matter] | None:
    """The document, its current version and matter if `user_id` may see it in the portal.

    One query answers it before a download's first byte (it was five): the document with its
    version, its matter when visible with the user in the audience, and whether it is shared
    with them; the folders are read only when the document takes its setting from one.
    """
    if not is_id(document_id):
        return None
    row = db.session.execute(
        _VISIBLE_DOCUMENT, {"document_id": document_id, "user_id": user_id}
    ).first()
    if row is None:
        return None
    document, version, matter, shared = row
    inherits = document.portal_visible is None and document.folder_id is not None
    folders = matter_folders(matter.matter_id) if inherits else {}
    if not shared and not shown(document, matter, folders):
        return None
    return document, version, matter


# Built once: every preview and download asks it before its first byte.
_VISIBLE_DOCUMENT = (
    sa.select(
        Document,
        Version,
        Matter,
        sa.select(DocumentShare.user_id)
        .where(
            DocumentShare.document_id == Document.id,
            DocumentShare.user_id == sa.bindparam("user_id"),
        )
        .exists(),
    )
    .join(Version, Version.id == Document.current_version_id)
    .join(Matter, Matter.matter_id == Document.matter_id)
    .join(AudienceMember, AudienceMember.matter_id == Matter.matter_id)
    .where(
        Document.id == sa.bindparam("document_id"),
        Matter.visible.is_(True),
        AudienceMember.user_id == sa.bindparam("user_id"),
    )
)
