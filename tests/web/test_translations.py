"""Every message of the portal has its French and Spanish translation (no browser needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from web.i18n import catalog_path

ROOT = Path(__file__).resolve().parents[2]
# As babel.cfg says, for `pybabel extract -F babel.cfg -k _l -o messages.pot .`
METHODS = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
OPTIONS = {"web/templates/**.html": {"extensions": "jinja2.ext.do"}}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def source_messages() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = extract_from_dir(ROOT, METHODS, options_map=OPTIONS, keywords=keywords, comment_tags=())
    return {message if isinstance(message, str) else message[0] for *_, message, _, _ in found}


@pytest.mark.parametrize("locale", ["fr", "es"])
def test_every_message_is_translated(locale):
    with catalog_path(locale).open("rb") as file:
        catalog = read_po(file, locale=locale)
    missing = []
    for msgid in sorted(source_messages()):
        entry = catalog.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(msgid)
        elif sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(entry.string)):
            missing.append(f"{msgid} (its placeholders differ)")
    assert not missing, f"{catalog_path(locale)} lacks:\n" + "\n".join(missing)


def test_the_check_sees_the_portals_messages():
    messages = source_messages()
    assert "Sign in" in messages  # a template's
    assert "This field is required." in messages  # a lazy one in Python
