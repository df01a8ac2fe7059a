"""The password reset e-mail: written in the reader's language and time zone, sent once, never
kept or resent with its link."""

from __future__ import annotations

import pytest

from services.common.consumer import handle_message
from services.mailer.catalog import NOTIFICATIONS
from services.mailer.handlers import HANDLERS
from services.mailer.rendering import render

from .conftest import RESET_URL, body, emails, outbox, password_reset_event


def _rendered(locale: str, time_zone: str):
    notification = NOTIFICATIONS["identity.password_reset.requested"]
    (addressee,) = notification.addressees(password_reset_event().data)
    context = {**addressee.context, "firm_name": "Dupont & Associés"}
    return render(notification.template, locale, context, time_zone)


@pytest.mark.parametrize(
    ("locale", "subject", "expiry", "greeting"),
    [
        (
            "en",
            "Reset your password for the Dupont & Associés client portal",
            "expires on December 1, 2026, 10:30\u202fAM Central European Standard Time.",
            "Hello Marie Curie,",
        ),
        (
            "fr",
            "Réinitialisez votre mot de passe du portail client de Dupont & Associés",
            "expire le 1 décembre 2026, 10:30 heure normale d’Europe centrale.",
            "Bonjour Marie Curie,",
        ),
        (
            "es",
            "Restablezca su contraseña del portal de clientes de Dupont & Associés",
            "caduca el 1 de diciembre de 2026, 10:30 (hora estándar de Europa central).",
            "Hola, Marie Curie:",
        ),
    ],
)
def test_the_reset_email_reads_right_in_each_language(locale, subject, expiry, greeting):
    email = _rendered(locale, "Europe/Paris")

    assert email.subject == subject
    assert email.text.startswith(greeting)
    for part in (email.text, email.html):
        assert expiry in part
    assert RESET_URL in email.text
    assert f'href="{RESET_URL}"' in email.html


def test_the_mailer_sends_the_reset_email_once_in_the_readers_language_and_zone(app, mail):
    assert "identity.password_reset.requested" in HANDLERS
    event = password_reset_event(locale="es", time_zone="America/Mexico_City")

    assert handle_message(app, body(event), 0).action == "ack"
    assert handle_message(app, body(event), 0).action == "ack"

    (message,) = mail.messages
    assert message["To"] == "Marie Curie <marie.curie@example.com>"
    assert message["Subject"] == (
        "Restablezca su contraseña del portal de clientes de Dupont & Associés"
    )
    text = message.get_body(("plain",)).get_content()
    assert RESET_URL in text
    assert "caduca el 1 de diciembre de 2026, 3:30 (hora estándar central)." in text
    (row,) = emails(app)
    assert (row.template, row.locale, row.status) == ("password_reset", "es", "sent")
    # The log keeps no usable link: a reset link is for the person who asked, once.
    assert row.event_data["sealed_url"] is None
    assert "r3s3t-t0ken" not in str(row.event_data)
    assert len(outbox(app, "mailer.email.sent")) == 1


def test_staff_cannot_resend_a_reset_email(app, client, minter, mail):
    handle_message(app, body(password_reset_event()), 0)
    (row,) = emails(app)

    response = client.post(f"/api/v1/emails/{row.id}/resend", headers=minter.headers())

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "RESEND_NOT_ALLOWED"
    assert "asks for a new one" in problem["detail"]
    assert outbox(app, "mailer.email.resend_requested") == []
    assert len(mail.messages) == 1
