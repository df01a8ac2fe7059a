"""The onboarding chain (onboarding -> identity -> onboarding -> mailer) under faults while
representatives register (workers killed, the broker restarted): once things are back, every
account, membership, invitation and "additional contact" e-mail is there exactly once."""

from __future__ import annotations

import signal
import uuid

from services.common.testing import wait_until

from ..e2e.onboarding_steps import Wizard, customer_group, group_company, signup_token
from ..e2e.stories import admin, mails_to
from ..e2e.test_onboarding_story import ADDED_SUBJECT, INVITATION_SUBJECT
from .test_delivery_faults import queued, rabbitmq

CHAIN_SERVICES = ("onboarding", "identity", "mailer")
CHAIN_QUEUES = ("identity.events", "onboarding.events", "mailer.events")


def subjects(smtp_server, email: str) -> list[str]:
    return sorted(str(m["Subject"]) for m in mails_to(smtp_server, email))


def pending_in_outboxes(suite, operator) -> list[int]:
    return [
        operator.get(suite.url(s) + "/admin/outbox", absolute=True).json()["pending"]
        for s in CHAIN_SERVICES
    ]


def wait_drained(suite) -> None:
    """Every outbox of the chain empty and nothing waiting in its queues: no copy can come."""
    operator = admin(suite)
    wait_until(
        lambda: (
            pending_in_outboxes(suite, operator) == [0, 0, 0]
            and queued(suite.env["AMQP_URL"], *CHAIN_QUEUES) == 0
        ),
        timeout=30,
        message="outboxes and queues drained",
    )


def test_workers_killed_while_representatives_register_lose_and_double_nothing(suite, smtp_server):
    staff = admin(suite)
    group = customer_group(staff, "ein")
    group_company(staff, group, "04-2103594", name="Chain Co")
    token = signup_token(staff, group)
    primary, secondary = (f"{n}.{uuid.uuid4().hex[:8]}@client.example" for n in ("p", "s"))
    suite.stop_worker("identity", signal.SIGKILL)
    suite.stop_worker("onboarding", signal.SIGKILL)
    try:
        # The requests succeed: their events wait in onboarding's outbox.
        for email, locale in ((primary, "fr"), (secondary, "es")):
            submitted = Wizard(suite, token, locale).register(email, "Rep", "04-2103594")
            assert submitted.json()["status"] == "completed", submitted.text
        suite.start_worker("onboarding")
        wait_until(
            lambda: queued(suite.env["AMQP_URL"], "identity.events") >= 2,
            timeout=30,
            message="completed requests waiting for identity",
        )
    finally:
        suite.start_worker("identity")
        if "onboarding-worker" not in suite.processes:
            suite.start_worker("onboarding")

    wait_until(
        lambda: (
            len(subjects(smtp_server, primary)) == 3 and len(subjects(smtp_server, secondary)) == 2
        ),
        timeout=60,
        message="resume links, invitations and the additional-contact e-mail",
    )
    wait_drained(suite)
    assert [s for s in subjects(smtp_server, primary) if "ajouté" in s], subjects(
        smtp_server, primary
    )
    assert len(subjects(smtp_server, primary)) == 3
    assert len(subjects(smtp_server, secondary)) == 2


def test_broker_restart_while_representatives_register_loses_and_doubles_nothing(
    suite, smtp_server
):
    staff = admin(suite)
    group = customer_group(staff, "ein")
    company = group_company(staff, group, "04-2103594", name="Restart Co")
    token = signup_token(staff, group)
    people = {  # email -> (locale, role identity must give them)
        f"p.{uuid.uuid4().hex[:8]}@client.example": ("fr", "primary"),
        f"s.{uuid.uuid4().hex[:8]}@client.example": ("es", "secondary"),
    }
    rabbitmq("stop_app")
    try:
        # The whole wizard works with the broker down: every event waits in an outbox.
        for email, (locale, _) in people.items():
            submitted = Wizard(suite, token, locale).register(email, "Rep", "04-2103594")
            assert submitted.json()["status"] == "completed", submitted.text
        assert pending_in_outboxes(suite, staff)[0] >= 2  # at least both completed requests
    finally:
        rabbitmq("start_app")

    def mails(email: str, words: str) -> list[str]:
        return [s for s in subjects(smtp_server, email) if words in s.lower()]

    (primary, (primary_locale, _)), (secondary, (secondary_locale, _)) = people.items()
    wait_until(
        lambda: (
            all(mails(e, INVITATION_SUBJECT[loc]) for e, (loc, _) in people.items())
            and mails(primary, ADDED_SUBJECT[primary_locale])
        ),
        timeout=90,
        message="both invitations and the primary's additional-contact e-mail",
    )
    wait_drained(suite)

    members = staff.get(f"/api/v1/companies/{company['id']}/members").json()["items"]
    assert sorted((m["user"]["email"], m["role"], m["active"]) for m in members) == sorted(
        (email, role, True) for email, (_, role) in people.items()
    )
    for email, (locale, _) in people.items():
        found = staff.get("/api/v1/users", params={"q": email}).json()["items"]
        assert [u["email"] for u in found] == [email]
        assert len(mails(email, INVITATION_SUBJECT[locale])) == 1, subjects(smtp_server, email)
    assert len(mails(primary, ADDED_SUBJECT[primary_locale])) == 1, subjects(smtp_server, primary)
    assert not mails(secondary, ADDED_SUBJECT[secondary_locale]), subjects(smtp_server, secondary)
