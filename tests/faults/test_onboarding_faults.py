"""The onboarding chain (onboarding -> identity -> onboarding -> mailer) with its workers
killed while representatives register: once they are back, every account, invitation and
"additional contact" e-mail is there exactly once."""

from __future__ import annotations

import signal
import uuid

from services.common.testing import wait_until

from ..e2e.onboarding_steps import Wizard, customer_group, group_company, signup_token
from ..e2e.stories import admin, mails_to
from .test_delivery_faults import queued


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

    def subjects(email: str) -> list[str]:
        return sorted(str(m["Subject"]) for m in mails_to(smtp_server, email))

    wait_until(
        lambda: len(subjects(primary)) == 3 and len(subjects(secondary)) == 2,
        timeout=60,
        message="resume links, invitations and the additional-contact e-mail",
    )
    operator = admin(suite)

    def drained() -> bool:
        pending = [
            operator.get(suite.url(s) + "/admin/outbox", absolute=True).json()["pending"]
            for s in ("onboarding", "identity", "mailer")
        ]
        queues = ("identity.events", "onboarding.events", "mailer.events")
        return pending == [0, 0, 0] and queued(suite.env["AMQP_URL"], *queues) == 0

    wait_until(drained, timeout=30, message="outboxes and queues drained")
    assert [s for s in subjects(primary) if "ajouté" in s], subjects(primary)
    assert len(subjects(primary)) == 3 and len(subjects(secondary)) == 2
