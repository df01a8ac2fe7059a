"""Languages of the portal: English, French, Spanish from gettext catalogs (web/translations).

The catalogs are read from their .po files when the app starts, so no compiled .mo file is
kept in the repository or made by a build step. The locale of a page: the signed-in person's
(from their profile), else the one chosen on the language switcher, else the browser's.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, request, session
from flask_babel import Babel

from .config import LOCALES

TRANSLATIONS = Path(__file__).parent / "translations"


def catalog_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _load(locale: str) -> Translations:
    with catalog_path(locale).open("rb") as file:
        catalog = read_po(file, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def select_locale() -> str:
    person = session.get("person") or {}
    if person.get("locale") in LOCALES:
        return person["locale"]
    if session.get("lang") in LOCALES:
        return session["lang"]
    return request.accept_languages.best_match(LOCALES) or "en"


def select_timezone() -> str | None:
    return (session.get("person") or {}).get("time_zone") or None


def install(app: Flask) -> None:
    babel = Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Flask-Babel looks translations up in this cache first: fill it from the .po files.
    with app.app_context():
        cache = babel.domain_instance.cache
    cache[("en", "messages")] = Translations()
    for locale in LOCALES[1:]:
        cache[(locale, "messages")] = _load(locale)
