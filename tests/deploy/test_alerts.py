"""Every alert points at a runbook paragraph that exists, and the dashboard shows the golden
signals with the metric names of CONTRACTS.md. (promtool checks and unit-tests the rules in
`make lint`.)"""

from __future__ import annotations

import json
import re

import yaml

from scripts.check_deploy import DEPLOY

RULES = yaml.safe_load((DEPLOY / "prometheus/alerts.yaml").read_text())
RUNBOOK = (DEPLOY / "RUNBOOK.md").read_text()


def test_every_alert_has_a_runbook_paragraph():
    anchors = {heading.lower() for heading in re.findall(r"^## (\w+)$", RUNBOOK, re.MULTILINE)}
    alerts = [rule for group in RULES["groups"] for rule in group["rules"]]
    assert len(alerts) >= 10
    for rule in alerts:
        path, _, anchor = rule["annotations"]["runbook"].partition("#")
        assert path == "deploy/RUNBOOK.md" and anchor in anchors, rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical")


def test_the_alerts_the_issue_asks_for_are_there():
    expressions = " ".join(rule["expr"] for group in RULES["groups"] for rule in group["rules"])
    for metric in (
        "portal_broker_connected",
        "portal_outbox_oldest_pending_age_seconds",
        "portal_queue_messages_ready",
        "portal_emails_failed_total",
        "gateway_requests_total",
        "certmanager_certificate_expiration_timestamp_seconds",
        "kubelet_volume_stats_available_bytes",
    ):
        assert metric in expressions, metric
    assert ".+\\\\.parked" in expressions


def test_the_dashboard_shows_the_golden_signals():
    dashboard = json.loads((DEPLOY / "grafana/portal-golden-signals.json").read_text())
    queries = " ".join(t["expr"] for panel in dashboard["panels"] for t in panel["targets"])
    for metric in (
        "gateway_request_duration_seconds_bucket",  # latency
        "gateway_requests_total",  # traffic, errors
        "container_memory_working_set_bytes",  # saturation
        "portal_outbox_oldest_pending_age_seconds",
        "portal_queue_messages_ready",
        "portal_emails_sent_total",
        "portal_emails_failed_total",
    ):
        assert metric in queries, metric
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
