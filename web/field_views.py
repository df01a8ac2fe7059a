"""The field-service pages: a secure link's landing page, the customer page with its Sites and
Equipment tabs, an intervention's detail, and the pre-filled request form with its confirmation.

They serve portal users (the company shown) and secure-link sessions alike; the API decides
what each may see, the pages only show it.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from . import api, current, document_views, link_sessions
from . import errors as current_errors

blp = Blueprint("field", __name__, url_prefix="/portal")

STATUS_NAMES = {
    "to_schedule": _l("To schedule"),
    "scheduled": _l("Scheduled"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}
ADDRESS_PARTS = ("line1", "line2", "postal_code", "city", "country")
CONTACT_PARTS = ("name", "email", "phone")


@blp.app_template_filter("status_name")
def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


@blp.app_template_filter("moment")
def moment(value: str | None) -> str:
    return format_datetime(datetime.fromisoformat(value), "medium") if value else ""


@blp.errorhandler(api.SignInNeeded)
def _link_or_sign_in(error: api.SignInNeeded) -> Response:
    """A link session whose link was revoked or has expired is told so; others sign in."""
    if session.pop("link_ended", False):
        html = render_template("field/link_invalid.html")
        return Response(html, status=410, mimetype="text/html")
    return current_errors.sign_in_needed(error)


def customer_required(view: Callable) -> Callable:
    """A signed-in person or a secure-link session; anyone else signs in."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current.person() is None and not link_sessions.active():
            raise api.SignInNeeded
        return view(*args, **kwargs)

    return wrapper


def _company_query() -> str:
    """The company the pages show, for a person with an account (a link knows its own)."""
    company = current.company() if current.person() else None
    return urlencode({"company_id": company["id"]}) if company else ""


def _get(path: str, query: str = "") -> Any:
    joined = "&".join(q for q in (query, _company_query()) if q)
    try:
        return api.call("GET", path + (f"?{joined}" if joined else ""))
    except api.ApiError as problem:
        abort(404 if problem.status in (403, 404) else problem.status)


