"""The audience of a matter — the portal users who may see it: computed, stored, announced.

When a matter is visible its audience is its requester and watchers (while they are active
members of the matter's company), its collaborators (until withdrawn), and every active member
of that company when the company lets members see each other's requests. Disabled users are
never in it.
Callers hold the matter rows locked (SELECT ... FOR UPDATE) so versions never interleave.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from services.common.outbox import add_event

from . import events
from .models import (
    AUDIENCE_REASONS,
    AudienceEntry,
    Collaborator,
    Company,
    Matter,
    Membership,
    User,
    Watcher,
    db,
)

CHUNK = 500  # matters per batch: bounds IN lists and memory for a company with many matters

Audience = dict[str, list[str]]  # user id -> reasons, in AUDIENCE_REASONS order


def _enabled(user_id_column: sa.ColumnElement) -> sa.ColumnElement:
    """Users not known to be disabled (a membership event may arrive before the user's)."""
    disabled = sa.select(User.id).where(User.id == user_id_column, User.status == "disabled")
    return ~sa.exists(disabled)


def active_members(company_ids: Iterable[str]) -> dict[str, set[str]]:
    """Company id -> ids of its active, enabled members."""
    rows = db.session.execute(
        sa.select(Membership.company_id, Membership.user_id).where(
            Membership.company_id.in_(set(company_ids)),
            Membership.active.is_(True),
            _enabled(Membership.user_id),
        )
    )
    members: dict[str, set[str]] = defaultdict(set)
    for company_id, user_id in rows:
        members[company_id].add(user_id)
    return members


def _by_matter(query: sa.Select) -> dict[str, set[str]]:
    """(matter id, user id) rows -> matter id -> user ids."""
    grouped: dict[str, set[str]] = defaultdict(set)
    for matter_id, user_id in db.session.execute(query):
        grouped[matter_id].add(user_id)
    return grouped


def compute(matters: Sequence[Matter]) -> dict[str, Audience]:
    """Matter id -> its audience, from a handful of queries for the whole batch."""
    visible = [m for m in matters if m.visible]
    result: dict[str, Audience] = {m.id: {} for m in matters}
    if not visible:
        return result
    company_ids = {m.company_id for m in visible}
    companies = {
        c.id: c for c in db.session.scalars(sa.select(Company).where(Company.id.in_(company_ids)))
    }
    members = active_members(company_ids)
    ids = [m.id for m in visible]
    watchers = _by_matter(
        sa.select(Watcher.matter_id, Watcher.user_id).where(Watcher.matter_id.in_(ids))
    )
    collaborators = _by_matter(
        sa.select(Collaborator.matter_id, Collaborator.user_id).where(
            Collaborator.matter_id.in_(ids),
            Collaborator.withdrawn_at.is_(None),
            _enabled(Collaborator.user_id),
        )
    )
    for matter in visible:
        company = companies.get(matter.company_id)
        allowed = members.get(matter.company_id, set())
        reasons: dict[str, set[str]] = defaultdict(set)
        if matter.requester_id in allowed:
            reasons[matter.requester_id].add("requester")
        for user_id in watchers[matter.id] & allowed:
            reasons[user_id].add("watcher")
        for user_id in collaborators[matter.id]:
            reasons[user_id].add("collaborator")
        if company is not None and company.members_see_each_other:
            for user_id in allowed:
                reasons[user_id].add("company")
        result[matter.id] = {
            user_id: [r for r in AUDIENCE_REASONS if r in found]
            for user_id, found in reasons.items()
        }
    return result


def stored(matter_ids: Sequence[str]) -> dict[str, Audience]:
    rows = db.session.execute(
        sa.select(AudienceEntry.matter_id, AudienceEntry.user_id, AudienceEntry.reasons).where(
            AudienceEntry.matter_id.in_(matter_ids)
        )
    )
    result: dict[str, Audience] = defaultdict(dict)
    for matter_id, user_id, reasons in rows:
        result[matter_id][user_id] = reasons.split(",")
    return result


def announced(matter_id: str) -> tuple[Matter, Audience] | None:
    """The matter and the audience its last `sharing.audience.changed` carried, read in one
    statement so that both come from the same commit; None for an unknown matter."""
    rows = db.session.execute(
        sa.select(Matter, AudienceEntry.user_id, AudienceEntry.reasons)
        .outerjoin(AudienceEntry, AudienceEntry.matter_id == Matter.id)
        .where(Matter.id == matter_id)
    ).all()
    if not rows:
        return None
    audience = {user_id: reasons.split(",") for _, user_id, reasons in rows if user_id}
    return rows[0][0], audience


def refresh(matters: Sequence[Matter], settings_changed: bool = False) -> list[Matter]:
    """Recompute and store the audience of `matters`; announce each one whose audience (or,
    with `settings_changed`, portal settings) changed. Returns the announced matters."""
    db.session.flush()  # watchers/collaborators just added must be visible to the queries
    announced = []
    for start in range(0, len(matters), CHUNK):
        batch = matters[start : start + CHUNK]
        fresh, old = compute(batch), stored([m.id for m in batch])
        inserts, updates = [], []
        for matter in batch:
            new, before = fresh[matter.id], old.get(matter.id, {})
            gone = [user_id for user_id in before if user_id not in new]
            if gone:
                db.session.execute(
                    sa.delete(AudienceEntry).where(
                        AudienceEntry.matter_id == matter.id, AudienceEntry.user_id.in_(gone)
                    )
                )
            for user_id, reasons in new.items():
                row = {"matter_id": matter.id, "user_id": user_id, "reasons": ",".join(reasons)}
                if user_id not in before:
                    inserts.append(row)
                elif before[user_id] != reasons:
                    updates.append(row)
            if new != before or settings_changed:
                matter.audience_version += 1
                add_event(events.audience_changed(matter, new))
                announced.append(matter)
        if inserts:
            db.session.execute(sa.insert(AudienceEntry), inserts)
        if updates:
            db.session.execute(sa.update(AudienceEntry), updates)
    return announced


def _lock(matter_ids: Iterable[str]) -> list[Matter]:
    """The matters, locked in id order (a fixed order: two refreshes cannot deadlock)."""
    ids = sorted(set(matter_ids))
    matters: list[Matter] = []
    for start in range(0, len(ids), CHUNK):
        matters += db.session.scalars(
            sa.select(Matter)
            .where(Matter.id.in_(ids[start : start + CHUNK]))
            .order_by(Matter.id)
            .with_for_update(of=Matter)
        ).all()
    return matters


def refresh_company(company_id: str) -> list[Matter]:
    """After a company's setting or membership changed: its visible matters."""
    ids = db.session.scalars(
        sa.select(Matter.id).where(Matter.company_id == company_id, Matter.visible.is_(True))
    ).all()
    return refresh(_lock(ids))


def refresh_user(user_id: str) -> list[Matter]:
    """After a user was disabled or enabled again: every matter they are or may be in."""
    companies_open_to_members = (
        sa.select(Membership.company_id)
        .join(Company, Company.id == Membership.company_id)
        .where(Membership.user_id == user_id, Company.members_see_each_other.is_(True))
    )
    candidates = sa.union(
        sa.select(AudienceEntry.matter_id).where(AudienceEntry.user_id == user_id),
        sa.select(Watcher.matter_id).where(Watcher.user_id == user_id),
        sa.select(Collaborator.matter_id).where(Collaborator.user_id == user_id),
        sa.select(Matter.id).where(
            Matter.visible.is_(True),
            sa.or_(
                Matter.requester_id == user_id,
                Matter.company_id.in_(companies_open_to_members),
            ),
        ),
    )
    return refresh(_lock(db.session.scalars(candidates).all()))
