"""My matters (contracts and cases) and a matter's own page: what the API shows me, as pages.

The list shows the company chosen in the header, plus what I am asked to approve or sign for
other companies; what awaits my action comes first. A matter of another company, or one that
does not exist, answers the same "not found" page as the API's 404.
"""

from __future__ import annotations

from collections import defaultdict
from math import ceil
from urllib.parse import quote, urlencode

from flask import Blueprint, render_template, request, url_for

from . import api, current
from .matter_labels import install_filters
from .matter_list import rows

blp = Blueprint("matters", __name__, url_prefix="/portal")
install_filters(blp)

PAGE_SIZE = 20
SEARCH_MAX = 200  # the API's limit
MAX_PAGE = 100_000  # the API's limit
DOCUMENTS_PAGE = 200  # the API's largest page


def matter_path(matter_id: str) -> str:
    """The API path of a matter (an id from a URL is quoted: it cannot leave its segment)."""
    return f"/portal/matters/{quote(matter_id, safe='')}"


def get_matter(matter_id: str) -> dict:
    """The matter as the API shows it to me; its 404 becomes the "not found" page."""
    return api.call("GET", matter_path(matter_id))


def documents_of(matter_id: str) -> list[dict]:
    """Every attachment of the matter I may see, by folder then name (all pages)."""
    found: list[dict] = []
    page = 1
    while True:
        path = f"{matter_path(matter_id)}/documents?page={page}&page_size={DOCUMENTS_PAGE}"
        try:
            body = api.call("GET", path)
        except api.ApiError as error:
            if error.status == 404:  # documents has not heard of the matter yet: nothing shown
                return []
            raise
        found.extend(body["items"])
        if not body["items"] or len(found) >= body["total"]:
            return found
        page += 1


def by_folder(documents: list[dict]) -> list[tuple[list[str], list[dict]]]:
    """(folder path, its documents), the root first, in the API's order."""
    folders: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for document in documents:
        folders[tuple(document.get("folder_path") or ())].append(document)
    return [(list(path), items) for path, items in folders.items()]


def _page_number(asked: str | None) -> int:
    """The page asked for; anything but a page number shows the first."""
    try:
        return min(max(int(asked or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


@blp.get("/matters")
@blp.get("/")  # the home page: url_for gives this one
@current.sign_in_required
def index() -> str:
    # Read by hand, not with a form: nothing to check but a length and a number, and WTForms
    # loads its own catalog on every request.
    q = request.args.get("q", "").strip()[:SEARCH_MAX]
    page = _page_number(request.args.get("page"))
    params: dict[str, object] = {"page": page, "page_size": PAGE_SIZE}
    if q:
        params["q"] = q
    company = current.company()
    if company:
        params["company_id"] = company["id"]
    listing = api.call("GET", "/portal/matters?" + urlencode(params))
    matter_url = url_for("matters.matter", matter_id="-id-")
    items = rows(listing["items"], company["id"] if company else None, matter_url)
    return render_template(
        "matters/index.html",
        search_max=SEARCH_MAX,
        q=q,
        awaiting=[m for m in items if m.awaiting],
        others=[m for m in items if not m.awaiting],
        total=listing["total"],
        page=page,
        pages=max(1, ceil(listing["total"] / PAGE_SIZE)),
        first=(page - 1) * PAGE_SIZE + 1,
        last=(page - 1) * PAGE_SIZE + len(items),
    )


@blp.get("/matters/<matter_id>")
@current.sign_in_required
def matter(matter_id: str) -> str:
    shown = get_matter(matter_id)
    mine = {c["role"]: c for c in shown["collaborations"]}
    return render_template(
        "matters/matter.html",
        matter=shown,
        folders=by_folder(documents_of(matter_id)),
        approval=mine.get("approver"),
        signature=mine.get("signee"),
        approvers=[c for c in shown["collaborators"] if c["role"] == "approver"],
        signees=[c for c in shown["collaborators"] if c["role"] == "signee"],
    )
