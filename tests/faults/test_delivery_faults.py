"""Nothing lost, nothing doubled: the invitation flow under broker, SMTP and worker faults."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid

import pika
import requests

from services.common import broker
from services.common.events import Event
from services.common.sealing import seal
from services.common.testing import wait_until

from ..e2e.stories import admin, invite, mails_to, new_company, new_contact


def rabbitmq(action: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", action], check=True, capture_output=True, timeout=120)


def queued(amqp_url: str, *queues: str) -> int:
    connection = broker.connect(amqp_url)
    try:
        channel = connection.channel()
        return sum(channel.queue_declare(q, passive=True).method.message_count for q in queues)
    finally:
        connection.close()


def retrying(suite) -> int:
    delays = {float(d) for d in suite.env["RETRY_DELAYS"].split(",")}
    return queued(suite.env["AMQP_URL"], *(broker.retry_queue("mailer", d) for d in delays))


def waiting_for_smtp(suite) -> bool:
    metrics = requests.get(suite.worker_admin("mailer") + "/metrics", timeout=10).text
    return 'portal_dependency_waiting{dependency="smtp",service="mailer"} 1.0' in metrics


def exactly_one_each(suite, smtp_server, contacts: list[dict]) -> None:
    for contact in contacts:
        wait_until(
            lambda c=contact: mails_to(smtp_server, c["email"]),
            timeout=60,
            message=f"the invitation to {contact['email']}",
        )
    # Every outbox is drained and nothing waits in the mailer's queue: no second copy can come.
    operator = admin(suite)

    def drained() -> bool:
        pending = [
            operator.get(suite.url(s) + "/admin/outbox", absolute=True).json()["pending"]
            for s in ("identity", "mailer")
        ]
        return pending == [0, 0] and queued(suite.env["AMQP_URL"], "mailer.events") == 0

    wait_until(drained, timeout=30, message="outboxes and the mailer's queue drained")
    for contact in contacts:
        assert len(mails_to(smtp_server, contact["email"])) == 1, contact["email"]


def test_broker_restart_while_inviting_loses_and_doubles_nothing(suite, smtp_server):
    staff = admin(suite)
    company = new_company(staff)
    contacts = [new_contact(staff, company, name=f"Broker{i}") for i in range(3)]
    rabbitmq("stop_app")
    try:
        for contact in contacts:
            invite(staff, contact)  # the requests succeed: events wait in identity's outbox
    finally:
        rabbitmq("start_app")
    exactly_one_each(suite, smtp_server, contacts)


def test_same_event_delivered_twice_sends_one_email(suite, smtp_server):
    email = f"twice.{uuid.uuid4().hex[:8]}@client.example"
    event = Event(
        type="identity.invitation.sent",
        subject=str(uuid.uuid4()),
        source="/identity",
        data={
            "invitation_id": str(uuid.uuid4()),
            "email": email,
            "user": {
                "id": str(uuid.uuid4()),
                "email": email,
                "name": "Twice",
                "locale": "en",
                "time_zone": None,
            },
            "sealed_url": seal(
                "http://portal.example/portal/accept-invitation?token=abc",
                {"MAIL_LINK_KEYS": [suite.env["MAIL_LINK_KEYS"]]},
            ),
            "expires_at": "2030-01-01T00:00:00+00:00",
            "invited_by": {"id": str(uuid.uuid4()), "name": "Admin"},
            "companies": [{"id": str(uuid.uuid4()), "name": "Twice Ltd"}],
        },
    )
    connection = broker.connect(suite.env["AMQP_URL"])
    channel = connection.channel()
    channel.confirm_delivery()
    for _ in range(2):
        channel.basic_publish(
            "portal.events",
            event.type,
            event.to_json().encode(),
            pika.BasicProperties(message_id=event.id, delivery_mode=2),
            mandatory=True,
        )
    connection.close()
    wait_until(lambda: mails_to(smtp_server, email), timeout=30, message="the e-mail")
    wait_until(
        lambda: queued(suite.env["AMQP_URL"], "mailer.events") == 0,
        timeout=30,
        message="the mailer's queue drained",
    )
    assert len(mails_to(smtp_server, email)) == 1


def test_smtp_down_for_a_while_then_every_email_goes_out_once(suite, smtp_server):
    staff = admin(suite)
    company = new_company(staff)
    contacts = [new_contact(staff, company, name=f"Smtp{i}") for i in range(2)]
    port = smtp_server.port
    smtp_server.stop()
    try:
        for contact in contacts:
            invite(staff, contact)
        wait_until(lambda: waiting_for_smtp(suite), timeout=30, message="the mailer waiting")
        # An outage is not the message's fault: no attempt spent, nothing parked.
        time.sleep(sum(float(d) for d in suite.env["RETRY_DELAYS"].split(",")) + 1)
        assert retrying(suite) == 0
        assert queued(suite.env["AMQP_URL"], "mailer.parked") == 0
    finally:
        smtp_server.start("127.0.0.1", port)
    exactly_one_each(suite, smtp_server, contacts)


def test_email_parked_after_every_attempt_is_sent_on_replay(suite, smtp_server):
    """The SMTP server is up but refuses this address for now, every attempt: parked."""
    staff = admin(suite)
    contact = new_contact(staff, new_company(staff), name="Parked")
    mailer_admin = suite.url("mailer") + "/admin/parked"
    operator = admin(suite)
    smtp_server.refused[contact["email"]] = "450 4.2.1 Mailbox busy, try again later"
    try:
        invite(staff, contact)

        def parked():
            items = operator.get(mailer_admin, absolute=True).json()["items"]
            return [i for i in items if i["event"]["type"] == "identity.invitation.sent"]

        (item,) = wait_until(parked, timeout=60, message="the invitation parked")
        log = staff.get("/api/v1/emails", params={"recipient": contact["email"]}).json()
        assert [e["status"] for e in log["items"]] == ["failed"]
    finally:
        del smtp_server.refused[contact["email"]]
    replay = operator.post(
        mailer_admin + "/replay", absolute=True, params={"message_id": item["message_id"]}
    )
    assert replay.json() == {"replayed": 1}
    exactly_one_each(suite, smtp_server, [contact])


def test_worker_killed_mid_message_loses_and_doubles_nothing(suite, smtp_server):
    staff = admin(suite)
    contact = new_contact(staff, new_company(staff), name="Midway")
    smtp_server.hold()
    try:
        invite(staff, contact)
        wait_until(
            lambda: smtp_server.in_flight == 1,
            timeout=30,
            message="the mailer in the middle of sending",
        )
        suite.stop_worker("mailer", signal.SIGKILL)
        wait_until(
            lambda: smtp_server.in_flight == 0,
            timeout=30,
            message="the dead worker's SMTP session dropped",
        )
        suite.start_worker("mailer")
        wait_until(
            lambda: smtp_server.in_flight == 1,
            timeout=30,
            message="the new worker sending the redelivered invitation",
        )
    finally:
        smtp_server.release()
    exactly_one_each(suite, smtp_server, [contact])


def test_worker_down_while_invitations_queue_up_loses_nothing(suite, smtp_server):
    staff = admin(suite)
    company = new_company(staff)
    suite.stop_worker("mailer", signal.SIGKILL)
    try:
        contacts = [new_contact(staff, company, name=f"Killed{i}") for i in range(3)]
        for contact in contacts:
            invite(staff, contact)
        wait_until(
            lambda: queued(suite.env["AMQP_URL"], "mailer.events") >= 3,
            timeout=30,
            message="invitations waiting for the mailer",
        )
    finally:
        suite.start_worker("mailer")
    exactly_one_each(suite, smtp_server, contacts)
