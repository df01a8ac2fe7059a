"""Error pages a person understands: HTML in their language, never JSON or a stack trace."""

from __future__ import annotations

import logging

import redis
from flask import Flask, Response, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import api
from .current import here

log = logging.getLogger(__name__)

# status -> (title, what happened and what to do). 403 reads as 404: a page of another company
# must not be told apart from a page that does not exist.
PAGES = {
    400: (
        _l("This request could not be understood"),
        _l("Go back to the previous page and try again."),
    ),
    404: (
        _l("Nothing here for you"),
        _l(
            "This page does not exist, or it is not shared with you. "
            "Check the link, or start again from your home page."
        ),
    ),
    410: (
        _l("This link has expired"),
        _l("This link is no longer valid. Ask the sender for a new one."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("It has been recorded and we will look into it. Please try again in a moment."),
    ),
    503: (
        _l("The service is busy"),
        _l("We could not finish this just now. Please try again in a moment."),
    ),
}


def error_page(status: int, title: str | None = None, message: str | None = None) -> Response:
    """The error page for `status` (unknown statuses read as 400, 404 or 500)."""
    shown = 404 if status in (403, 404, 405) else status
    if shown not in PAGES:
        shown = 500 if status >= 500 else 400
    default_title, default_message = PAGES[shown]
    html = render_template(
        "errors/error.html", title=title or default_title, message=message or default_message
    )
    return Response(html, status=shown, mimetype="text/html")


def sign_in_needed(_: api.SignInNeeded) -> Response:
    # Tokens that no longer work are forgotten, or sign-in would send the person straight back.
    session.pop("tokens", None)
    session.pop("person", None)
    target = here() if request.method == "GET" else None
    return redirect(url_for("auth.sign_in", next=target))


def _service_busy(error: Exception) -> Response:
    log.warning("service busy: %s", error)
    response = error_page(503)
    response.headers["Retry-After"] = "5"
    return response


def _api_error(error: api.ApiError) -> Response:
    # A 4xx no view expected: the page says so in words, the details stay in the log.
    log.info("API answered %s %s", error.status, error.code)
    return error_page(error.status)


def _csrf(_: CSRFError) -> Response:
    return error_page(
        400,
        _l("This form has expired"),
        _l("For your security, forms expire. Go back, reload the page and send it again."),
    )


def _http(error: HTTPException) -> Response:
    # Flask reports a failure while saving the session as a 500 wrapping the store's error.
    if isinstance(getattr(error, "original_exception", None), redis.RedisError):
        return _service_busy(error.original_exception)
    return error_page(error.code or 500)


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error")
    return error_page(500)


def install(app: Flask) -> None:
    app.register_error_handler(api.SignInNeeded, sign_in_needed)
    app.register_error_handler(api.ServiceBusy, _service_busy)
    app.register_error_handler(redis.RedisError, _service_busy)
    app.register_error_handler(api.ApiError, _api_error)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)