@blp.get("/link")
def open_link() -> Response | str:
    """The page a secure link opens: exchange the token, then show the customer page under a
    URL that no longer carries it (history, referrers and logs keep no token)."""
    token = request.args.get("token", "")
    try:
        link_sessions.start(token)
    except api.ApiError:
        html = render_template("field/link_invalid.html")
        return Response(
            html, status=400, mimetype="text/html", headers={"Referrer-Policy": "no-referrer"}
        )
    response = redirect(url_for("field.customer"), code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blp.get("/customer")
@customer_required
def customer() -> str:
    page = _get("/portal/customer")
    interventions = _get("/portal/interventions", "page_size=50")
    return render_template(
        "field/customer.html",
        customer=page,
        interventions=interventions,
        tab="customer",
        files=_attachments(f"/portal/companies/{quote(page['id'], safe='')}/attachments"),
    )


@blp.get("/customer/sites")
@customer_required
def sites() -> str:
    page = _get("/portal/customer")
    return render_template(
        "field/sites.html", customer=page, sites=_get("/portal/sites", "page_size=200"), tab="sites"
    )


@blp.get("/sites/<site_id>")
@customer_required
def site(site_id: str) -> str:
    page = _get("/portal/customer")
    return render_template(
        "field/site.html", customer=page, site=_get(f"/portal/sites/{quote(site_id, safe='')}")
    )


@blp.get("/customer/equipment")
@customer_required
def equipment() -> str:
    page = _get("/portal/customer")
    if not page["options"]["equipment_shown"]:
        abort(404)
    items = _get("/portal/equipment", "page_size=200")
    return render_template("field/equipment.html", customer=page, items=items, tab="equipment")


@blp.get("/equipment/<equipment_id>")
@customer_required
def equipment_item(equipment_id: str) -> str:
    page = _get("/portal/customer")
    item = _get(f"/portal/equipment/{quote(equipment_id, safe='')}")
    return render_template("field/equipment_item.html", customer=page, item=item)


@blp.get("/interventions/<intervention_id>")
@customer_required
def intervention(intervention_id: str) -> str:
    owner = f"/portal/interventions/{quote(intervention_id, safe='')}"
    item = _get(owner)
    created = request.args.get("created") == "1"
    return render_template(
        "field/intervention.html",
        item=item,
        created=created,
        files=_attachments(f"{owner}/attachments"),
        photos=_attachments(f"{owner}/gallery"),
    )


def _attachments(path: str) -> list[dict] | None:
    """The attachments (or photos) the documents service shows here; None when it shows none
    of them to this caller (an option the firm turned off, a scope that does not cover it)."""
    try:
        return api.call("GET", f"{path}?page_size=100")["items"]
    except api.ApiError as problem:
        if problem.status in (403, 404):
            return None
        raise


@blp.get("/attachments/<document_id>/<any(download, preview, thumbnail, photo):action>")
@customer_required
def attachment(document_id: str, action: str) -> Response:
    """An attachment, a photo or its thumbnail, streamed through with the caller's token."""
    try:
        upstream = api.stream("GET", f"/portal/attachments/{quote(document_id, safe='')}/{action}")
    except api.ApiError as problem:
        abort(404 if problem.status in (403, 404) else problem.status)
    return document_views.relay(upstream)


def _body(form: dict, fields: list[dict]) -> dict:
    """The API request from the posted form: blanks left out, numbers as numbers."""
    extra: dict[str, Any] = {}
    for spec in fields:
        value = form.get(f"extra-{spec['key']}", "").strip()
        if value and spec["kind"] == "number":
            # Not a number: sent as typed, the API names the field and says a number is needed.
            with contextlib.suppress(ValueError):
                value = float(value) if "." in value else int(value)
        if value != "":
            extra[spec["key"]] = value
    body = {
        "type_id": form.get("type_id") or None,
        "site_id": form.get("site_id") or None,
        "equipment_id": form.get("equipment_id") or None,
        "extra": extra,
        "address": {k: form.get(f"address-{k}", "").strip() or None for k in ADDRESS_PARTS},
        "contact": {k: form.get(f"contact-{k}", "").strip() or None for k in CONTACT_PARTS},
        "locale": str(get_locale()),
    }
    description = form.get("description", "").strip()
    if description:  # left out when blank: the API then says that it is required
        body["description"] = description
    company = current.company() if current.person() else None
    if company:
        body["company_id"] = company["id"]
    return body


@blp.route("/interventions/new", methods=["GET", "POST"])
@customer_required
def new_intervention() -> Response | str:
    """The pre-filled request form; choosing a type reloads it with that type's fields."""
    site_id = request.values.get("site_id")
    query = urlencode({"site_id": site_id}) if site_id else ""
    form = _get("/portal/interventions/new", query)
    chosen = request.values.get("type_id") or ""
    kind = next((t for t in form["types"] if t["id"] == chosen), None)
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        body = _body(values, kind["fields"] if kind else [])
        try:
            created = api.call(
                "POST",
                "/portal/interventions",
                body,
                headers={"Idempotency-Key": values.get("request_key", "")[:100]},
            )
        except api.ApiError as problem:
            if problem.status not in (403, 422, 429):
                raise
            errors = problem.nested
            if problem.status != 422 or not errors:
                flash(problem.detail, "error")
        else:
            return redirect(
                url_for("field.intervention", intervention_id=created["id"], created=1), code=303
            )
    return render_template(
        "field/new.html",
        form=form,
        kind=kind,
        values=values,
        errors=errors,
        # One key per form shown: a double click or a resend of this form creates one request.
        request_key=values.get("request_key") or str(uuid.uuid4()),
        address_parts=ADDRESS_PARTS,
        contact_parts=CONTACT_PARTS,
        in_link=link_sessions.active(),
    )
