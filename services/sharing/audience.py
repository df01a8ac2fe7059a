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
from sqlalchemy.orm import aliased

from services.common.events import Event
from services.common.outbox import add_event
from services.common.prepared import OneOf, Prepared

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
    user = aliased(User)  # apart from a `users` the outer query joins
    disabled = sa.select(user.id).where(user.id == user_id_column, user.status == "disabled")
    return ~sa.exists(disabled)


# The statements of a share, built once: building and caching one costs more CPU than the
# round trip (SQLAlchemy memoises the cache key of a statement object).
_ACTIVE_MEMBERS = (
    sa.select(Membership.user_id, User)
    .outerjoin(User, User.id == Membership.user_id)
    .where(
        Membership.company_id == sa.bindparam("company_id"),
        Membership.user_id.in_(sa.bindparam("user_ids", expanding=True)),
        Membership.active.is_(True),
        _enabled(Membership.user_id),
    )
)


def active_members(company_id: str, user_ids: Iterable[str]) -> dict[str, User | None]:
    """Those of `user_ids` who are active, enabled members of the company: user id -> their
    replica user (None while only a membership event has named them)."""
    rows = db.session.execute(
        _ACTIVE_MEMBERS, {"company_id": company_id, "user_ids": list(set(user_ids))}
    )
    return {user_id: user for user_id, user in rows}


def _audience_rows(one_of: OneOf) -> sa.CompoundSelect:
    """(matter id, user id, reasons, stored) in one statement: the audience of the matters
    `ids` as stored (`stored` true, the reasons comma-separated), and that of the matters
    `visible` as it is now, each reason from the rows it depends on (the replica's members,
    companies, watchers, collaborators)."""
    member = sa.and_(Membership.active.is_(True), _enabled(Membership.user_id))
    now = sa.false()
    return sa.union_all(
        sa.select(
            AudienceEntry.matter_id, AudienceEntry.user_id, AudienceEntry.reasons, sa.true()
        ).where(one_of(AudienceEntry.matter_id, "ids")),
        sa.select(Matter.id, Matter.requester_id, sa.literal("requester"), now)
        .join(
            Membership,
            sa.and_(
                Membership.company_id == Matter.company_id,
                Membership.user_id == Matter.requester_id,
            ),
        )
        .where(one_of(Matter.id, "visible"), member),
        sa.select(Watcher.matter_id, Watcher.user_id, sa.literal("watcher"), now)
        .join(Matter, Matter.id == Watcher.matter_id)
        .join(
            Membership,
            sa.and_(
                Membership.company_id == Matter.company_id, Membership.user_id == Watcher.user_id
            ),
        )
        .where(one_of(Watcher.matter_id, "visible"), member),
        sa.select(
            Collaborator.matter_id, Collaborator.user_id, sa.literal("collaborator"), now
        ).where(
            one_of(Collaborator.matter_id, "visible"),
            Collaborator.withdrawn_at.is_(None),
            _enabled(Collaborator.user_id),
        ),
        sa.select(Matter.id, Membership.user_id, sa.literal("company"), now)
        .join(Company, Company.id == Matter.company_id)
        .join(Membership, Membership.company_id == Matter.company_id)
        .where(one_of(Matter.id, "visible"), Company.members_see_each_other.is_(True), member),
    )


# Planned once per connection: planning its five parts cost PostgreSQL several times running it.
_AUDIENCE_ROWS = Prepared("sharing_audience_rows", _audience_rows)
_INSERT = sa.insert(AudienceEntry.__table__)  # Core: the ORM's bulk insert costs more here


def fresh_and_stored(matters: Sequence[Matter]) -> tuple[dict[str, Audience], dict[str, Audience]]:
    """(matter id -> its audience now, matter id -> its audience as stored), from one query for
    the whole batch (it reads the matters' rows: the caller has flushed them and holds them
    locked). A matter not visible has no audience now."""
    fresh: dict[str, Audience] = {m.id: {} for m in matters}
    old: dict[str, Audience] = defaultdict(dict)
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    parameters = {"ids": [m.id for m in matters], "visible": [m.id for m in matters if m.visible]}
    for matter_id, user_id, reasons, stored in _AUDIENCE_ROWS.execute(db.session, parameters):
        if stored:
            old[matter_id][user_id] = reasons.split(",")
        else:
            found[matter_id][user_id].add(reasons)
    for matter_id, users in found.items():
        fresh[matter_id] = {
            user_id: [r for r in AUDIENCE_REASONS if r in why] for user_id, why in users.items()
        }
    return fresh, old


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


def refresh(
    matters: Sequence[Matter], settings_changed: bool = False, with_events: Sequence[Event] = ()
) -> list[Matter]:
    """Recompute and store the audience of `matters`; announce each one whose audience (or,
    with `settings_changed`, portal settings) changed. Returns the announced matters.
    `with_events`, the caller's own, are written after the first announcements, in the same
    statement."""
    if settings_changed:
        # Each matter is announced below whatever its audience: the new version goes with the
        # flush of its settings (one UPDATE of the matter, not two).
        for matter in matters:
            matter.audience_version += 1
    db.session.flush()  # watchers/collaborators just added must be visible to the queries
    announced = []
    for start in range(0, len(matters), CHUNK):
        batch = matters[start : start + CHUNK]
        fresh, old = fresh_and_stored(batch)
        inserts, updates, changed = [], [], []
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
                changed.append((matter, new))
        if inserts:
            db.session.execute(_INSERT, inserts)
        if updates:
            db.session.execute(sa.update(AudienceEntry), updates)
        if not settings_changed:
            for matter, _ in changed:
                matter.audience_version += 1
        add_event(*(events.audience_changed(m, new) for m, new in changed), *with_events)
        with_events = ()
        announced += [matter for matter, _ in changed]
    add_event(*with_events)  # no matter to refresh
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
    """After a company's setting changed: its visible matters."""
    ids = db.session.scalars(
        sa.select(Matter.id).where(Matter.company_id == company_id, Matter.visible.is_(True))
    ).all()
    return refresh(_lock(ids))


def _matters_of(user_id: str) -> sa.CompoundSelect:
    """Ids of every matter `user_id` is or may be in the audience of: those whose audience holds
    them, those they watch or collaborate on, the visible ones they request, and the visible
    ones of the companies they belong to (active or not) that let members see each other."""
    companies_open_to_members = (
        sa.select(Membership.company_id)
        .join(Company, Company.id == Membership.company_id)
        .where(Membership.user_id == user_id, Company.members_see_each_other.is_(True))
    )
    return sa.union(
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


def refresh_user(user_id: str) -> list[Matter]:
    """After a user was disabled or enabled again: every matter they are or may be in."""
    return refresh(_lock(db.session.scalars(_matters_of(user_id)).all()))


def refresh_member(company_id: str, user_id: str) -> list[Matter]:
    """After someone's membership of a company changed: only their own place in its matters
    can change, so only the matters of that company they are or may be in are recomputed (a
    member added to a company of thousands of matters locks a few, not all of them)."""
    ids = db.session.scalars(
        sa.select(Matter.id).where(
            Matter.id.in_(_matters_of(user_id)), Matter.company_id == company_id
        )
    ).all()
    return refresh(_lock(ids))
