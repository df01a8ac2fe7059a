"""Words and formats of the matter pages: the API's codes (kinds, statuses, reasons) as
translated labels, and its ISO dates and byte counts as the person's language writes them."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from flask import Blueprint
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

KINDS = {"contract": _l("Contract"), "case": _l("Case")}
MATTER_STATUSES = {
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "on_hold": _l("On hold"),
    "closed": _l("Closed"),
}
MILESTONE_STATUSES = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
}
DECISIONS = {
    "pending": _l("Awaiting decision"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "signed": _l("Signed"),
}
# Why I see a matter, said to me.
REASONS = {
    "requester": _l("you requested it"),
    "watcher": _l("you follow it as a watcher"),
    "collaborator": _l("you are asked to approve or sign it"),
    "company": _l("it is shared with your company"),
}
ROLES = {"approver": _l("Approver"), "signee": _l("Signee")}


def _label(table: dict) -> object:
    return lambda code: table.get(code, code)


def when(value: str | None) -> str:
    """An ISO date-time of the API, in the person's language and time zone."""
    if not value:
        return ""
    return format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")), "medium")


def day(value: str | None) -> str:
    """An ISO date as the person's language writes it in full ("12 March 2026")."""
    if not value:
        return ""
    return _day(str(get_locale()), value[:10])


@lru_cache(maxsize=4096)
def _day(locale: str, value: str) -> str:
    # `locale` is the request's, the one format_date uses: the key. A date has no time zone.
    # Babel's formatting is most of what a row of "My matters" costs; the same dates recur.
    return format_date(date.fromisoformat(value), "long")


def size(value: int | None) -> str:
    """A byte count as "12 KB", "3.4 MB", in the person's language."""
    value = value or 0
    if value < 1024:
        return _("%(size)s bytes", size=format_decimal(value))
    if value < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(round(value / 1024, 1)))
    return _("%(size)s MB", size=format_decimal(round(value / 1024 / 1024, 1)))


def install_filters(blp: Blueprint) -> None:
    filters = {
        "kind_label": _label(KINDS),
        "matter_status": _label(MATTER_STATUSES),
        "milestone_status": _label(MILESTONE_STATUSES),
        "decision_status": _label(DECISIONS),
        "reason_label": _label(REASONS),
        "role_label": _label(ROLES),
        "when": when,
        "day": day,
        "size": size,
    }
    for name, function in filters.items():
        blp.add_app_template_filter(function, name)
