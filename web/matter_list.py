"""The rows of "My matters", as sentences in the person's language, built once per page.

Why here and not in the template: a page shows 20 matters with five or six translated pieces
each, and Jinja's gettext (a Flask-Babel lookup per call) and macro calls made the template the
page's main cost. The translated patterns are looked up once per language and process; the
template only prints the strings.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from flask_babel import get_locale
from flask_babel import gettext as _

from .matter_labels import KINDS, MATTER_STATUSES, REASONS, day


class Row(NamedTuple):
    """One matter as the list prints it. A tuple, not a dict: Jinja reads `m.title` as an
    attribute first, and on a dict each such read fails with an exception before the lookup."""

    url: str  # the matter's page
    title: str
    what: str
    status: str
    status_label: str
    company: str | None  # shown when not the company the page is about
    why: str
    mine: list[tuple[str, bool]]  # (what I am asked or decided, whether it awaits me)
    next: str | None
    awaiting: bool


@cache
def _patterns(locale: str) -> dict:
    """Every label and sentence pattern of a row, translated (`locale` is the cache key: the
    request's locale is the one gettext uses)."""
    return {
        "kinds": {code: str(label) for code, label in KINDS.items()},
        "statuses": {code: str(label) for code, label in MATTER_STATUSES.items()},
        "reasons": {code: str(label) for code, label in REASONS.items()},
        "why": _("You see it because %(reasons)s."),
        "approval": _("Your approval is awaited."),
        "signature": _("Your signature is awaited."),
        "decided": _("Your decision: %(status)s (final)."),
        "next": _("Next step: %(title)s"),
        "due": _("due %(date)s"),
        "decisions": {
            "approved": _("Approved"),
            "rejected": _("Rejected"),
            "signed": _("Signed"),
        },
    }


def _next_step(matter: dict, words: dict) -> str | None:
    step = next((m for m in matter["milestones"] if m["status"] != "done"), None)
    if step is None:
        return None
    text = words["next"] % {"title": step["title"]}
    if step["due_date"]:
        text += " — " + words["due"] % {"date": day(step["due_date"])}
    return text


def _mine(collaboration: dict, words: dict) -> tuple[str, bool]:
    """(what I am asked or what I decided, whether it still awaits me)."""
    if collaboration["status"] == "pending":
        awaited = words["approval"] if collaboration["role"] == "approver" else words["signature"]
        return awaited, True
    status = words["decisions"].get(collaboration["status"], collaboration["status"])
    return words["decided"] % {"status": status}, False


def rows(matters: list[dict], shown_company_id: str | None, url: str) -> list[Row]:
    """The API's matters as the list shows them; `url` is a matter's page with `-id-` for its
    id (one URL built, the others derived from it: url_for per row costs more than the row)."""
    words = _patterns(str(get_locale()))
    reasons, kinds, statuses = words["reasons"], words["kinds"], words["statuses"]
    return [
        Row(
            url=url.replace("-id-", m["id"]),
            title=m["title"] or m["reference"],
            what=f"{kinds.get(m['kind'], m['kind'])} {m['reference']}",
            status=m["status"],
            status_label=statuses.get(m["status"], m["status"]),
            company=None if m["company"]["id"] == shown_company_id else m["company"]["name"],
            why=words["why"] % {"reasons": ", ".join(reasons.get(r, r) for r in m["reasons"])},
            mine=[_mine(c, words) for c in m["collaborations"]],
            next=_next_step(m, words),
            awaiting=m["awaiting_my_action"],
        )
        for m in matters
    ]
