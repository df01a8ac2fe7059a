"""Tables of the documents service (its own database): the matters' audience replica, folders,
documents and their versions (the bytes are on the object store under `object_key`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import (
    OutboxMixin,
    ProcessedEventMixin,
    UTCDateTime,
    new_id,
    utcnow,
)

db = SQLAlchemy()


class OutboxEvent(OutboxMixin, db.Model):
    pass


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class User(db.Model):
    """Replica of identity's users, only what the token check needs: is the account disabled."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    status: Mapped[str | None] = mapped_column(sa.String(10))
    # identity's version of the user applied last: a change with no greater one is ignored.
    version: Mapped[int] = mapped_column(sa.Integer, default=0)


class Matter(db.Model):
    """Replica of a matter's portal publication, from `sharing.audience.changed`."""

    __tablename__ = "matters"

    matter_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    company_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    visible: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    attachments_visible_by_default: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # The firm's own setting (not from sharing): may clients download, or only preview, the
    # documents that have no setting of their own.
    download_allowed_by_default: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AudienceMember(db.Model):
    """A portal user who may see a matter (when it is visible), and why, as sharing says."""

    __tablename__ = "audience"

    matter_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("matters.matter_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, index=True)
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)


class Folder(db.Model):
    __tablename__ = "folders"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    matter_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    parent_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("folders.id"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(255))
    # True or False: shown or hidden in the portal, with everything inside; None: as its parent.
    portal_visible: Mapped[bool | None] = mapped_column(sa.Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        sa.Index("ix_documents_matter_folder", "matter_id", "folder_id"),
        sa.Index("ix_documents_matter_name", "matter_id", "name", "id"),
        sa.Index("ix_documents_owner_name", "owner_type", "owner_id", "name", "id"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    # A matter's document; None for a field attachment (owned by an intervention or a company).
    matter_id: Mapped[str | None] = mapped_column(sa.String(36))
    # Field attachments only: "intervention" or "company", and that owner's id.
    owner_type: Mapped[str | None] = mapped_column(sa.String(20))
    owner_id: Mapped[str | None] = mapped_column(sa.String(36))
    folder_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("folders.id"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(255))
    # True or False: shown or hidden in the portal; None: as its folder (or the matter's default).
    portal_visible: Mapped[bool | None] = mapped_column(sa.Boolean)
    # True or False: clients may download it, or only preview it; None: the matter's default.
    download_allowed: Mapped[bool | None] = mapped_column(sa.Boolean)
    # Uploaded through the portal by a client contact (created_by is that contact).
    from_client: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # A client's updated version of this (shared) document; the original stays untouched.
    replaces_id: Mapped[str | None] = mapped_column(sa.String(36))
    # Not a foreign key: documents and versions would reference each other.
    current_version_id: Mapped[str | None] = mapped_column(sa.String(36))
    created_by: Mapped[str] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Version(db.Model):
    __tablename__ = "versions"
    __table_args__ = (sa.Index("ix_versions_document_created", "document_id", "created_at"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("documents.id", ondelete="CASCADE")
    )
    object_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content_type: Mapped[str] = mapped_column(sa.String(200))
    uploaded_by: Mapped[str] = mapped_column(sa.String(36))
    uploaded_by_kind: Mapped[str] = mapped_column(sa.String(20))  # "staff" or "portal"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    number: Mapped[int] = mapped_column(sa.Integer, default=1)  # 1, 2, ... per document
    # Text of a PDF or plain-text file, extracted once when the version is added (search).
    text: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    # A photo's thumbnail on the store, made once when the version is added (field attachments).
    thumbnail_key: Mapped[str | None] = mapped_column(sa.String(200))


class DocumentShare(db.Model):
    """A document shared with one client contact (on top of what the whole audience sees).
    On PostgreSQL, triggers mirror each document's contacts in `documents.shared_with`, what
    the firm's intersection view reads (shares.shared_with_all)."""

    __tablename__ = "document_shares"
    __table_args__ = (
        sa.Index("ix_document_shares_matter_user", "matter_id", "user_id", "document_id"),
    )

    document_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    matter_id: Mapped[str] = mapped_column(sa.String(36))
    shared_by: Mapped[str] = mapped_column(sa.String(36))
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessRecord(db.Model):
    """One preview or download through the portal: who, when, which version, from where."""

    __tablename__ = "access_records"
    __table_args__ = (
        sa.Index("ix_access_records_document_at", "document_id", "at"),
        sa.Index("ix_access_records_user_at", "user_id", "at"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("documents.id", ondelete="CASCADE")
    )
    version_id: Mapped[str] = mapped_column(sa.String(36))
    matter_id: Mapped[str] = mapped_column(sa.String(36))
    company_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    user_id: Mapped[str] = mapped_column(sa.String(36))
    user_email: Mapped[str] = mapped_column(sa.String(320), default="")
    action: Mapped[str] = mapped_column(sa.String(10))  # "preview" or "download"
    address: Mapped[str] = mapped_column(sa.String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FieldIntervention(db.Model):
    """Replica of interventions' intervention, what authorizing its attachments needs."""

    __tablename__ = "field_interventions"

    intervention_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    company_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    site_id: Mapped[str | None] = mapped_column(sa.String(36))
    number: Mapped[str] = mapped_column(sa.String(20), default="")


class FieldOptions(db.Model):
    """Replica of interventions' portal options of one customer, or of the firm-wide default
    (company_id "default"); None: as the default."""

    __tablename__ = "field_options"

    company_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    portal_enabled: Mapped[bool | None] = mapped_column(sa.Boolean)
    attachments_shown: Mapped[bool | None] = mapped_column(sa.Boolean)
    gallery_shown: Mapped[bool | None] = mapped_column(sa.Boolean)
    # When interventions changed them: a late, older announcement is ignored.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RevokedLink(db.Model):
    """Replica of identity's revoked secure links: their sessions are refused at once."""

    __tablename__ = "revoked_links"

    link_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime)
