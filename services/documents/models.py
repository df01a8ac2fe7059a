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
    __table_args__ = (sa.Index("ix_documents_matter_folder", "matter_id", "folder_id"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    matter_id: Mapped[str] = mapped_column(sa.String(36))
    folder_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("folders.id"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(255))
    # True or False: shown or hidden in the portal; None: as its folder (or the matter's default).
    portal_visible: Mapped[bool | None] = mapped_column(sa.Boolean)
    download_allowed: Mapped[bool] = mapped_column(sa.Boolean, default=True)
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
