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


def shared_with(matter_id: str, user_id: str) -> set[str]:
    """Ids of the matter's documents shared with this contact."""
    return set(
        db.session.scalars(
            sa.select(DocumentShare.document_id).where(
                DocumentShare.matter_id == matter_id, DocumentShare.user_id == user_id
            )
        )
    )


def may_download(document: Document, matter: Matter) -> bool:
    """The document's own setting, else the matter's default (preview only unless changed)."""
    if document.download_allowed is not None:
        return document.download_allowed
    return matter.download_allowed_by_default


def visible_documents(
    matter: Matter, user_id: str, term: str = ""
) -> list[tuple[Document, Version, list[str]]]:
    """What `user_id` sees of the matter: documents with their current version and folder
    path, by path then name; only those matching `term` when one is given."""
    folders = matter_folders(matter.matter_id)
    query = (
        sa.select(Document, Version)
        .join(Version, Version.id == Document.current_version_id)
        .where(Document.matter_id == matter.matter_id)
    )
    rows = db.session.execute(matching(query, term)).all()
    shared = shared_with(matter.matter_id, user_id)
    found = [
        (document, version, folder_path(document.folder_id, folders))
        for document, version in rows
        if document.id in shared or shown(document, matter, folders)
    ]
    return sorted(found, key=lambda r: ([n.lower() for n in r[2]], r[0].name.lower(), r[0].id))


def visible_document(document_id: str, user_id: str) -> tuple[Document, Version, Matter] | None:
    """The document, its current version and matter if `user_id` may see it in the portal."""
    document = db.session.get(Document, document_id) if is_id(document_id) else None
    if document is None or document.current_version_id is None:
        return None
    matter = portal_matter(document.matter_id, user_id)
    if matter is None:
        return None
    is_shared = db.session.get(DocumentShare, (document.id, user_id)) is not None
    if not is_shared and not shown(document, matter, matter_folders(matter.matter_id)):
        return None
    return document, db.session.get(Version, document.current_version_id), matter
