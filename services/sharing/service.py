"""Use cases of the back office on matters and their portal publication (no Flask request here).

Each use case that changes something locks the matter row, recomputes the audience and writes
its events in the same transaction, then commits: nothing is announced for a change rolled back.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from services.common.models import is_id, utcnow
from services.common.outbox import add_event
from services.common.pagination import contains, paginate
from services.common.problems import ProblemError

from . import audience, events, read_through
from .models import Collaborator, Company, Matter, NotificationRecipient, User, Watcher, db
from .views import users_by_id


def matter_not_found(matter_id: str) -> ProblemError:
    return ProblemError(404, f"No matter has the id {matter_id}.", code="MATTER_NOT_FOUND")


# A locked matter comes with its company (company_of then reads no row): a use case that locks
# a matter nearly always names its company, in an event or an error.
_LOCKED = (
    sa.select(Matter)
    .outerjoin(Matter.company)
    .options(contains_eager(Matter.company))
    .where(Matter.id == sa.bindparam("matter_id"))
    .with_for_update(of=Matter)
)


def get_matter(matter_id: str, lock: bool = False) -> Matter:
    matter = None
    if is_id(matter_id) and lock:
        matter = db.session.scalars(_LOCKED, {"matter_id": matter_id}).first()
    elif is_id(matter_id):
        matter = db.session.get(Matter, matter_id)
    if matter is None:
        raise matter_not_found(matter_id)
    return matter


def company_of(matter: Matter) -> Company:
    return matter.company


def _known_company(company_id: str) -> Company:
    company = read_through.company(company_id)
    if company is None:
        message = f"No client company has the id {company_id}."
        raise ProblemError(
            422,
            message + " Pick one from /api/v1/companies.",
            code="UNKNOWN_COMPANY",
            errors={"company_id": [message]},
        )
    return company


def staff_users(ids: list[str], field: str) -> list[User]:
    """The staff users with these ids; any other id is a 422 on `field`."""
    read_through.users(ids)  # a staff member added a moment ago may not be replicated yet
    users = users_by_id(ids)
    bad = [
        i for i in ids if not (i in users and users[i].kind == "staff" and not users[i].disabled)
    ]
    if bad:
        raise ProblemError(
            422,
            "Only the firm's active staff users can be chosen here; see /api/v1/users.",
            code="NOT_A_STAFF_USER",
            errors={field: [f"{i} is not an active staff user." for i in bad]},
        )
    return [users[i] for i in dict.fromkeys(ids)]


def _reference_taken(reference: str) -> ProblemError:
    message = f"Another matter already has the reference {reference!r}."
    return ProblemError(
        409,
        message + " Choose another one.",
        code="REFERENCE_TAKEN",
        errors={"reference": [message]},
    )


def _commit_matter(matter: Matter) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # two requests raced for one reference
        db.session.rollback()
        raise _reference_taken(matter.reference) from exc


def list_matters(filters: dict) -> dict:
    query = (
        sa.select(Matter)
        .options(selectinload(Matter.watchers))
        .order_by(Matter.created_at.desc(), Matter.id)
    )
    for name in ("company_id", "visible", "kind", "status"):
        if name in filters:
            query = query.where(getattr(Matter, name) == filters[name])
    if "archived" in filters:
        archived = Matter.archived_at.is_not(None)
        query = query.where(archived if filters["archived"] else ~archived)
    if filters.get("q"):
        query = query.where(
            sa.or_(contains(Matter.reference, filters["q"]), contains(Matter.title, filters["q"]))
        )
    return paginate(db.session, query, filters["page"], filters["page_size"])


def create_matter(data: dict, caller_id: str) -> Matter:
    _known_company(data["company_id"])
    if data.get("owner_id"):
        staff_users([data["owner_id"]], "owner_id")
    if db.session.scalar(sa.select(Matter.id).where(Matter.reference == data["reference"])):
        raise _reference_taken(data["reference"])
    matter = Matter(
        **{**data, "owner_id": data.get("owner_id") or caller_id, "audience_version": 0}
    )
    db.session.add(matter)
    audience.refresh([matter], settings_changed=True)  # consumers learn the matter exists
    _commit_matter(matter)
    return matter


def update_matter(matter_id: str, data: dict) -> Matter:
    matter = get_matter(matter_id, lock=True)
    reference = data.get("reference", matter.reference)
    if reference != matter.reference and db.session.scalar(
        sa.select(Matter.id).where(Matter.reference == reference)
    ):
        raise _reference_taken(reference)
    if "owner_id" in data:
        staff_users([data["owner_id"]], "owner_id")
    moved = "company_id" in data and data["company_id"] != matter.company_id
    if moved:
        if matter.visible:
            raise ProblemError(
                409,
                "This matter is shown in the client portal; hide it before moving it to "
                "another company (its requester and watchers belong to the current one).",
                code="MATTER_VISIBLE",
            )
        _known_company(data["company_id"])
        # Requester and watchers belonged to the former company.
        matter.requester_id = None
        matter.watchers.clear()
    for name, value in data.items():
        setattr(matter, name, value)
    if moved:
        audience.refresh([matter], settings_changed=True)
    _commit_matter(matter)
    return matter


def archive_matter(matter_id: str) -> Matter:
    """Archiving takes a matter out of the portal: an archived matter cannot be shown."""
    matter = get_matter(matter_id, lock=True)
    if matter.archived_at is None:
        matter.archived_at = utcnow()
        if matter.visible:
            _hide(matter)
        db.session.commit()
    return matter


def unarchive_matter(matter_id: str) -> Matter:
    matter = get_matter(matter_id, lock=True)
    if matter.archived_at is not None:
        matter.archived_at = None
        db.session.commit()
    return matter


def _locked_with_members(matter_id: str, people: list[str]) -> tuple[Matter, dict]:
    """The matter locked, and those of `people` who are active members of its company (see
    audience.active_members). Members added a moment ago may not be replicated yet: when some
    are not members, identity is asked about them with the lock released (no call to another
    service while a matter is locked), then the matter is locked and the members read again."""
    matter = get_matter(matter_id, lock=True)
    members = audience.active_members(matter.company_id, people)
    if all(i in members for i in people):
        return matter, members
    company_id = matter.company_id
    db.session.rollback()
    read_through.memberships(company_id, people)  # only those the replica has no row for
    matter = get_matter(matter_id, lock=True)
    return matter, audience.active_members(matter.company_id, people)


def _check_members(
    company: Company, members: dict, requester_id: str, watcher_ids: list[str]
) -> None:
    """Requester and watchers must be active members of the matter's company (DESIGN.md §1)."""
    errors, who = {}, []
    if requester_id not in members:
        errors["requester_id"] = [f"{requester_id} is not an active member of {company.name}."]
        who.append("The requester")
    bad = [i for i in watcher_ids if i not in members]
    if bad:
        errors["watcher_ids"] = [f"{i} is not an active member of {company.name}." for i in bad]
        who.append("Watchers")
    if errors:
        verb = "must be a member" if who == ["The requester"] else "must be members"
        raise ProblemError(
            422,
            f"{' and '.join(who)} {verb} of {company.name} (the company of this matter). "
            f"Add them to the company first: /api/v1/companies/{company.id}/members.",
            code="NOT_A_COMPANY_MEMBER",
            errors=errors,
        )


