"""Problems the identity use cases raise, and the commit that turns a lost race into one."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from services.common.problems import ProblemError

from .models import db


def not_found(what: str, ident: str) -> ProblemError:
    """404 for an unknown id, e.g. not_found("company", id) -> code COMPANY_NOT_FOUND."""
    return ProblemError(
        404, f"No {what} has the id '{ident[:64]}'.", code=f"{what.upper()}_NOT_FOUND"
    )


def email_taken(email: str) -> ProblemError:
    return ProblemError(
        409,
        f"A user with the e-mail address {email} already exists; open that user instead.",
        code="EMAIL_TAKEN",
    )


def commit(conflict: ProblemError) -> None:
    """Commit; a unique constraint lost to a concurrent request answers `conflict`, not a 500.
    Use cases set every field an event carries explicitly, so nothing needs flushing before."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise conflict from exc
