"""Field-service e-mails: the dispatch desk hears of each request; the customer's contact hears,
in their language, when an intervention is scheduled or completed; a secure link e-mailed once."""

from __future__ import annotations

import pytest

from services.common.consumer import handle_message
from services.common.events import Event

from .conftest import body, emails, sealed

URL = "https://portal.example.com/portal/interventions/5b2e"


def intervention(**changes) -> dict:
    return {
        "id": "5b2e",
        "number": "INT-000123",
        "company": {"id": "c1", "name": "Acme", "number": "C-42"},
        "site": {"id": "s1", "name": "Depot"},
        "type": {"id": "t1", "name": "Repair"},
        "description": "Water on the floor",
        "status": "to_schedule",
        "scheduled_at": None,
        "technician": None,
        "address": {"line1": "1 rue de la Paix", "postal_code": "75002", "city": "Paris"},
        "contact": {"name": "Claire Martin", "email": "claire@acme.example", "phone": None},
        "locale": "fr",
        "created_by": "link:l1",
        "url": URL,
        **changes,
    }


def test_a_new_request_is_emailed_to_the_dispatch_desk(app, mail):
    app.config["MAIL_DISPATCH_ADDRESS"] = "dispatch@firm.example"
    event = Event(
        "interventions.intervention.created", {"intervention": intervention()}, source="/x"
    )
    assert handle_message(app, body(event), 0).action == "ack"
    assert handle_message(app, body(event), 0).action == "ack"

    (message,) = mail.messages
    assert message["To"] == "dispatch@firm.example"
    assert message["Subject"] == "New intervention request INT-000123 from Acme"
    text = message.get_body(("plain",)).get_content()
    assert "Water on the floor" in text and "1 rue de la Paix, 75002 Paris" in text
    assert "Claire Martin <claire@acme.example>" in text


def test_no_dispatch_address_means_no_email(app, mail):
    app.config["MAIL_DISPATCH_ADDRESS"] = ""
    event = Event(
        "interventions.intervention.created", {"intervention": intervention()}, source="/x"
    )
    assert handle_message(app, body(event), 0).action == "ack"
    assert mail.messages == []


@pytest.mark.parametrize(
    ("to", "locale", "subject", "line"),
    [
        (
            "scheduled",
            "fr",
            "L’intervention INT-000123 est planifiée",
            "est planifiée le 5 janvier 2027, 09:00",
        ),
        ("scheduled", "es", "La intervención INT-000123 está planificada", "con Ali."),
        ("completed", "en", "Intervention INT-000123 is completed", "for Acme is completed."),
    ],
)
def test_the_contact_is_told_when_scheduled_or_completed_in_their_language(
    app, mail, to, locale, subject, line
):
    item = intervention(
        status=to, scheduled_at="2027-01-05T09:00:00Z", technician="Ali", locale=locale
    )
    data = {"intervention": item, "from": "to_schedule", "to": to}
    event = Event("interventions.intervention.status_changed", data, source="/x")
    assert handle_message(app, body(event), 0).action == "ack"

    (message,) = mail.messages
    assert message["To"] == "Claire Martin <claire@acme.example>"
    assert message["Subject"] == subject
    text = message.get_body(("plain",)).get_content()
    assert line in text and URL in text
    assert emails(app)[0].locale == locale


def test_other_moves_email_nobody(app, mail):
    data = {
        "intervention": intervention(status="cancelled"),
        "from": "to_schedule",
        "to": "cancelled",
    }
    event = Event("interventions.intervention.status_changed", data, source="/x")
    assert handle_message(app, body(event), 0).action == "ack"
    assert mail.messages == []


def test_a_secure_link_is_emailed_to_the_contact_and_not_kept(app, mail):
    url = "https://portal.example.com/portal/link?token=s3cr3t-l1nk"
    data = {
        "link": {"id": "l1", "company_id": "c1", "scope": {"type": "company", "id": "c1"}},
        "sealed_url": sealed(url),
        "company": {"id": "c1", "name": "Acme"},
        "contact": {"name": "Claire Martin", "email": "claire@acme.example"},
        "locale": "fr",
    }
    event = Event("identity.link.issued", data, source="/identity")
    assert handle_message(app, body(event), 0).action == "ack"

    (message,) = mail.messages
    assert message["Subject"] == "Votre portail client Dupont & Associés pour Acme"
    assert url in message.get_body(("plain",)).get_content()
    assert "s3cr3t-l1nk" not in str(emails(app)[0].event_data)
    assert emails(app)[0].event_data["sealed_url"] is None  # not even sealed
