"""End to end through RabbitMQ: the worker e-mails an invitation and a staff-requested resend."""

from __future__ import annotations

import threading
import uuid

import pika
import pytest

from services.common import broker
from services.common.testing import wait_until
from services.common.worker import start_worker

from .conftest import (
    emails,
    invitation_event,
    matter,
    person,
    sharing_event,
    user_event,
)


def _consuming(amqp_url: str) -> bool:
    """True once a consumer is attached to the mailer's queue (so a published event is routed)."""
    connection = broker.connect(amqp_url)
    try:
        declared = connection.channel().queue_declare(broker.queue_name("mailer"), passive=True)
        return declared.method.consumer_count > 0
    except pika.exceptions.ChannelClosedByBroker:  # not declared yet
        return False
    finally:
        if connection.is_open:
            connection.close()


@pytest.fixture
def worker(app, amqp_url, request):
    app.config["HANDLER_THREADS"] = getattr(request, "param", app.config["HANDLER_THREADS"])
    stop = threading.Event()
    threads = start_worker(app, stop)
    wait_until(lambda: _consuming(amqp_url), timeout=30, message="the mailer consumer")
    yield
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)


def _publish(amqp_url: str, event) -> None:
    connection = broker.connect(amqp_url)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            "portal.events",
            event.type,
            event.to_json().encode(),
            pika.BasicProperties(
                message_id=event.id,
                type=event.type,
                content_type="application/cloudevents+json",
                delivery_mode=pika.DeliveryMode.Persistent,
            ),
            mandatory=True,
        )
    finally:
        connection.close()


def test_the_worker_emails_an_invitation_and_a_resend(app, worker, amqp_url, mail, minter):
    event = invitation_event(email="ada@example.com", name="Ada Lovelace", locale="en")

    _publish(amqp_url, event)

    wait_until(lambda: mail.messages, message="the invitation e-mail")
    (message,) = mail.messages
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert "Acme SA and Globex SARL" in message.get_body(("plain",)).get_content()
    (original,) = wait_until(
        lambda: [row for row in emails(app) if row.status == "sent"], message="the log row"
    )

    # Staff ask for it again: the outbox relay publishes the request, the consumer sends.
    response = app.test_client().post(
        f"/api/v1/emails/{original.id}/resend", headers=minter.headers()
    )
    assert response.status_code == 202

    wait_until(lambda: len(mail.messages) == 2, message="the resent e-mail")
    assert mail.messages[1]["Subject"] == message["Subject"]
    rows = wait_until(lambda: len(emails(app)) == 2 and emails(app), message="the resend row")
    assert {row.resend_of for row in rows} == {None, original.id}


@pytest.mark.parametrize("worker", [4], indirect=True)  # CONSUMER_HANDLER_THREADS=4
def test_events_handled_at_once_send_each_email_once_and_hold_none_for_good(
    app, worker, amqp_url, mail
):
    assert app.config["HANDLER_THREADS"] > 1
    people = [
        {"id": str(uuid.uuid4()), "email": f"person{i}@example.com", "name": f"Person {i}"}
        for i in range(6)
    ]
    events = [
        user_event("identity.user.created", p["id"], "2026-11-26T10:00:00Z", **p) for p in people
    ]
    for i, (first, second) in enumerate(zip(people, people[1:] + people[:1], strict=True)):
        # The same two people named in both orders: handled at once, these must not deadlock.
        pair = [first, second] if i % 2 else [second, first]
        shared_with = [
            person(p["email"], p["name"], "en", user_id=p["id"], **{"as": "watcher"}) for p in pair
        ]
        events.append(
            sharing_event(
                "sharing.matter.published",
                matter=matter(reference=f"C-{i}"),
                shared_with=shared_with,
            )
        )
    events += [invitation_event(id=p["id"], email=p["email"], name=p["name"]) for p in people]

    for event in events:
        _publish(amqp_url, event)

    expected = len(people) + 2 * len(people)  # an invitation each, two e-mails per share
    wait_until(lambda: len(mail.messages) >= expected, timeout=60, message="every e-mail")
    wait_until(lambda: all(row.status == "sent" for row in emails(app)), message="nothing held")
    ids = [message["Message-ID"] for message in mail.messages]
    assert len(ids) == expected
    assert len(set(ids)) == expected
    for p in people:  # their invitation and the two shares naming them
        received = [m["Subject"] for m in mail.messages if p["email"] in str(m["To"])]
        assert len(received) == 3
