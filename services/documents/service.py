"""Use cases of the documents service: folders, documents, uploads of new versions."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask

from services.common import storage
from services.common.auth import Caller
from services.common.models import is_id, new_id
from services.common.outbox import add_event
from services.common.problems import ProblemError, field_error

from . import read_through, renditions, shares
from .events import uploaded_by_client, version_added
from .file_types import type_check
from .models import Document, DocumentShare, Folder, Matter, Version, db
from .paging import page_and_total
from .search import matching
from .uploads import UploadForm, checked_name
from .visibility import matter_folders, may_download, portal_matter, shown, visible_document

log = logging.getLogger(__name__)

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


def update_matter_settings(matter_id: str, body: dict) -> Matter:
    matter = known_matter(matter_id)
    matter.download_allowed_by_default = body["download_allowed_by_default"]
    db.session.commit()
    return matter


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
        "may_download": matter is not None and may_download(document, matter),
        "current_version": version,
    }


def document_view(document: Document) -> dict:
    """A document as staff see it, with its current version and what the portal shows."""
    matter_id = document.matter_id  # None: a field attachment (field_attachments.py)
    return _view(
        document,
        db.session.get(Matter, matter_id) if matter_id else None,
        matter_folders(matter_id) if matter_id else {},
        db.session.get(Version, document.current_version_id or ""),
    )


# The listing reads plain rows, a document and its current version, and builds their JSON
# here (DocumentSchema documents the shape; GET /documents/{id} dumps the same through it):
# ORM objects and a marshmallow dump of two pages cost more than the listing's SQL.
_DOCUMENT_COLUMNS = (
    Document.id,
    Document.matter_id,
    Document.folder_id,
    Document.name,
    Document.portal_visible,
    Document.download_allowed,
    Document.from_client,
    Document.replaces_id,
    Document.created_by,
    Document.created_at,
    Document.current_version_id,
)
_VERSION_COLUMNS = (
    Version.id.label("version_id"),
    Version.number,
    Version.size,
    Version.sha256,
    Version.content_type,
    Version.uploaded_by_kind,
    Version.uploaded_by,
    Version.created_at.label("version_created_at"),
)


def _with_versions(documents_page: sa.Select) -> sa.Select:
    """A page of `_DOCUMENT_COLUMNS` (ordered, limited) with each one's current version, joined
    after the limit: joined before it, the version of every document filtered (the 2,000 a
    few contacts share) would be read for the 50 shown."""
    page = documents_page.subquery()
    listing_total = [page.c.listing_total] if "listing_total" in page.c else []
    return (
        sa.select(*(c for c in page.c if c.key != "listing_total"), *_VERSION_COLUMNS)
        .add_columns(*listing_total)
        .outerjoin(Version, Version.id == page.c.current_version_id)
        .order_by(page.c.name, page.c.id)
    )


def _listed_json(row: sa.Row, matter: Matter, folders: dict) -> dict:
    """A row of `_with_versions()` as DocumentSchema dumps a document_view()."""
    # Unpacked by position: a Row's attribute lookups were most of the listing's Python.
    (id_, matter_id, folder_id, name, portal_visible, download_allowed, from_client) = row[:7]
    (replaces_id, created_by, created_at, _, version_id, number, size, sha256) = row[7:15]
    (content_type, uploaded_by_kind, uploaded_by, version_created_at) = row[15:19]
    version = None
    if version_id is not None:
        version = {
            "id": version_id,
            "document_id": id_,
            "number": number,
            "size": size,
            "sha256": sha256,
            "content_type": content_type,
            "uploaded_by": {"kind": uploaded_by_kind, "user_id": uploaded_by},
            "created_at": version_created_at.isoformat(),
        }
    return {
        "id": id_,
        "matter_id": matter_id,
        "folder_id": folder_id,
        "name": name,
        "portal_visible": portal_visible,
        "visible_in_portal": bool(matter.visible and shown(row, matter, folders)),
        "download_allowed": download_allowed,
        "may_download": may_download(row, matter),
        "from_client": from_client,
        "replaces_id": replaces_id,
        "current_version": version,
        "created_by": created_by,
        "created_at": created_at.isoformat(),
    }


def list_documents(matter_id: str, query_args: dict) -> dict:
    """The matter's documents by name (in `folder_id`, matching `q`); with `shared_with`, also
    the page of those shared with every one of these contacts. Built as JSON already."""
    matter = known_matter(matter_id)
    page, size = query_args["page"], query_args["page_size"]
    wanted = sa.select(Document.id).where(Document.matter_id == matter_id)
    if query_args.get("folder_id") is not None:
        folder = folder_of(matter_id, query_args["folder_id"])
        wanted = wanted.where(Document.folder_id == folder.id)
    wanted = matching(wanted, query_args.get("q", ""))
    listed = wanted.with_only_columns(*_DOCUMENT_COLUMNS).order_by(Document.name, Document.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(wanted.subquery()))
    page_query = _with_versions(listed.limit(size).offset((page - 1) * size))
    rows = db.session.execute(page_query).all()
    folders = matter_folders(matter_id)
    answer = {
        "items": [_listed_json(row, matter, folders) for row in rows],
        "page": page,
        "page_size": size,
        "total": total,
    }
    contacts = query_args.get("shared_with")
    if contacts:
        # The listing's query narrowed to the documents these contacts have in common, worked
        # out once for the page and its total.
        in_common = listed.where(shares.shared_with_all(contacts))
        rows, total = page_and_total(in_common, page, size, then=_with_versions)
        answer["shared"] = {
            "items": [_listed_json(row, matter, folders) for row in rows],
            "total": total,
        }
    return answer


def store_upload(app: Flask, form: UploadForm) -> storage.StoredObject:
    # The upload may take minutes: give the database connection back while the bytes flow.
    db.session.rollback()
    check = type_check(app.config["ALLOWED_TYPES"])
    return storage.put_stream(app, form, app.config["MAX_UPLOAD_BYTES"], check)


def _searchable_text(app: Flask, version: Version) -> str | None:
    """Extracted once, as the version is added; a file whose text cannot be read is still
    stored (it is only not found by its content)."""
    try:
        return renditions.extract_text(app, version)
    except Exception:
        log.exception("text of version %s could not be extracted", version.id)
        return None


def add_version(
    app: Flask, document: Document, stored: storage.StoredObject, caller: Caller
) -> Version:
    latest = db.session.scalar(
        sa.select(sa.func.max(Version.number)).where(Version.document_id == document.id)
    )
    version = Version(
        id=new_id(),
        number=(latest or 0) + 1,
        document_id=document.id,
        object_key=stored.key,
        size=stored.size,
        sha256=stored.sha256,
        content_type=stored.content_type,
        uploaded_by=caller.user_id,
        uploaded_by_kind=caller.kind,
    )
    version.text = _searchable_text(app, version)
    if document.owner_type:  # a field attachment: a photo shows in the portal's gallery
        version.thumbnail_key = renditions.make_thumbnail(app, version)
    db.session.add(version)
    db.session.flush()
    document.current_version_id = version.id
    add_event(version_added(document, version))
    return version


def upload_name(fields: dict[str, str], form: UploadForm) -> str:
    """The `name` field if sent, else the file part's own name (a 422 names which is wrong)."""
    if "name" in fields:
        return checked_name(fields["name"], "name")
    return checked_name(form.filename, "file")


