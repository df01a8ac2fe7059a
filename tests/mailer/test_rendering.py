"""The invitation e-mail reads right in English, French and Spanish (unit tests, no I/O)."""

from __future__ import annotations

import pytest
from flask import Flask

from services.common.sealing import link_keys
from services.mailer.catalog import NOTIFICATIONS, invitation_addressees
from services.mailer.rendering import (
    LOCALES,
    format_date,
    format_datetime,
    format_names,
    render,
    resolve_locale,
    resolve_time_zone,
)

from .conftest import invitation_event, password_reset_event, sealed, sharing_event

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
            "December 1, 2026, 9:30\u202fAM Coordinated Universal Time",
            "Acme SA and Globex SARL",
            "Hello Marie Curie,",
        ),
        (
            "fr",
            "Dupont & Associés vous invite sur son portail client",
            "1 décembre 2026, 09:30 temps universel coordonné",
            "Acme SA et Globex SARL",
            "Bonjour Marie Curie,",
        ),
        (
            "es",
            "Dupont & Associés le invita a su portal de clientes",
            "1 de diciembre de 2026, 9:30 (tiempo universal coordinado)",
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
    assert "expire le 1 décembre 2026, 09:30 temps universel coordonné." in french
    assert "Para aceptar la invitación y elegir su contraseña" in spanish
    assert "caduca el 1 de diciembre de 2026, 9:30 (tiempo universal coordinado)." in spanish


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


def test_dates_are_written_by_babel_as_each_language_does_in_the_readers_zone():
    assert format_date("2026-03-15T23:00:00Z", "en") == "March 15, 2026"
    assert format_date("2026-03-15T23:00:00Z", "fr") == "15 mars 2026"
    assert format_date("2026-08-01T08:00:00+02:00", "fr") == "1 août 2026"
    assert format_date("2026-03-15T23:00:00Z", "es") == "15 de marzo de 2026"
    # Late on the 15th in London is already the 16th in Paris.
    assert format_date("2026-03-15T23:00:00Z", "fr", "Europe/Paris") == "16 mars 2026"


@pytest.mark.parametrize(
    ("locale", "zone", "written"),
    [
        ("en", "Europe/Paris", "December 1, 2026, 9:15\u202fAM Central European Standard Time"),
        ("fr", "Europe/Paris", "1 décembre 2026, 09:15 heure normale d’Europe centrale"),
        ("es", "America/Mexico_City", "1 de diciembre de 2026, 2:15 (hora estándar central)"),
        ("en", "UTC", "December 1, 2026, 8:15\u202fAM Coordinated Universal Time"),
    ],
)
def test_a_moment_carries_its_time_and_the_readers_zone(locale, zone, written):
    assert format_datetime("2026-12-01T08:15:00Z", locale, zone) == written


@pytest.mark.parametrize(
    ("locale", "names", "written"),
    [
        ("en", ["Acme SA", "Globex SARL", "Initech"], "Acme SA, Globex SARL, and Initech"),
        ("fr", ["Acme SA", "Globex SARL", "Initech"], "Acme SA, Globex SARL et Initech"),
        ("es", ["Acme SA", "Globex SARL"], "Acme SA y Globex SARL"),
        ("en", ["Acme SA"], "Acme SA"),
        ("en", [], ""),
    ],
)
def test_lists_are_joined_by_babel(locale, names, written):
    assert format_names(names, locale) == written


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_a_company_name_ending_in_a_dot_gets_no_second_full_stop(locale):
    context = {**_context(), "companies": ["Globex SARL", "Acme Inc."]}

    email = render("invitation", locale, context)

    for part in (email.text, email.html):
        assert "Acme Inc.." not in part
        assert "Inc.</strong>." not in part
    assert "Acme Inc." in email.text
    plain = render("invitation", locale, {**context, "companies": ["Acme SA"]}).text
    assert "Acme SA." in plain


def test_unknown_time_zones_fall_back_to_the_next_candidate_then_utc():
    assert resolve_time_zone(None, "Europe/Paris", "UTC") == "Europe/Paris"
    assert resolve_time_zone("Mars/Olympus", "America/Mexico_City") == "America/Mexico_City"
    assert resolve_time_zone("", None) == "UTC"


ONBOARDING_SAMPLES = {
    "onboarding.resume_link.issued": {
        "access_request_id": "r1",
        "group": {"id": "g1", "name": "Key accounts"},
        "contact": {"name": "Marie Curie", "email": "marie@example.com", "locale": "fr"},
        "sealed_url": sealed("https://portal.example.com/portal/onboarding/resume?token=abc"),
        "expires_at": "2026-12-01T09:30:00Z",
    },
    "onboarding.additional_contact.added": {
        "primary": {"user_id": "u1", "email": "marie@example.com", "name": "Marie", "locale": "fr"},
        "secondary": {"user_id": "u2", "email": "pablo@example.com", "name": "Pablo"},
        "company": {"id": "c1", "name": "Globex Inc."},
        "group": {"id": "g1", "name": "Key accounts"},
        "message": "Welcome your colleague.",
    },
}


def _intervention_sample(to: str | None = None) -> dict:
    from .test_intervention_emails import intervention

    data = {"intervention": intervention(scheduled_at="2027-01-05T09:00:00Z", technician="Ali")}
    return {**data, "from": "to_schedule", "to": to} if to else data


FIELD_SERVICE_SAMPLES = {
    "identity.link.issued": lambda: {
        "sealed_url": sealed("https://portal.example.com/portal/link?token=t"),
        "company": {"id": "c1", "name": "Globex Inc."},
        "contact": {"name": "Claire", "email": "claire@globex.example"},
        "locale": None,
    },
    "interventions.intervention.created": _intervention_sample,
    "interventions.intervention.status_changed": lambda: _intervention_sample("completed"),
}


def _sample(event_type: str) -> dict:
    if event_type in ONBOARDING_SAMPLES:
        return ONBOARDING_SAMPLES[event_type]
    if event_type == "identity.invitation.sent":
        return invitation_event().data
    if event_type == "identity.password_reset.requested":
        return password_reset_event().data
    if event_type in FIELD_SERVICE_SAMPLES:
        return FIELD_SERVICE_SAMPLES[event_type]()
    return sharing_event(event_type).data


# documents.shared names its contact by id only: its addressee comes from the recipients
# replica (a database), rendered in every language by test_documents_delivery.py.
@pytest.mark.parametrize("event_type", sorted(set(NOTIFICATIONS) - {"documents.shared"}))
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", ["contract", "case"])
def test_every_email_renders_in_every_language_with_the_firm_and_no_leftovers(
    event_type, locale, kind
):
    notification = NOTIFICATIONS[event_type]
    data = _sample(event_type)
    if "matter" in data:
        data["matter"].update(kind=kind, company_name="Globex Inc.")
    if "companies" in data:
        data["companies"][-1]["name"] = "Globex Inc."
    # The dispatch desk's address is a setting of the running mailer.
    settings = Flask(__name__)
    settings.config.update(MAIL_DISPATCH_ADDRESS="dispatch@firm.example", MAIL_DISPATCH_LOCALE="en")
    settings.config["MAIL_LINK_KEYS"] = link_keys()  # opens the sealed links
    with settings.app_context():
        addressees = notification.addressees(data)
    assert addressees, event_type
    for addressee in addressees:
        context = {**addressee.context, "firm_name": "Acme Inc."}
        email = render(notification.template, locale, context, "Europe/Paris")

        assert email.subject
        for part in (email.subject, email.text, email.html):
            assert "{{" not in part and "{%" not in part
            assert ".." not in part.replace("...", "")
        assert "Acme Inc." in email.text
        assert f'lang="{locale}"' in email.html
