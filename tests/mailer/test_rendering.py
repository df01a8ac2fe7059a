"""The invitation e-mail reads right in English, French and Spanish (unit tests, no I/O)."""

from __future__ import annotations

import pytest

from services.mailer.catalog import invitation_addressees
from services.mailer.rendering import format_date, render, resolve_locale

from .conftest import invitation_event

ACCEPT_URL = "https://portal.example.com/invitations/accept?token=s3cr3t-t0ken"


def _context(**user) -> dict:
    (addressee,) = invitation_addressees(invitation_event(**user).data)
    return {**addressee.context, "firm_name": "Dupont & Associés"}


@pytest.mark.parametrize(
    ("locale", "subject", "date", "companies", "greeting"),
    [
        (
            "en",
            "Dupont & Associés invites you to its client portal",
            "December 1, 2026",
            "Acme SA and Globex SARL",
            "Hello Marie Curie,",
        ),
        (
            "fr",
            "Dupont & Associés vous invite sur son portail client",
            "1er décembre 2026",
            "Acme SA et Globex SARL",
            "Bonjour Marie Curie,",
        ),
        (
            "es",
            "Dupont & Associés le invita a su portal de clientes",
            "1 de diciembre de 2026",
            "Acme SA y Globex SARL",
            "Hola, Marie Curie:",
        ),
    ],
)
def test_invitation_is_written_in_the_readers_language(locale, subject, date, companies, greeting):
    email = render("invitation", locale, _context())

    assert email.subject == subject
    for part in (email.text, email.html):
        assert companies in part
        assert date in part
        assert "Jean Dupont" in part
    assert email.text.startswith(greeting)
    assert ACCEPT_URL in email.text
    assert f'href="{ACCEPT_URL}"' in email.html.replace("&amp;", "&")


def test_french_and_spanish_are_real_translations():
    french = render("invitation", "fr", _context()).text
    spanish = render("invitation", "es", _context()).text

    assert "Pour accepter l’invitation et choisir votre mot de passe" in french
    assert "expire le 1er décembre 2026" in french
    assert "Para aceptar la invitación y elegir su contraseña" in spanish
    assert "caduca el 1 de diciembre de 2026" in spanish


def test_html_escapes_what_the_event_carries_but_the_text_keeps_it_as_is():
    context = _context(name="<script>alert(1)</script>")
    context["companies"] = ["Smith & Sons"]

    email = render("invitation", "en", context)

    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "Smith &amp; Sons" in email.html
    assert "Dupont &amp; Associés" in email.html
    assert "Hello <script>alert(1)</script>," in email.text
    assert "Smith & Sons" in email.text


def test_invitation_without_inviter_or_companies_still_reads_well():
    context = {**_context(), "inviter": "", "companies": []}

    email = render("invitation", "en", context)

    assert "Dupont & Associés has invited you to join our client portal." in email.text


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("fr", "es"), "fr"),
        ((None, "es"), "es"),
        (("", None), "en"),
        (("fr-CA", None), "fr"),
        (("es_MX", None), "es"),
        (("de", "fr"), "en"),
    ],
)
def test_locale_comes_from_the_event_then_the_replica_then_english(candidates, expected):
    assert resolve_locale(*candidates) == expected


def test_dates_are_written_as_each_language_does():
    assert format_date("2026-03-15T23:00:00Z", "en") == "March 15, 2026"
    assert format_date("2026-03-15T23:00:00Z", "fr") == "15 mars 2026"
    assert format_date("2026-08-01T08:00:00+02:00", "fr") == "1er août 2026"
    assert format_date("2026-03-15T23:00:00Z", "es") == "15 de marzo de 2026"
