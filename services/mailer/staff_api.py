"""Staff endpoints: the e-mail log (newest first, filtered, paginated) and resending."""

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_caller, staff_required
from services.common.models import is_id
from services.common.pagination import contains, paginate
from services.common.problems import ProblemError

from .models import Email, db
from .resends import request_resend, resend_refusal
from .schemas import EmailPageSchema, EmailQuerySchema, EmailSchema, ResendAcceptedSchema

blp = Blueprint(
    "emails",
    __name__,
    url_prefix="/api/v1/emails",
    description="The e-mail log: what the portal sent to whom, and resending.",
)


def _email_or_404(email_id: str) -> Email:
    email = db.session.get(Email, email_id) if is_id(email_id) else None
    if email is None:
        raise ProblemError(404, f"No e-mail has the id {email_id}.", code="EMAIL_NOT_FOUND")
    return email


@blp.route("")
class Emails(MethodView):
    @blp.response(200, EmailPageSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    @staff_required()
    @blp.arguments(EmailQuerySchema, location="query")
    def get(self, args: dict) -> dict:
        """The e-mail log, newest first."""
        query = sa.select(Email).order_by(Email.created_at.desc(), Email.id.desc())
        if args.get("recipient"):
            query = query.where(contains(Email.recipient_email, args["recipient"].strip()))
        if args.get("status"):
            query = query.where(Email.status == args["status"])
        if args.get("event_type"):
            query = query.where(Email.event_type == args["event_type"])
        return paginate(db.session, query, args["page"], args["page_size"])


@blp.route("/<email_id>")
class EmailById(MethodView):
    @blp.response(200, EmailSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @staff_required()
    def get(self, email_id: str) -> Email:
        """One logged e-mail."""
        return _email_or_404(email_id)


@blp.route("/<email_id>/resend")
class EmailResend(MethodView):
    @blp.response(202, ResendAcceptedSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @staff_required()
    def post(self, email_id: str) -> dict:
        """Send a logged e-mail again (a new log entry, linked to this one through `resend_of`).

        Accepted, not done: the worker sends it, with the usual retries. Refused (409, the
        problem says why) when it would reach a stale address or carry a dead link: an e-mail
        still held for the invitation, a one-time link (password reset), a person whose address
        changed or who is disabled, an invitation accepted, expired or replaced by a newer one.
        """
        email = _email_or_404(email_id)
        refusal = resend_refusal(email)
        if refusal is not None:
            raise ProblemError(409, refusal.message, code=refusal.code)
        resend_event_id = request_resend(email, current_caller().user_id)
        db.session.commit()
        return {"resend_event_id": resend_event_id}