# Watchers are read and written with Core here: the ORM collection's lazy load and flush cost
# more CPU than the rest of a share's statements (the collection reloads after the commit).
_WATCHERS = sa.select(Watcher.__table__.c.user_id).where(
    Watcher.__table__.c.matter_id == sa.bindparam("matter_id")
)
_WAITING_COLLABORATORS = (
    sa.select(Collaborator)
    .where(Collaborator.matter_id == sa.bindparam("matter_id"), Collaborator.notified_at.is_(None))
    .order_by(Collaborator.created_at)
)


def _set_watchers(matter_id: str, before: list[str], watcher_ids: list[str]) -> None:
    table = Watcher.__table__
    gone = [i for i in before if i not in watcher_ids]
    if gone:
        db.session.execute(
            sa.delete(table).where(table.c.matter_id == matter_id, table.c.user_id.in_(gone))
        )
    added = [{"matter_id": matter_id, "user_id": i} for i in watcher_ids if i not in before]
    if added:
        db.session.execute(sa.insert(table), added)


def show_in_portal(matter_id: str, settings: dict) -> Matter:
    """Show a matter in the portal, or change its requester, watchers or attachments default."""
    requester_id = settings["requester_id"]
    watcher_ids = [i for i in dict.fromkeys(settings["watcher_ids"]) if i != requester_id]
    matter, members = _locked_with_members(matter_id, [requester_id, *watcher_ids])
    if matter.archived_at is not None:
        raise ProblemError(
            409,
            "An archived matter cannot be shown in the client portal; unarchive it first.",
            code="MATTER_ARCHIVED",
        )
    company = company_of(matter)
    _check_members(company, members, requester_id, watcher_ids)
    was_visible = matter.visible
    watchers = list(db.session.scalars(_WATCHERS, {"matter_id": matter.id}))
    had_access = {matter.requester_id, *watchers} if was_visible else set()
    settings_changed = not was_visible or (
        matter.attachments_visible_by_default != settings["attachments_visible_by_default"]
    )
    matter.visible = True
    matter.requester_id = requester_id
    matter.attachments_visible_by_default = settings["attachments_visible_by_default"]
    _set_watchers(matter.id, watchers, watcher_ids)
    newcomers = [(requester_id, "requester")] + [(i, "watcher") for i in watcher_ids]
    newcomers = [(members[i], role) for i, role in newcomers if i not in had_access]
    published = []
    if newcomers:
        # Members the replica has no user event of yet are left out (no address to write to).
        shared_with = [(user, role) for user, role in newcomers if user is not None]
        published.append(events.matter_published(matter, company, shared_with))
    audience.refresh([matter], settings_changed=settings_changed, with_events=published)
    if not was_visible:
        announce_collaborators(matter, company)
    db.session.commit()
    return matter


