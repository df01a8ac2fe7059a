"""Who is signed in and which of their companies the pages show, from the server-side session."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import request, session
from flask_babel import refresh

from . import api


def person() -> dict | None:
    """The signed-in person's profile as /me gave it, or None."""
    return session.get("person") if session.get("tokens") else None


def companies() -> list[dict]:
    return (person() or {}).get("companies") or []


def company() -> dict | None:
    """The company the pages show: the one chosen, else the person's first."""
    known = companies()
    chosen = session.get("company_id")
    return next((c for c in known if c["id"] == chosen), known[0] if known else None)


def reload_person() -> dict:
    """GET /me into the session (after sign-in and after a profile change)."""
    me = api.call("GET", "/me")
    session["person"] = {
        "id": me["id"],
        "email": me["email"],
        "kind": me.get("kind"),
        "name": me.get("name") or "",
        "locale": me.get("locale"),
        "time_zone": me.get("time_zone"),
        "companies": [
            {"id": c["id"], "name": c["name"], "role": c.get("role")}
            for c in me.get("companies") or []
        ],
    }
    refresh()  # the person's language may differ from the one this request started in
    return session["person"]


def _new_session() -> None:
    """Empty the session under a new id (fixation), keeping only the language chosen."""
    keep = {k: session[k] for k in ("lang",) if k in session}
    session.clear()
    session.rotate()
    session.update(keep)


def start(pair: dict) -> None:
    """Sign in with a token pair: a new session id, then the profile."""
    _new_session()
    api.keep_tokens(pair)
    reload_person()


def end() -> None:
    """Sign out: revoke the refresh token, forget the session and its id."""
    tokens = session.get("tokens") or {}
    if tokens.get("refresh"):
        # The session is forgotten even when identity is down; the token then expires by itself.
        with contextlib.suppress(api.ServiceBusy):
            api.send("POST", "/auth/logout", body={"refresh_token": tokens["refresh"]})
    _new_session()


def local_path(target: str | None) -> str | None:
    """`target` when it is a path of the portal itself, else None (no open redirect)."""
    if not target or not target.startswith("/portal/") and target != "/portal":
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 0x20 for c in target):
        return None
    return target


def sign_in_required(view: Callable) -> Callable:
    """Views for signed-in people only; others go to sign-in and come back afterwards."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if person() is None:
            raise api.SignInNeeded
        return view(*args, **kwargs)

    return wrapper


def here() -> str:
    """This page's path and query, to come back to after signing in."""
    return request.full_path.rstrip("?") if request.query_string else request.path
