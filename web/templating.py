"""What every template sees: the person, the company shown, the languages, the CSRF field,
`_()` bound to the request's catalog, and the page header, kept once rendered."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import lru_cache

from flask import Flask, current_app, request, session
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from . import api, current
from .config import LANGUAGE_NAMES


def _gettext(lookup: Callable[[str], str]) -> Callable[..., str]:
    """The templates' `_()` (Jinja's newstyle gettext) over one catalog's lookup. Flask-Babel's
    own finds the catalog again on every call (request context, locale, cache), about half of
    what the frame of a page costs to render with its twenty-odd strings."""

    @pass_context
    def gettext(context: Context, string: str, **variables: object) -> str:
        text = lookup(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - a message of our catalogs, as in Jinja's own
        return text % variables  # always a format string, as Jinja's newstyle gettext

    return gettext


# Stands for this page's own path in a kept header; no text of a page can hold it.
_HERE = f"\x00{secrets.token_hex(8)}\x00"


def _header(
    script_root: str,
    locale: str,
    csrf_secret: str | None,
    signed_in: bool,
    companies: tuple[tuple[str, str, str | None], ...],
    company_id: str | None,
) -> str:
    """The header for what its arguments say, which is everything it shows: the same for
    every page of one person in one language and company (its CSRF token lives as long as
    the session), so it is rendered once, not on every page (a third of a page's rendering)."""
    shown = [{"id": i, "name": name, "role": role} for i, name, role in companies]
    return (
        current_app.jinja_env.get_template("_header.html")
        .render(
            _=_gettext(get_translations().ugettext),
            current_locale=locale,
            language_names=LANGUAGE_NAMES,
            person=signed_in,
            companies=shown,
            company=next((c for c in shown if c["id"] == company_id), None),
            here=_HERE,
        )
        .strip()
    )


def site_header() -> Markup:
    """This page's header; kept only once the session has its CSRF secret (the first page of
    a session makes it)."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    csrf_secret = session.get(field)
    person, company = current.person(), current.company()
    args = (
        request.script_root,
        str(get_locale()),
        csrf_secret,
        person is not None,
        tuple((c["id"], c["name"], c.get("role")) for c in current.companies()),
        company["id"] if company else None,
    )
    html = current_app.extensions["web.headers"](*args) if csrf_secret else _header(*args)
    return Markup(html.replace(_HERE, str(escape(current.here()))))  # noqa: S704 - escaped


def _context() -> dict:
    gettext = _gettext(get_translations().ugettext)
    return {
        "person": current.person(),
        "companies": current.companies(),
        "company": current.company(),
        "current_locale": str(get_locale()),
        "language_names": LANGUAGE_NAMES,
        "here": current.here(),
        "_": gettext,
        "gettext": gettext,
        "site_header": site_header,
    }


def _store_reachable() -> None:
    if session.unavailable:
        raise api.ServiceBusy("session store unreachable")


def install(app: Flask) -> None:
    app.context_processor(_context)
    # Per app: another app in the process has its own firm name and CSRF key.
    app.extensions["web.headers"] = lru_cache(maxsize=2048)(_header)
    app.before_request(_store_reachable)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
