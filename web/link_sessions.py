"""Secure-link sessions: a customer opens the portal from a link the firm sent, without an account.

The link's token is exchanged for a short-lived access token carrying the link's scope. The
token is kept in the server-side session (never in a page, a URL or a cookie) so that the
session can open the link again when that access token expires; a revoked or expired link then
fails and the person sees the "link no longer valid" page.
"""

from __future__ import annotations

from flask import session

from . import api


def active() -> bool:
    return bool(session.get("link")) and bool(session.get("tokens"))


def _exchange(token: str) -> dict:
    if not token or len(token) > 200:
        raise api.ApiError(400, "LINK_INVALID")
    return api.call("POST", "/auth/links/exchange", {"token": token}, anonymous=True)


def start(token: str) -> None:
    """A new session (new id: nothing of an earlier one carries over) for this link."""
    opened = _exchange(token)
    keep = {k: session[k] for k in ("lang",) if k in session}
    session.clear()
    session.rotate()
    session.update(keep)
    session["link"] = {"token": token, "company": opened["company"], "scope": opened["scope"]}
    session["tokens"] = {"access": opened["access_token"], "refresh": None}


def reopen() -> None:
    """A fresh access token from the same link; SignInNeeded when the link no longer opens."""
    try:
        opened = _exchange(session["link"]["token"])
    except api.ApiError as problem:
        session.pop("link", None)
        session.pop("tokens", None)
        session["link_ended"] = True  # the page says so rather than asking to sign in
        raise api.SignInNeeded from problem
    session["tokens"] = {"access": opened["access_token"], "refresh": None}
