"""Graceful shutdown: SIGTERM each worker in the middle of a burst of events, start it again,
and every e-mail is sent exactly once (a worker finishes or gives back the messages in hand)."""

from __future__ import annotations

import signal

from services.topology import SERVICES

from ..e2e.stories import admin, invite, new_company, new_contact
from .test_delivery_faults import exactly_one_each


def test_sigterm_each_worker_mid_burst_every_event_handled_once(suite, smtp_server):
    staff = admin(suite)
    company = new_company(staff)
    contacts = []
    restarted = []
    for service in SERVICES:
        for i in range(6):
            # New contacts (identity.user.created: sharing, documents, onboarding, mailer) and
            # their invitations (the mailer) keep every consumer busy while one is stopped.
            contact = new_contact(staff, company, name=f"Burst{service}{i}")
            invite(staff, contact)
            contacts.append(contact)
        process = suite.processes[f"{service}-worker"]
        suite.stop_worker(service, signal.SIGTERM)
        restarted.append((service, process.returncode))
        suite.start_worker(service)
    assert restarted == [(service, 0) for service in SERVICES]  # clean exits, not killed
    exactly_one_each(suite, smtp_server, contacts)
