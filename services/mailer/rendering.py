"""E-mail templates: Jinja2 files `templates/<template>/<locale>.{subject.txt,txt,html}`.

Dates, times and lists are written by Babel (CLDR) in the reader's language and time zone.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.lists import format_list
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

log = logging.getLogger(__name__)

LOCALES = ("en", "fr", "es")
DEFAULT_LOCALE = "en"

# A matter as each language names it (the templates are written for masculine nouns).
_MATTER_NOUNS = {
    "en": {"contract": "contract", "case": "case"},
    "fr": {"contract": "contrat", "case": "dossier"},
    "es": {"contract": "contrato", "case": "expediente"},
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def normalize_locale(locale: str | None) -> str | None:
    """`fr-CA`, `fr_FR`, `FR` -> `fr`; None for anything the templates do not speak."""
    language = re.split(r"[-_]", (locale or "").strip(), maxsplit=1)[0].lower()
    return language if language in LOCALES else None


def resolve_locale(*candidates: str | None) -> str:
    """The first candidate that is set decides; one the templates do not speak falls to English."""
    for candidate in candidates:
        if candidate:
            return normalize_locale(candidate) or DEFAULT_LOCALE
    return DEFAULT_LOCALE


def resolve_time_zone(*candidates: str | None) -> str:
    """The first candidate that is a known IANA zone; UTC when none is."""
    for candidate in candidates:
        if not candidate:
            continue
        try:
            ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r ignored", candidate)
            continue
        return candidate
    return "UTC"


def _moment(value: date | datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_date(value: date | datetime | str, locale: str, time_zone: str = "UTC") -> str:
    """The day as the reader's language writes it, in their time zone: December 1, 2026."""
    return babel_date(_moment(value).astimezone(ZoneInfo(time_zone)), "long", locale=locale)


@cache
def _time_with_zone_pattern(locale: str) -> str:
    """The language's full time pattern (`h:mm:ss a zzzz`) without the seconds."""
    return Locale.parse(locale).time_formats["full"].pattern.replace(":ss", "")


def format_datetime(value: datetime | str, locale: str, time_zone: str = "UTC") -> str:
    """Day, time and the zone's name in the reader's language and zone:
    `December 1, 2026, 9:15 AM Central European Standard Time`."""
    moment = _moment(value)
    zone = ZoneInfo(time_zone)
    day = babel_date(moment.astimezone(zone), "long", locale=locale)
    time = babel_datetime(moment, _time_with_zone_pattern(locale), tzinfo=zone, locale=locale)
    return Locale.parse(locale).datetime_formats["long"].format(time, day)


def format_names(names: list[str], locale: str) -> str:
    """`A, B, and C` / `A, B et C` / `A, B y C`."""
    return format_list(list(names), locale=locale) if names else ""


@pass_context
def _date_filter(context, value) -> str:
    return format_date(value, context["locale"], context["time_zone"])


@pass_context
def _datetime_filter(context, value) -> str:
    return format_datetime(value, context["locale"], context["time_zone"])


@pass_context
def _names_filter(context, names) -> str:
    return format_names(list(names), context["locale"])


@pass_context
def _noun_filter(context, kind: str) -> str:
    return _MATTER_NOUNS[context["locale"]][kind]


def _full_stop(text: str) -> str:
    """The full stop a sentence ending in `text` still needs: none after `Acme Inc.`."""
    return "" if str(text).rstrip().endswith((".", "!", "?", "…")) else "."


_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    auto_reload=False,  # templates ship with the code: no stat of each file on every e-mail
)
_env.filters.update(
    date=_date_filter,
    datetime=_datetime_filter,
    names=_names_filter,
    noun=_noun_filter,
    full_stop=_full_stop,
)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render(template: str, locale: str, context: dict, time_zone: str = "UTC") -> Rendered:
    """Render the subject, the text body and its HTML alternative of `template` in `locale`,
    dates and times in `time_zone`."""
    context = {**context, "locale": locale, "time_zone": time_zone}

    def part(suffix: str) -> str:
        return _env.get_template(f"{template}/{locale}.{suffix}").render(context)

    return Rendered(subject=_one_line(part("subject.txt")), text=part("txt"), html=part("html"))