def announce_collaborators(matter: Matter, company: Company) -> None:
    """Invite the collaborators not told yet: only once the matter is visible can they act."""
    waiting = db.session.scalars(_WAITING_COLLABORATORS, {"matter_id": matter.id}).all()
    users = users_by_id(c.user_id for c in waiting)
    for collaborator in waiting:
        if collaborator.user_id in users:
            add_event(
                events.collaborator_added(
                    matter, company, collaborator, users[collaborator.user_id]
                )
            )
            collaborator.notified_at = utcnow()


def _hide(matter: Matter) -> None:
    matter.visible = False
    add_event(events.matter_unpublished(matter, company_of(matter)))
    audience.refresh([matter], settings_changed=True)


def hide_from_portal(matter_id: str) -> None:
    """Hide a matter again; requester and watchers are kept for when it is shown again."""
    matter = get_matter(matter_id, lock=True)
    if matter.visible:
        _hide(matter)
        db.session.commit()


def notification_recipients(matter: Matter) -> tuple[list[str], list[User], bool]:
    """Staff told about client activity: their ids, those who can be reached (known to the
    replica and not disabled), and whether that is the default (none set: the owner)."""
    chosen = list(
        db.session.scalars(
            sa.select(NotificationRecipient.staff_id)
            .where(NotificationRecipient.matter_id == matter.id)
            .order_by(NotificationRecipient.staff_id)
        )
    )
    ids = chosen or [matter.owner_id]
    users = users_by_id(ids)
    reachable = [users[i] for i in ids if i in users and not users[i].disabled]
    return ids, reachable, not chosen


def set_notification_recipients(matter_id: str, staff_ids: list[str]) -> Matter:
    matter = get_matter(matter_id, lock=True)
    chosen = staff_users(staff_ids, "staff_ids")
    db.session.execute(
        sa.delete(NotificationRecipient).where(NotificationRecipient.matter_id == matter.id)
    )
    db.session.add_all(NotificationRecipient(matter_id=matter.id, staff_id=u.id) for u in chosen)
    db.session.commit()
    return matter
