"""documents.shared: each contact is e-mailed, in their language, the documents newly shared
with them (documents names the contact by id; the recipients replica knows their address)."""

from __future__ import annotations

import uuid

import pytest

from services.common.consumer import handle_message
from services.common.events import Event
from services.mailer.handlers import HANDLERS
from services.mailer.rendering import LOCALES, render

from .conftest import body, emails, sharing_event


def _known(app, user_id: str, email: str, name: str, locale: str) -> None:
    created = Event(
        "identity.user.created",
        {"id": user_id, "email": email, "name": name, "locale": locale, "version": 1},
        subject=user_id,
    )
    assert handle_message(app, body(created), 0).action == "ack"


def _shared(user_id: str, *names: str) -> Event:
    return Event(
        "documents.shared",
        {
            "matter_id": str(uuid.uuid4()),
            "user_id": user_id,
            "documents": [{"id": str(uuid.uuid4()), "name": n} for n in names],
            "shared_by": str(uuid.uuid4()),
            "portal_url": "https://portal.example/portal/matters/m-1",
        },
        subject=user_id,
        source="/documents",
    )


def test_the_mailer_listens_to_documents_shared():
    assert "documents.shared" in HANDLERS


def test_each_contact_gets_the_new_documents_in_their_language(app, mail):
    anne, luis = str(uuid.uuid4()), str(uuid.uuid4())
    _known(app, anne, "anne@client.example", "Anne", "fr")
    _known(app, luis, "luis@client.example", "Luis", "es")

    for event in (_shared(anne, "Bail.pdf", "Annexe.pdf"), _shared(luis, "Contrato.pdf")):
        assert handle_message(app, body(event), 0).action == "ack"
        assert handle_message(app, body(event), 0).action == "ack"  # redelivered: once

    received = {m["X-RcptTo"]: m for m in mail.messages}
    assert set(received) == {"anne@client.example", "luis@client.example"}
    anne_mail, luis_mail = received["anne@client.example"], received["luis@client.example"]
    assert anne_mail["Subject"] == "2 documents ont été partagés avec vous"
    text = anne_mail.get_body(("plain",)).get_content()
    assert "- Bail.pdf" in text and "- Annexe.pdf" in text
    assert "https://portal.example/portal/matters/m-1" in text
    assert luis_mail["Subject"] == "Se ha compartido un documento con usted: Contrato.pdf"
    assert "Contrato.pdf" in luis_mail.get_body(("html",)).get_content()
    assert {row.template for row in emails(app)} == {"documents_shared"}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("names", [["Bail.pdf"], ["Bail.pdf", "Annexe.pdf"]])
def test_the_e_mail_renders_in_every_language_with_no_leftovers(locale, names):
    context = {
        "name": "Anne",
        "documents": names,
        "portal_url": "https://portal.example/portal/matters/m-1",
        "firm_name": "Acme Inc.",
    }
    email = render("documents_shared", locale, context, "Europe/Paris")
    for part in (email.subject, email.text, email.html):
        assert "{{" not in part and "{%" not in part
        assert all(name in part for name in names) or part is email.subject
    assert "Acme Inc." in email.text
    assert f'lang="{locale}"' in email.html


def test_a_client_upload_reaches_the_matters_staff_in_their_language(app, mail):
    event = sharing_event("sharing.client_activity")
    assert handle_message(app, body(event), 0).action == "ack"

    (message,) = mail.messages
    assert message["X-RcptTo"] == "jean@dupont.example"
    assert message["Subject"] == "Lena Meier a déposé Signed lease.pdf dans C-2026-014"
    text = message.get_body(("plain",)).get_content()
    assert "lena@example.com" in text
    assert "« Lease.pdf »" in text
