"""End to end through RabbitMQ: the worker e-mails an invitation and a staff-requested resend."""

from __future__ import annotations

import threading

import pika
import pytest

from services.common import broker
from services.common.testing import wait_until
from services.common.worker import start_worker

from .conftest import emails, invitation_event


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
def worker(app, amqp_url):
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
