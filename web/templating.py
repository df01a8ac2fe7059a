"""What every template sees: the person, the company shown, the languages, the CSRF field."""

from __future__ import annotations

from flask import Flask, session
from flask_babel import get_locale

from . import api, current
from .config import LANGUAGE_NAMES


def _context() -> dict:
    return {
        "person": current.person(),
        "companies": current.companies(),
        "company": current.company(),
        "current_locale": str(get_locale()),
        "language_names": LANGUAGE_NAMES,
        "here": current.here(),
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
