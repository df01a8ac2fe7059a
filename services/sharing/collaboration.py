"""Use cases on collaborators: the firm adds or withdraws approvers and signees; they decide.

Collaborators may belong to any company (a counterparty signs too) but must be portal users.
A decision is final: it is a compare-and-set on the collaborator row, so two clicks make one.
The firm may withdraw a collaborator at any time: their access goes at once, and a decision
or signature they made stays on record, marked withdrawn.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from services.common.models import is_id, utcnow
from services.common.outbox import add_event
from services.common.pagination import paginate
from services.common.problems import ProblemError

from . import audience, documents_client, events, read_through
from .models import Collaborator, Signature, User, db
from .portal_queries import visible_matter
from .service import company_of, get_matter, notification_recipients

DECIDED = {"approve": "approved", "reject": "rejected"}
_UNDECIDED = Collaborator.status == "pending"
_LIVE = Collaborator.withdrawn_at.is_(None)  # not withdrawn by the firm


def list_collaborators(matter_id: str, page: int, page_size: int) -> dict:
    get_matter(matter_id)
    query = (
        sa.select(Collaborator)
        .options(selectinload(Collaborator.signature))
        .where(Collaborator.matter_id == matter_id)
        .order_by(Collaborator.created_at, Collaborator.id)
    )
    return paginate(db.session, query, page, page_size)


def _portal_user(user_id: str) -> User:
    read_through.users([user_id])  # a contact created a moment ago may not be replicated yet
    user = db.session.get(User, user_id)
    if user is None or user.kind != "portal" or user.disabled:
        message = f"{user_id} is not an enabled client portal user."
        raise ProblemError(
            422,
            message + " Invite them to the portal first: /api/v1/users.",
            code="NOT_A_PORTAL_USER",
            errors={"user_id": [message]},
        )
    return user


def _exists(role: str) -> ProblemError:
    return ProblemError(
        409,
        f"This person is already a{'n' if role == 'approver' else ''} {role} of this matter.",
        code="COLLABORATOR_EXISTS",
    )


def add_collaborator(matter_id: str, user_id: str, role: str) -> Collaborator:
    matter = get_matter(matter_id, lock=True)
    user = _portal_user(user_id)
    existing = sa.select(Collaborator.id).where(
        Collaborator.matter_id == matter.id,
        Collaborator.user_id == user.id,
        Collaborator.role == role,
        _LIVE,
    )
    if db.session.scalar(existing):
        raise _exists(role)
    collaborator = Collaborator(matter_id=matter.id, user_id=user.id, role=role, status="pending")
    db.session.add(collaborator)
    if matter.visible:  # otherwise they are told when the matter is shown
        collaborator.notified_at = utcnow()
        db.session.flush()
        add_event(events.collaborator_added(matter, company_of(matter), collaborator, user))
    audience.refresh([matter])
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise _exists(role) from exc
    return collaborator


def withdraw_collaborator(matter_id: str, collaborator_id: str, staff_id: str) -> None:
    """Take the collaborator's access away now (they leave the audience, documents hears it).

    One who has not decided is removed; a decision or signature stays, marked withdrawn. Each
    is a compare-and-set on the row, so a decision made meanwhile is kept, never deleted."""
    matter = get_matter(matter_id, lock=True)
    collaborator = db.session.get(Collaborator, collaborator_id) if is_id(collaborator_id) else None
    if collaborator is None or collaborator.matter_id != matter.id:
        raise ProblemError(
            404,
            f"Matter {matter_id} has no collaborator with the id {collaborator_id}.",
            code="COLLABORATOR_NOT_FOUND",
        )
    this = Collaborator.id == collaborator.id
    removed = db.session.execute(sa.delete(Collaborator).where(this, _UNDECIDED))
    if removed.rowcount == 0:  # decided: keep the record (withdrawn already: nothing changes)
        db.session.execute(
            sa.update(Collaborator)
            .where(this, _LIVE)
            .values(withdrawn_at=utcnow(), withdrawn_by=staff_id)
        )
    audience.refresh([matter])
    db.session.commit()


def _my_pending(matter_id: str, user_id: str, role: str, code: str) -> Collaborator:
    """My collaboration of `role` on a matter I can see, still undecided."""
    visible_matter(matter_id, user_id)
    collaborator = db.session.scalar(
        sa.select(Collaborator).where(
            Collaborator.matter_id == matter_id,
            Collaborator.user_id == user_id,
            Collaborator.role == role,
            _LIVE,
        )
    )
    if collaborator is None:
        raise ProblemError(403, f"You are not asked to act as {role} on this matter.", code=code)
    if collaborator.status != "pending":
        raise _final(collaborator.status)
    return collaborator


def _final(status: str) -> ProblemError:
    return ProblemError(
        409,
        f"You already decided on this matter ({status}); a decision is final.",
        code="DECISION_FINAL",
    )


def _settle(collaborator: Collaborator, code: str, **decided: object) -> None:
    """Pending and live -> decided, as one compare-and-set (atomic on PostgreSQL and SQLite
    alike): two clicks, or a click and a withdrawal, make one outcome."""
    settled = db.session.execute(
        sa.update(Collaborator)
        .where(Collaborator.id == collaborator.id, _UNDECIDED, _LIVE)
        .values(**decided)
    )
    if settled.rowcount != 1:
        matter_id, user_id, role = collaborator.matter_id, collaborator.user_id, collaborator.role
        db.session.rollback()
        _my_pending(matter_id, user_id, role, code)  # raises what happened meanwhile
        raise ProblemError(
            409,
            "This was decided meanwhile; reload the matter to see where it stands.",
            code="DECISION_FINAL",
        )


def decide(matter_id: str, user_id: str, decision: str, comment: str | None) -> Collaborator:
    collaborator = _my_pending(matter_id, user_id, "approver", "NOT_AN_APPROVER")
    _settle(
        collaborator,
        "NOT_AN_APPROVER",
        status=DECIDED[decision],
        comment=comment or None,
        decided_at=utcnow(),
    )
    matter = get_matter(matter_id)
    _, notify, _ = notification_recipients(matter)
    user = db.session.get(User, user_id)
    add_event(events.approval_decided(matter, company_of(matter), collaborator, user, notify))
    db.session.commit()
    return collaborator


def _same_documents(shown: list[dict], now: list[dict]) -> bool:
    def key(documents: list[dict]) -> list[tuple[str, str]]:
        return sorted((d["document_id"], d["sha256"]) for d in documents)

    return key(shown) == key(now)


def sign(
    matter_id: str,
    user_id: str,
    full_name: str,
    ip_address: str | None,
    user_agent: str | None,
    expected: list[dict] | None = None,
) -> Collaborator:
    """Sign over the documents the signee sees, as the documents service answers for them.

    Documents is asked after the checks (a refusal needs no call) and outside any transaction;
    its failure, or an answer from an audience older than the one sharing published (before the
    call, or while it ran), is a 503 with nothing recorded. `expected` is what the signee was
    shown ({document_id, sha256}): if documents now answers otherwise, nothing is signed (409)."""
    _my_pending(matter_id, user_id, "signee", "NOT_A_SIGNEE")
    published = get_matter(matter_id).audience_version
    db.session.rollback()  # hold no transaction while documents answers
    shown = documents_client.visible_documents(matter_id, published)
    if expected is not None and not _same_documents(expected, shown.documents):
        raise ProblemError(
            409,
            "The documents of this matter changed since you opened it, so nothing was signed. "
            "Review them again, then sign.",
            code="DOCUMENTS_CHANGED",
        )
    collaborator = _my_pending(matter_id, user_id, "signee", "NOT_A_SIGNEE")
    matter = get_matter(matter_id)
    if matter.audience_version > shown.audience_version:
        raise documents_client.catching_up()
    now = utcnow()
    _settle(collaborator, "NOT_A_SIGNEE", status="signed", decided_at=now)
    collaborator.signature = signature = Signature(
        full_name=full_name,
        signed_at=now,
        ip_address=(ip_address or None) and ip_address[:45],
        user_agent=(user_agent or None) and user_agent[:500],
        documents=shown.documents,
    )
    _, notify, _ = notification_recipients(matter)
    user = db.session.get(User, user_id)
    add_event(
        events.signature_signed(matter, company_of(matter), collaborator, user, signature, notify)
    )
    db.session.commit()
    return collaborator
