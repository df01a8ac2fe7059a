"""Tables of the sharing service (its own database)."""

from flask_sqlalchemy import SQLAlchemy

from services.common.models import OutboxMixin, ProcessedEventMixin

db = SQLAlchemy()


class OutboxEvent(OutboxMixin, db.Model):
    pass


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass
