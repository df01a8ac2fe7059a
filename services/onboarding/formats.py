"""Tax IDs in a group's format and phone numbers: normalised and validated with well-kept
libraries (python-stdnum, phonenumbers), never by hand."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from stdnum.us import ein, ssn, tin


@dataclass(frozen=True)
class TaxIdFormat:
    key: str
    pattern: str  # as shown to a person: "nn-nnnnnnn"
    shape: re.Pattern  # what may be typed (besides the nine digits alone)
    check: object  # a python-stdnum module: is_valid(), compact()
    label: str


TAX_ID_FORMATS = {
    f.key: f
    for f in (
        TaxIdFormat(
            "nine_digits", "nnnnnnnnn", re.compile(r"\d{9}"), tin, "nine digits, no delimiter"
        ),
        TaxIdFormat("ein", "nn-nnnnnnn", re.compile(r"\d{2}-\d{7}"), ein, "employer number (EIN)"),
        TaxIdFormat(
            "ssn", "nnn-nn-nnnn", re.compile(r"\d{3}-\d{2}-\d{4}"), ssn, "social security number"
        ),
    )
}


def normalise_tax_id(value: str, format_key: str) -> str | None:
    """The tax ID written in the format (`nn-nnnnnnn` ...), or None when it is not one: letters,
    a wrong length or shape, or a number the format's rules refuse. Spaces are ignored, and the
    nine digits alone are accepted for every format."""
    fmt = TAX_ID_FORMATS[format_key]
    typed = re.sub(r"\s+", "", value)
    if not (fmt.shape.fullmatch(typed) or re.fullmatch(r"\d{9}", typed)):
        return None
    digits = typed.replace("-", "")
    if not fmt.check.is_valid(digits):
        return None
    if format_key == "nine_digits":
        return digits
    return fmt.check.format(digits)


def tax_id_digits(value: str | None) -> str | None:
    """The digits of a tax ID however it was written: what matching compares."""
    digits = re.sub(r"\D", "", value or "")
    return digits or None


def tax_id_message(format_key: str) -> str:
    fmt = TAX_ID_FORMATS[format_key]
    return (
        f"Enter a valid {fmt.label} in the format {fmt.pattern} (n is a digit; nine digits in all)."
    )


def normalise_phone(value: str, region: str | None = None) -> str | None:
    """The number in E.164 (+33142685300), or None when it is not a valid phone number. A
    number without its country code (+...) is read as one of `region` when given."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
