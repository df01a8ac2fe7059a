"""A representative disabled in identity loses access to their contact information here as soon
as the announcement arrives, with the access token they still hold; enabled again, they are
back. Late or repeated announcements change nothing."""

from __future__ import annotations

from services.common.events import Event

from .test_contact import _portal

CONTACT = "/api/v1/portal/onboarding/contact"


def announce(world, user_id: str, status: str, version: int, created: bool = False) -> None:
    """`identity.user.created` / `.updated` as identity publishes it."""
    data = {
        "id": user_id,
        "email": "prima@client.example",
        "name": "Prima",
        "locale": "fr",
        "kind": "portal",
        "role": None,
        "status": status,
        "version": version,
    }
    kind = "identity.user.created" if created else "identity.user.updated"
    world.deliver(Event(kind, data, subject=user_id, source="/identity"))


def test_a_disabled_representative_can_no_longer_see_or_update_their_contact(world):
    group = world.group()
    company = world.company("Acme", group["id"], "04-2103594")
    user_id = world.membership(company, "primary", "prima@client.example", locale="fr")
    announce(world, user_id, "active", version=1, created=True)
    headers = _portal(world, user_id, company)  # issued before the account is disabled
    shown = f"{CONTACT}?company_id={company}"
    assert world.http.get(shown, headers=headers).status_code == 200

    announce(world, user_id, "disabled", version=2)
    for refused in (
        world.http.get(shown, headers=headers),
        world.http.put(
            CONTACT,
            json={"company_id": company, "name": "Prima", "phone": "01 42 68 53 00"},
            headers=headers,
        ),
    ):
        assert refused.status_code == 401
        assert refused.content_type == "application/problem+json"
        assert refused.json["code"] == "ACCOUNT_DISABLED"
        assert "disabled" in refused.json["detail"]

    announce(world, user_id, "active", version=1)  # an older change arriving late
    assert world.http.get(shown, headers=headers).status_code == 401

    announce(world, user_id, "active", version=3)
    assert world.http.get(shown, headers=headers).status_code == 200