def upload_document(app: Flask, matter_id: str, form: UploadForm, caller: Caller) -> Document:
    """A new document from the form's `folder_id`, `name` and `file` (fields first)."""
    known_matter(matter_id)
    fields = form.fields()
    for unknown in sorted(set(fields) - set(UPLOAD_FIELDS)):
        raise field_error(unknown, f"Unknown field; send only {', '.join(UPLOAD_FIELDS)} and file.")
    folder_id = fields.get("folder_id") or None
    if folder_id is not None:
        folder_in(matter_id, folder_id)
    name = upload_name(fields, form)
    stored = store_upload(app, form)
    with storage.deleted_on_error(app, stored.key):
        form.finish()
        if folder_id is not None:
            folder_in(matter_id, folder_id)  # still there after the upload
        document = Document(
            matter_id=matter_id, folder_id=folder_id, name=name, created_by=caller.user_id
        )
        db.session.add(document)
        db.session.flush()
        add_version(app, document, stored, caller)
        db.session.commit()
    return document


def upload_version(app: Flask, document_id: str, form: UploadForm, caller: Caller) -> Version:
    """A new current version of a document, from the form's `file` part."""
    document_of(document_id)
    for unknown in sorted(form.fields()):
        raise field_error(unknown, "Unknown field; send only the file.")
    stored = store_upload(app, form)
    with storage.deleted_on_error(app, stored.key):
        form.finish()
        version = add_version(app, document_of(document_id), stored, caller)
        db.session.commit()
    return version


CLIENT_UPLOAD_FIELDS = ("replaces", "name")


def _replaced(matter: Matter, document_id: str | None, user_id: str) -> Document | None:
    """The shared document a client's upload updates; one they cannot see is refused."""
    if not document_id:
        return None
    found = visible_document(document_id, user_id)
    if found is None or found[2].matter_id != matter.matter_id:
        raise field_error(
            "replaces",
            f"You cannot see a document '{document_id[:64]}' in this matter; choose one of "
            "the documents shared with you, or leave 'replaces' out.",
        )
    return found[0]


def client_upload(app: Flask, matter_id: str, form: UploadForm, caller: Caller) -> Document:
    """A client contact's upload to a matter they can see: a new document marked as theirs,
    shared with them, optionally an updated version of (a new document linked to) a shared
    one, which stays untouched."""
    matter = portal_matter(matter_id, caller.user_id)
    if matter is None:
        raise ProblemError(
            404, f"No matter has the id '{matter_id[:64]}'.", code="MATTER_NOT_FOUND"
        )
    fields = form.fields()
    for unknown in sorted(set(fields) - set(CLIENT_UPLOAD_FIELDS)):
        raise field_error(
            unknown, f"Unknown field; send only {', '.join(CLIENT_UPLOAD_FIELDS)} and file."
        )
    replaced = _replaced(matter, fields.get("replaces"), caller.user_id)
    name = upload_name(fields, form)
    replaced_id, folder_id = (replaced.id, replaced.folder_id) if replaced else (None, None)
    stored = store_upload(app, form)
    with storage.deleted_on_error(app, stored.key):
        form.finish()
        if portal_matter(matter_id, caller.user_id) is None:  # lost access meanwhile
            raise ProblemError(
                404, f"No matter has the id '{matter_id[:64]}'.", code="MATTER_NOT_FOUND"
            )
        document = Document(
            matter_id=matter_id,
            folder_id=folder_id,
            name=name,
            created_by=caller.user_id,
            from_client=True,
            replaces_id=replaced_id,
        )
        db.session.add(document)
        db.session.flush()
        version = add_version(app, document, stored, caller)
        db.session.add(
            DocumentShare(
                document_id=document.id,
                user_id=caller.user_id,
                matter_id=matter_id,
                shared_by=caller.user_id,
            )
        )
        replaced = db.session.get(Document, replaced_id) if replaced_id else None
        add_event(uploaded_by_client(document, version, caller.email, replaced))
        db.session.commit()
    return document
