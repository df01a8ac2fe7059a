"""What an integrator bound to `portal.events` reads while a contact is invited, accepts, and
resets a password, and while staff e-mail a secure link: the events the mailer needs, each as
its schema says, and no link with a token, though the e-mails carry them."""

from __future__ import annotations

from services.common.testing import wait_until

from ..suite import Client
from .stories import activate, admin, mails_to, new_company, new_contact
from .tap import live_tokens, problems

PASSWORD = "saffron lighthouse marble 63"


def test_the_token_links_reach_the_mailer_sealed_and_no_integrator_can_use_them(
    suite, smtp_server, event_tap
):
    staff = admin(suite)
    company = new_company(staff, "Sealed Links Ltd")
    contact = new_contact(staff, company, name="Noor")
    activate(suite, smtp_server, staff, contact, PASSWORD)
    asked = Client(suite.gateway).post(
        "/api/v1/auth/password-reset", json={"email": contact["email"]}
    )
    assert asked.status_code == 202, asked.text
    wait_until(
        lambda: len(mails_to(smtp_server, contact["email"])) == 2, timeout=30, message="reset"
    )

    wanted = {"identity.invitation.sent", "identity.password_reset.requested"}

    def seen() -> list[dict]:
        return [
            e
            for e in event_tap.events
            if e["type"] in wanted and e["data"]["user"]["id"] == contact["id"]
        ]

    events = wait_until(lambda: len(seen()) == 2 and seen(), timeout=30, message="the events")
    tokens = live_tokens(smtp_server)
    assert len(tokens) >= 2  # the e-mails carry the live links...
    for event in events:  # ...the events only sealed ones
        assert event["data"]["sealed_url"] and "token=" not in str(event)
        assert not any(token in str(event) for token in tokens)
    assert problems(events, smtp_server) == []
