"""The contract and case sharing e-mails read right in English, French and Spanish (no I/O)."""

from __future__ import annotations

import marshmallow as ma
import pytest

from services.mailer.catalog import NOTIFICATIONS
from services.mailer.rendering import Rendered, render

from .conftest import PORTAL_URL, SHA_ANNEX, SHA_CONTRACT, matter, person, sharing_event

FIRM = "Dupont & Associés"


def _emails(event_type: str, locale: str, **data) -> list[Rendered]:
    """Each addressee's copy of the event's e-mail, rendered in `locale`."""
    notification = NOTIFICATIONS[event_type]
    addressees = notification.addressees(sharing_event(event_type, **data).data)
    return [
        render(notification.template, locale, {**a.context, "firm_name": FIRM}) for a in addressees
    ]


def _one(event_type: str, locale: str, **data) -> Rendered:
    (email,) = _emails(event_type, locale, **data)
    return email


def _assert_links_to_the_portal(email: Rendered) -> None:
    assert PORTAL_URL in email.text
    assert f'href="{PORTAL_URL}"' in email.html


@pytest.mark.parametrize(
    ("locale", "subject", "requester", "watcher"),
    [
        (
            "en",
            "A new contract has been shared with you: C-2026-014 – Supply agreement",
            "You are the requester of this contract",
            "You are one of the watchers of this contract",
        ),
        (
            "fr",
            "Un nouveau contrat a été partagé avec vous : C-2026-014 – Supply agreement",
            "Vous figurez comme demandeur de ce contrat",
            "Vous figurez parmi les observateurs de ce contrat",
        ),
        (
            "es",
            "Se ha compartido con usted un nuevo contrato: C-2026-014 – Supply agreement",
            "Usted figura como solicitante de este contrato",
            "Usted figura entre los observadores de este contrato",
        ),
    ],
)
def test_a_shared_contract_tells_each_person_whether_they_requested_or_watch_it(
    locale, subject, requester, watcher
):
    shared_with = [
        person("marie@example.com", "Marie Curie", None, **{"as": "requester"}),
        person("lena@example.com", "Lena Meier", None, **{"as": "watcher"}),
    ]

    for_requester, for_watcher = _emails(
        "sharing.matter.published", locale, shared_with=shared_with
    )

    assert for_requester.subject == for_watcher.subject == subject
    assert requester in for_requester.text
    assert watcher in for_watcher.text
    assert watcher not in for_requester.text
    for email in (for_requester, for_watcher):
        assert "C-2026-014 – Supply agreement (Acme SA)" in email.text
        assert "Supply agreement" in email.html
        assert "Dupont & Associés" in email.text
        _assert_links_to_the_portal(email)
    assert "Marie Curie" in for_requester.text
    assert "Lena Meier" in for_watcher.html


@pytest.mark.parametrize(
    ("locale", "subject", "words"),
    [
        ("en", "A new case has been shared with you: K-88 – Lease dispute", "Open the case"),
        ("fr", "Un nouveau dossier a été partagé avec vous : K-88 – Lease dispute", "le dossier"),
        (
            "es",
            "Se ha compartido con usted un nuevo expediente: K-88 – Lease dispute",
            "el expediente",
        ),
    ],
)
def test_a_case_is_worded_as_a_case(locale, subject, words):
    case = matter(kind="case", reference="K-88", title="Lease dispute")

    email = _one("sharing.matter.published", locale, matter=case)

    assert email.subject == subject
    assert words in email.html
    for contract_word in ("contract", "contrat", "contrato"):
        assert contract_word not in email.text


