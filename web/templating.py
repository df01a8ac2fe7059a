"""What every template sees: the person, the company shown, the languages, the CSRF field, and
`_()` bound to the request's catalog."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, session
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

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
    }


def _store_reachable() -> None:
    if session.unavailable:
        raise api.ServiceBusy("session store unreachable")


def install(app: Flask) -> None:
    app.context_processor(_context)
    app.before_request(_store_reachable)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
