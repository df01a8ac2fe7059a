"""Following one request: its id in the access log of the service that served it, then as the
event's `correlationid` in the log line of the worker that handled the event; and the worker's
own /metrics and /healthz."""

from __future__ import annotations

import json
import uuid

import requests

from services.common.testing import wait_until

from .stories import admin, mails_to, new_company, new_contact


def json_lines(suite, process: str) -> list[dict]:
    lines = []
    for line in (suite.logs / f"{process}.log").read_text(errors="replace").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_a_request_id_is_in_the_access_log_and_in_the_worker_log_of_its_event(suite, smtp_server):
    staff = admin(suite)
    contact = new_contact(staff, new_company(staff), name="Traced")
    request_id = f"trace-{uuid.uuid4().hex}"

    response = staff.post(
        f"/api/v1/users/{contact['id']}/invite", headers={"X-Request-ID": request_id}
    )

    assert response.status_code == 202, response.text
    assert response.headers["X-Request-ID"] == request_id
    wait_until(lambda: mails_to(smtp_server, contact["email"]), message="the invitation")
    (access,) = [
        line
        for line in json_lines(suite, "identity")
        if line["logger"] == "portal.access" and line.get("request_id") == request_id
    ]
    assert access["message"].startswith(f"POST /api/v1/users/{contact['id']}/invite 202")
    handled = wait_until(
        lambda: [
            line
            for line in json_lines(suite, "mailer-worker")
            if line.get("correlationid") == request_id
        ],
        message="the mailer worker's log line of the event",
    )
    assert {line["event_type"] for line in handled} == {"identity.invitation.sent"}
    assert all(line["event_id"] for line in handled)


def test_every_worker_serves_health_and_metrics(suite, smtp_server):
    staff = admin(suite)
    contact = new_contact(staff, new_company(staff), name="Counted")
    staff.post(f"/api/v1/users/{contact['id']}/invite")
    wait_until(lambda: mails_to(smtp_server, contact["email"]), message="the invitation")
    for service in ("identity", "sharing", "documents", "interventions", "onboarding", "mailer"):
        health = requests.get(suite.worker_admin(service) + "/healthz", timeout=10)
        assert health.status_code == 200, (service, health.text)
        assert health.json()["status"] == "ok"
        metrics = requests.get(suite.worker_admin(service) + "/metrics", timeout=10).text
        assert 'portal_queue_messages_ready{queue="portal.unrouted"}' in metrics, service
    metrics = requests.get(suite.worker_admin("mailer") + "/metrics", timeout=10).text
    assert (
        'portal_events_handled_total{event_type="identity.invitation.sent",service="mailer"}'
        in metrics
    )
    assert 'portal_emails_sent_total{language="en",template="invitation"}' in metrics
    assert 'portal_queue_messages_ready{queue="mailer.events"}' in metrics