@pytest.mark.parametrize(
    ("locale", "role", "subject", "action"),
    [
        ("en", "approver", "Your approval is requested on", "approve or reject it"),
        ("en", "signee", "Your signature is requested on", "sign them electronically"),
        ("fr", "approver", "Votre approbation est demandée pour", "l’approuver ou le refuser"),
        ("fr", "signee", "Votre signature est demandée pour", "les signer électroniquement"),
        ("es", "approver", "Se solicita su aprobación para", "aprobarlo o rechazarlo"),
        ("es", "signee", "Se solicita su firma para", "firmarlos electrónicamente"),
    ],
)
def test_a_collaborator_is_asked_for_an_approval_or_a_signature(locale, role, subject, action):
    collaborator = person("lena@example.com", "Lena Meier", None, id="k1", role=role)

    email = _one("sharing.collaborator.added", locale, collaborator=collaborator)

    assert email.subject == f"{subject} C-2026-014 – Supply agreement"
    assert action in email.text
    assert "C-2026-014 – Supply agreement (Acme SA)" in email.text
    _assert_links_to_the_portal(email)


@pytest.mark.parametrize(
    ("locale", "decision", "subject", "body", "quoted"),
    [
        (
            "en",
            "rejected",
            "Pablo Ruiz rejected C-2026-014 – Supply agreement",
            "rejected the contract C-2026-014 – Supply agreement (Acme SA) on November 29, 2026, "
            "4:45\u202fPM Coordinated Universal Time.",
            "“Clause 4 must cap the penalties.”",
        ),
        (
            "fr",
            "approved",
            "Pablo Ruiz a approuvé C-2026-014 – Supply agreement",
            "a approuvé le contrat C-2026-014 – Supply agreement (Acme SA) le 29 novembre 2026, "
            "16:45 temps universel coordonné.",
            "« Clause 4 must cap the penalties. »",
        ),
        (
            "es",
            "rejected",
            "Pablo Ruiz ha rechazado C-2026-014 – Supply agreement",
            "ha rechazado el contrato C-2026-014 – Supply agreement (Acme SA) el 29 de noviembre",
            "«Clause 4 must cap the penalties.»",
        ),
    ],
)
def test_staff_learn_of_a_decision_with_its_comment_quoted(locale, decision, subject, body, quoted):
    email = _one("sharing.approval.decided", locale, decision=decision)

    assert email.subject == subject
    assert f"Pablo Ruiz (pablo@example.com) {body}" in email.text
    assert quoted in email.text
    assert "<blockquote" in email.html
    assert "Clause 4 must cap the penalties." in email.html


@pytest.mark.parametrize(
    ("locale", "no_comment"),
    [
        ("en", "They left no comment."),
        ("fr", "Aucun commentaire n’a été laissé."),
        ("es", "No ha dejado ningún comentario."),
    ],
)
def test_a_decision_without_comment_says_so(locale, no_comment):
    email = _one("sharing.approval.decided", locale, comment=None, decision="approved")

    assert no_comment in email.text
    assert no_comment in email.html


def test_a_decision_by_someone_without_a_name_shows_their_address():
    collaborator = person("anon@example.com", "", "en", id="k3", role="approver")

    email = _one("sharing.approval.decided", "en", collaborator=collaborator)

    assert email.subject.startswith("anon@example.com rejected C-2026-014")


@pytest.mark.parametrize(
    ("locale", "subject", "signed", "checksums"),
    [
        (
            "en",
            "Lena Sophie Meier signed the contract C-2026-014 – Supply agreement",
            "signed the contract C-2026-014 – Supply agreement (Acme SA) on December 1, 2026, "
            "8:15\u202fAM Coordinated Universal Time.",
            "Signed documents, with their SHA-256 checksums:",
        ),
        (
            "fr",
            "Lena Sophie Meier a signé le contrat C-2026-014 – Supply agreement",
            "a signé le contrat C-2026-014 – Supply agreement (Acme SA) le 1 décembre 2026, 08:15 "
            "temps universel coordonné.",
            "Documents signés, avec leur empreinte SHA-256 :",
        ),
        (
            "es",
            "Lena Sophie Meier ha firmado el contrato C-2026-014 – Supply agreement",
            "ha firmado el contrato C-2026-014 – Supply agreement (Acme SA) el 1 de diciembre",
            "Documentos firmados, con su huella SHA-256:",
        ),
    ],
)
def test_staff_learn_of_a_signature_with_each_documents_checksum(
    locale, subject, signed, checksums
):
    email = _one("sharing.signature.signed", locale)

    assert email.subject == subject
    assert f"Lena Sophie Meier (lena@example.com) {signed}" in email.text
    assert checksums in email.text
    for part in (email.text, email.html):
        assert "Supply agreement.pdf" in part
        assert "Annex A – prices.pdf" in part
        assert SHA_CONTRACT in part
        assert SHA_ANNEX in part
    assert email.text.index("Supply agreement.pdf") < email.text.index(SHA_CONTRACT)
    assert email.text.index(SHA_CONTRACT) < email.text.index("Annex A – prices.pdf")


