"""E-mail templates: Jinja2 files `templates/<template>/<locale>.{subject.txt,txt,html}`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

LOCALES = ("en", "fr", "es")
DEFAULT_LOCALE = "en"

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
}
_AND = {"en": "and", "fr": "et", "es": "y"}


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


def format_date(value: date | datetime | str, locale: str) -> str:
    """A date as people write it: November 29, 2026 / 29 novembre 2026 / 29 de noviembre de 2026."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    month = _MONTHS[locale].split()[value.month - 1]
    if locale == "fr":
        return f"{'1er' if value.day == 1 else value.day} {month} {value.year}"
    if locale == "es":
        return f"{value.day} de {month} de {value.year}"
    return f"{month} {value.day}, {value.year}"


def format_names(names: list[str], locale: str) -> str:
    """`A, B and C` / `A, B et C` / `A, B y C`."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {_AND[locale]} {names[-1]}"


@pass_context
def _date_filter(context, value) -> str:
    return format_date(value, context["locale"])


@pass_context
def _names_filter(context, names) -> str:
    return format_names(list(names), context["locale"])


_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_env.filters["date"] = _date_filter
_env.filters["names"] = _names_filter


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render(template: str, locale: str, context: dict) -> Rendered:
    """Render the subject, the text body and its HTML alternative of `template` in `locale`."""
    context = {**context, "locale": locale}

    def part(suffix: str) -> str:
        return _env.get_template(f"{template}/{locale}.{suffix}").render(context)

    return Rendered(subject=_one_line(part("subject.txt")), text=part("txt"), html=part("html"))
