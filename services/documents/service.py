"""Use cases of the documents service: folders, documents, uploads of new versions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from services.common import storage
from services.common.auth import Caller
from services.common.models import is_id
from services.common.outbox import add_event
from services.common.pagination import paginate
from services.common.problems import ProblemError, field_error

from . import read_through
from .events import version_added
from .models import Document, Folder, Matter, Version, db
from .uploads import UploadForm, clean_name
from .visibility import matter_folders, shown

UPLOAD_FIELDS = ("folder_id", "name")


def known_matter(matter_id: str) -> Matter:
    """The matter, asked of sharing if not replicated yet (staff endpoints only: the staff
    caller's token is what sharing authorizes). Call it before changing anything: a
    read-through commits what it learnt."""
    matter = read_through.matter(matter_id)
    if matter is None:
        raise ProblemError(
            404,
            f"No matter has the id '{matter_id[:64]}'; check the id in /api/v1/matters.",
            code="MATTER_NOT_FOUND",
        )
    return matter


def folder_in(matter_id: str, folder_id: str, field: str = "folder_id") -> Folder:
    folder = db.session.get(Folder, folder_id) if is_id(folder_id) else None
    if folder is None or folder.matter_id != matter_id:
        raise field_error(field, f"No folder with the id '{folder_id[:64]}' is in this matter.")
    return folder


def folder_of(matter_id: str, folder_id: str) -> Folder:
    folder = db.session.get(Folder, folder_id) if is_id(folder_id) else None
    if folder is None or folder.matter_id != matter_id:
        raise ProblemError(
            404, f"No folder has the id '{folder_id[:64]}' in this matter.", code="FOLDER_NOT_FOUND"
        )
    return folder


def document_of(document_id: str) -> Document:
    document = db.session.get(Document, document_id) if is_id(document_id) else None
    if document is None:
        raise ProblemError(
            404, f"No document has the id '{document_id[:64]}'.", code="DOCUMENT_NOT_FOUND"
        )
    return document


def version_of(document: Document, version_id: str | None) -> Version:
    version = db.session.get(Version, version_id or document.current_version_id or "")
    if version is None or version.document_id != document.id:
        raise ProblemError(
            404,
            f"Document '{document.id}' has no version '{(version_id or '')[:64]}'.",
            code="VERSION_NOT_FOUND",
        )
    return version


def _check_folder_name(
    matter_id: str, parent_id: str | None, name: str, folder_id: str = ""
) -> None:
    taken = db.session.scalar(
        sa.select(Folder.id).where(
            Folder.matter_id == matter_id,
            Folder.parent_id.is_(None) if parent_id is None else Folder.parent_id == parent_id,
            sa.func.lower(Folder.name) == name.lower(),
            Folder.id != folder_id,
        )
    )
    if taken is not None:
        raise ProblemError(
            409,
            f"A folder named '{name}' already exists here; choose another name or use it.",
            code="FOLDER_NAME_TAKEN",
        )


def create_folder(matter_id: str, body: dict) -> Folder:
    known_matter(matter_id)
    if body["parent_id"] is not None:
        folder_in(matter_id, body["parent_id"], "parent_id")
    _check_folder_name(matter_id, body["parent_id"], body["name"])
    folder = Folder(matter_id=matter_id, **body)
    db.session.add(folder)
    db.session.commit()
    return folder


def update_folder(matter_id: str, folder_id: str, body: dict) -> Folder:
    folder = folder_of(matter_id, folder_id)
    if "name" in body:
        _check_folder_name(matter_id, folder.parent_id, body["name"], folder.id)
    for key, value in body.items():
        setattr(folder, key, value)
    db.session.commit()
    return folder


def update_document(document_id: str, body: dict) -> Document:
    document = document_of(document_id)
    if body.get("folder_id") is not None:
        folder_in(document.matter_id, body["folder_id"])
    for key, value in body.items():
        setattr(document, key, value)
    db.session.commit()
    return document


def _view(document: Document, matter: Matter | None, folders: dict, version: Version | None):
    visible = matter is not None and matter.visible and shown(document, matter, folders)
    return {
        **{c.key: getattr(document, c.key) for c in Document.__table__.columns},
        "visible_in_portal": visible,
        "current_version": version,
    }


def document_view(document: Document) -> dict:
    """A document as staff see it, with its current version and what the portal shows."""
    return _view(
        document,
        db.session.get(Matter, document.matter_id),
        matter_folders(document.matter_id),
        db.session.get(Version, document.current_version_id or ""),
    )


def list_documents(matter_id: str, folder_id: str | None, page: int, size: int) -> dict:
    matter = known_matter(matter_id)
    query = sa.select(Document).where(Document.matter_id == matter_id)
    if folder_id is not None:
        query = query.where(Document.folder_id == folder_of(matter_id, folder_id).id)
    listed = paginate(db.session, query.order_by(Document.name, Document.id), page, size)
    documents = listed["items"]
    version_ids = [d.current_version_id for d in documents if d.current_version_id]
    versions = {
        v.id: v for v in db.session.scalars(sa.select(Version).where(Version.id.in_(version_ids)))
    }
    folders = matter_folders(matter_id)
    items = [_view(d, matter, folders, versions.get(d.current_version_id)) for d in documents]
    return {**listed, "items": items}


def _store(app: Flask, form: UploadForm) -> storage.StoredObject:
    # The upload may take minutes: give the database connection back while the bytes flow.
    db.session.rollback()
    return storage.put_stream(app, form, app.config["MAX_UPLOAD_BYTES"])


def _add_version(document: Document, stored: storage.StoredObject, caller: Caller) -> Version:
    if stored.size == 0:
        raise field_error("file", "The file is empty; choose a file that has content.")
    version = Version(
        document_id=document.id,
        object_key=stored.key,
        size=stored.size,
        sha256=stored.sha256,
        content_type=stored.content_type,
        uploaded_by=caller.user_id,
        uploaded_by_kind=caller.kind,
    )
    db.session.add(version)
    db.session.flush()
    document.current_version_id = version.id
    add_event(version_added(document, version))
    return version


def upload_document(app: Flask, matter_id: str, form: UploadForm, caller: Caller) -> Document:
    """A new document from the form's `folder_id`, `name` and `file` (fields first)."""
    known_matter(matter_id)
    fields = form.fields()
    for unknown in sorted(set(fields) - set(UPLOAD_FIELDS)):
        raise field_error(unknown, f"Unknown field; send only {', '.join(UPLOAD_FIELDS)} and file.")
    folder_id = fields.get("folder_id") or None
    if folder_id is not None:
        folder_in(matter_id, folder_id)
    name = (
        clean_name(fields["name"])
        if "name" in fields
        else clean_name(form.filename, from_path=True)
    )
    if not name:
        raise field_error("name", "Give the file a name with at least one visible character.")
    stored = _store(app, form)
    with storage.deleted_on_error(app, stored.key):
        form.finish()
        if folder_id is not None:
            folder_in(matter_id, folder_id)  # still there after the upload
        document = Document(
            matter_id=matter_id, folder_id=folder_id, name=name, created_by=caller.user_id
        )
        db.session.add(document)
        db.session.flush()
        _add_version(document, stored, caller)
        db.session.commit()
    return document


def upload_version(app: Flask, document_id: str, form: UploadForm, caller: Caller) -> Version:
    """A new current version of a document, from the form's `file` part."""
    document_of(document_id)
    for unknown in sorted(form.fields()):
        raise field_error(unknown, "Unknown field; send only the file.")
    stored = _store(app, form)
    with storage.deleted_on_error(app, stored.key):
        form.finish()
        version = _add_version(document_of(document_id), stored, caller)
        db.session.commit()
    return version