@pytest.mark.parametrize(
    ("locale", "subject", "signed"),
    [
        (
            "en",
            "Lena Sophie Meier signed the documents of the case K-88 – Lease dispute",
            "signed the documents of the case K-88",
        ),
        (
            "fr",
            "Lena Sophie Meier a signé les documents du dossier K-88 – Lease dispute",
            "a signé les documents du dossier K-88",
        ),
        (
            "es",
            "Lena Sophie Meier ha firmado los documentos del expediente K-88 – Lease dispute",
            "ha firmado los documentos del expediente K-88",
        ),
    ],
)
def test_a_signature_names_what_was_signed_by_the_matters_kind(locale, subject, signed):
    case = matter(kind="case", reference="K-88", title="Lease dispute")

    email = _one("sharing.signature.signed", locale, matter=case)

    assert email.subject == subject
    assert signed in email.text
    for contract_word in ("contract", "contrat", "contrato", "caso"):
        assert contract_word not in email.text


@pytest.mark.parametrize(
    ("event_type", "moment"),
    [
        (
            "sharing.signature.signed",
            "1 de diciembre de 2026, 9:15 (hora estándar de Europa central)",
        ),
        (
            "sharing.approval.decided",
            "29 de noviembre de 2026, 17:45 (hora estándar de Europa central)",
        ),
    ],
)
def test_notices_give_the_time_in_the_readers_time_zone(event_type, moment):
    notification = NOTIFICATIONS[event_type]
    (addressee,) = notification.addressees(sharing_event(event_type).data)
    context = {**addressee.context, "firm_name": FIRM}

    email = render(notification.template, "es", context, "Europe/Paris")

    assert moment in email.text
    assert moment in email.html


@pytest.mark.parametrize(
    "event_type",
    [
        "sharing.matter.published",
        "sharing.collaborator.added",
        "sharing.approval.decided",
        "sharing.signature.signed",
    ],
)
@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_html_escapes_what_the_event_carries_but_the_text_keeps_it_as_is(event_type, locale):
    hostile = matter(title="<script>alert(1)</script>", company_name="Smith & Sons")

    email = _one(
        event_type,
        locale,
        matter=hostile,
        comment="<b>no</b>",
        documents=[{"document_id": "d", "name": "<img src=x>.pdf", "sha256": SHA_ANNEX}],
    )

    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "Smith &amp; Sons" in email.html
    assert "Dupont &amp; Associés" in email.html
    assert "<b>no</b>" not in email.html
    assert "<img src=x>" not in email.html
    assert "<script>alert(1)</script>" in email.text


def test_only_web_links_are_accepted_as_the_portal_link():
    event = sharing_event("sharing.matter.published", portal_url="javascript:alert(1)")

    with pytest.raises(ma.ValidationError):
        NOTIFICATIONS[event.type].addressees(event.data)


def test_the_sharing_events_are_in_the_catalog_in_every_language():
    templates = {
        "sharing.matter.published": "matter_shared",
        "sharing.collaborator.added": "collaboration_requested",
        "sharing.approval.decided": "approval_decided",
        "sharing.signature.signed": "signature_signed",
    }

    for event_type, template in templates.items():
        assert NOTIFICATIONS[event_type].template == template
        for locale in ("en", "fr", "es"):
            assert _one(event_type, locale).subject
