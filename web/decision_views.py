"""Acting on a matter: approve or reject (a form, then a confirmation), sign (the documents
listed with their SHA-256, the name typed, a box ticked), and the signature receipt as a page
and as a PDF, which the signee can reopen later. A decision made is final: its pages then show
it instead of a form.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _

from . import api, current, receipts
from .forms import show_api_errors
from .matter_forms import ApprovalForm, SignForm
from .matter_views import documents_of, get_matter, matter_path

blp = Blueprint("decisions", __name__, url_prefix="/portal/matters")

BUSY = 503


def _mine(matter: dict, role: str) -> dict:
    """My collaboration of `role` on the matter; not asked: the "not found" page."""
    found = next((c for c in matter["collaborations"] if c["role"] == role), None)
    if found is None:
        raise api.ApiError(404, "NOT_A_COLLABORATOR")
    return found


def _final(matter_id: str) -> Response:
    flash(_("You have already decided on this matter; a decision is final."), "success")
    return redirect(url_for("matters.matter", matter_id=matter_id))


@blp.route("/<matter_id>/approval", methods=["GET", "POST"])
@current.sign_in_required
def approval(matter_id: str) -> Response | str:
    """Step 1: choose and explain; a valid form shows the confirmation step."""
    matter = get_matter(matter_id)
    if _mine(matter, "approver")["status"] != "pending":
        return _final(matter_id)
    form = ApprovalForm()
    if form.validate_on_submit():
        return render_template("matters/approval_confirm.html", matter=matter, form=form)
    return render_template("matters/approval.html", matter=matter, form=form)


@blp.post("/<matter_id>/approval/confirm")
@current.sign_in_required
def confirm_approval(matter_id: str) -> Response | str:
    """Step 2: the decision is sent, or the person goes back to change it."""
    matter = get_matter(matter_id)
    if _mine(matter, "approver")["status"] != "pending":
        return _final(matter_id)
    form = ApprovalForm()
    if not form.validate_on_submit() or request.form.get("action") != "confirm":
        return render_template("matters/approval.html", matter=matter, form=form)
    body = {"decision": form.decision.data, "comment": (form.comment.data or "").strip() or None}
    try:
        api.call("POST", f"{matter_path(matter_id)}/approval", body)
    except api.ApiError as problem:
        if problem.code == "DECISION_FINAL":
            return _final(matter_id)
        if problem.status != 422:
            raise
        show_api_errors(form, problem)
        return render_template("matters/approval.html", matter=matter, form=form)
    except api.ServiceBusy:
        form.form_errors.append(_("The service is busy: nothing was sent. Try again in a moment."))
        html = render_template("matters/approval_confirm.html", matter=matter, form=form)
        return Response(html, status=BUSY, headers={"Retry-After": "5"})
    if form.decision.data == "approve":
        flash(_("Your approval is recorded. The firm has been told."), "success")
    else:
        flash(_("Your rejection is recorded. The firm has been told."), "success")
    return redirect(url_for("matters.matter", matter_id=matter_id))


def _sign_page(matter: dict, form: SignForm, documents: list[dict], status: int = 200) -> Response:
    form.documents.data = ",".join(f"{d['id']}:{d['sha256']}" for d in documents)
    html = render_template("matters/sign.html", matter=matter, form=form, documents=documents)
    headers = {"Retry-After": "5"} if status == BUSY else {}
    return Response(html, status=status, headers=headers)


@blp.route("/<matter_id>/sign", methods=["GET", "POST"])
@current.sign_in_required
def sign(matter_id: str) -> Response:
    matter = get_matter(matter_id)
    if _mine(matter, "signee")["status"] != "pending":
        return redirect(url_for("decisions.receipt", matter_id=matter_id))
    form = SignForm()
    documents = documents_of(matter_id)
    if not form.validate_on_submit():
        return _sign_page(matter, form, documents)
    shown = form.shown_documents()
    body = {"full_name": form.full_name.data.strip(), "expected_documents": shown}
    try:
        if shown is None:  # a page altered in the browser: show the true list again
            raise api.ApiError(409, "DOCUMENTS_CHANGED")
        api.call("POST", f"{matter_path(matter_id)}/signature", body)
    except api.ApiError as problem:
        if problem.code == "DECISION_FINAL":
            return redirect(url_for("decisions.receipt", matter_id=matter_id))
        if problem.code == "DOCUMENTS_CHANGED":
            form.form_errors.append(
                _("The documents changed since you opened this page. Check them again, then sign.")
            )
            form.confirm.data = False
            return _sign_page(matter, form, documents_of(matter_id), status=409)
        if problem.status != 422:
            raise
        show_api_errors(form, problem)
        return _sign_page(matter, form, documents, status=422)
    except api.ServiceBusy:
        form.form_errors.append(
            _("The service is busy, so nothing was signed. Try again in a moment.")
        )
        return _sign_page(matter, form, documents, status=BUSY)
    flash(_("You signed. Keep this receipt: you can come back to it at any time."), "success")
    return redirect(url_for("decisions.receipt", matter_id=matter_id))


def _receipt(matter_id: str) -> dict:
    return api.call("GET", f"{matter_path(matter_id)}/signature")


@blp.get("/<matter_id>/receipt")
@current.sign_in_required
def receipt(matter_id: str) -> str:
    return render_template("matters/receipt.html", receipt=_receipt(matter_id))


@blp.get("/<matter_id>/receipt.pdf")
@current.sign_in_required
def receipt_pdf(matter_id: str) -> Response:
    signed = _receipt(matter_id)
    pdf = receipts.receipt_pdf(
        signed, str(get_locale()), str(get_timezone()), current_app.config["FIRM_NAME"]
    )
    name = f"signature-receipt-{signed['matter']['reference']}.pdf"
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in name)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
