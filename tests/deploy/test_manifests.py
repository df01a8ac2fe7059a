"""The Kubernetes overlays, rendered as `kubectl apply -k` would send them, hold what an operator
relies on: probes and limits everywhere, a migration Job per service that the pods wait for,
NetworkPolicies per service, autoscalers and disruption budgets, a prod overlay that needs the
firm's own settings. (Schema validation: scripts/check_deploy.py in `make lint`.)"""

from __future__ import annotations

import functools
import ipaddress
import re
import subprocess
from collections import defaultdict

import pytest
import yaml

from scripts.check_deploy import DEPLOY, overlays, render
from services.cli import COMMANDS
from services.common.config import SERVICE_PORTS
from services.topology import SERVICES
from tests.identity.test_password_hashing import MEMORY_LIMIT_MIB

MIB = {"Mi": 1, "Gi": 1024}
OPERATOR_MADE = {"portal-shared", "web-secrets", "portal-firm"} | {f"{s}-secrets" for s in SERVICES}


@functools.cache
def rendered(overlay: str) -> dict[str, dict[str, dict]]:
    """kind -> name -> manifest."""
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    for doc in yaml.safe_load_all(render(DEPLOY / "k8s" / "overlays" / overlay)):
        found[doc["kind"]][doc["metadata"]["name"]] = doc
    return found


@pytest.fixture(scope="module", params=[path.name for path in overlays()])
def overlay(request) -> tuple[str, dict[str, dict[str, dict]]]:
    return request.param, rendered(request.param)


def mib(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * MIB[unit]


def pod_specs(manifests) -> dict[str, dict]:
    specs = {
        f"Deployment/{n}": d["spec"]["template"]["spec"] for n, d in manifests["Deployment"].items()
    }
    specs |= {f"Job/{n}": d["spec"]["template"]["spec"] for n, d in manifests["Job"].items()}
    return specs


def test_both_overlays_are_there():
    assert {path.name for path in overlays()} == {"dev", "prod"}


def test_every_container_has_requests_limits_and_runs_as_non_root(overlay):
    _, manifests = overlay
    for where, spec in pod_specs(manifests).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["automountServiceAccountToken"] is False, where
        for container in spec.get("initContainers", []) + spec["containers"]:
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["limits"]), (where, container["name"])
            assert {"cpu", "memory"} <= set(resources["requests"]), (where, container["name"])
            assert mib(resources["requests"]["memory"]) <= mib(resources["limits"]["memory"])
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_every_long_running_container_has_probes_and_metrics_are_scraped(overlay):
    _, manifests = overlay
    for name, deployment in manifests["Deployment"].items():
        template = deployment["spec"]["template"]
        for container in template["spec"]["containers"]:
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in container, (name, container["name"], probe)
        if name == "mailpit":
            continue
        annotations = template["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", name
        ports = {p["containerPort"] for c in template["spec"]["containers"] for p in c["ports"]}
        assert int(annotations["prometheus.io/port"]) in ports, name


def test_workers_are_probed_on_their_own_admin_port_and_web_readiness_ignores_the_broker(overlay):
    _, manifests = overlay
    for service in SERVICES:
        worker = manifests["Deployment"][f"{service}-worker"]
        (app,) = worker["spec"]["template"]["spec"]["containers"]
        admin = {p["name"]: p["containerPort"] for p in app["ports"]}["admin"]
        assert {"name": "WORKER_ADMIN_PORT", "value": str(admin)} in app["env"]
        for probe in ("livenessProbe", "readinessProbe"):
            assert app[probe]["httpGet"] == {"path": "/healthz", "port": "admin"}
        # Overlap during a rollout is allowed: one relay per service holds the advisory lock.
        assert worker["spec"]["replicas"] == 1
        assert worker["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
        assert app["args"] == [service, "worker"]
        web = manifests["Deployment"][service]["spec"]["template"]["spec"]["containers"][0]
        # /readyz checks the database and the store, never the broker (tests/common/test_readiness).
        assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_a_migration_job_per_service_runs_before_the_pods_that_wait_for_it(overlay):
    _, manifests = overlay
    assert set(manifests["Job"]) == {f"{s}-migrate" for s in SERVICES}
    for service in SERVICES:
        job = manifests["Job"][f"{service}-migrate"]["spec"]["template"]["spec"]
        assert job["containers"][0]["args"] == [service, "migrate"]
        for name in (service, f"{service}-worker"):
            init = manifests["Deployment"][name]["spec"]["template"]["spec"]["initContainers"]
            assert init[0]["name"] == "wait-migrated", name
            assert init[0]["args"][:2] == [service, "wait-migrated"], name
    identity = manifests["Deployment"]["identity"]["spec"]["template"]["spec"]["initContainers"]
    assert [c["name"] for c in identity] == ["wait-migrated", "create-admin"]


def test_every_container_runs_a_part_through_the_portal_entry_point(overlay):
    _, manifests = overlay
    for where, spec in pod_specs(manifests).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            if container["name"] == "mailpit":
                continue
            part, *rest = container["args"]
            assert part in SERVICE_PORTS, where
            assert not rest or rest[0] in COMMANDS, where


def test_config_references_exist_or_are_the_documented_operator_made_ones(overlay):
    name, manifests = overlay
    documented = (DEPLOY / "k8s/base/secret.example.yaml").read_text()
    documented += (DEPLOY / "k8s/base/firm.example.yaml").read_text()
    for where, spec in pod_specs(manifests).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef") or source.get("secretRef")
                kind = "ConfigMap" if "configMapRef" in source else "Secret"
                if ref["name"] in manifests[kind]:
                    continue
                assert ref["name"] in OPERATOR_MADE, (where, ref["name"])
                assert f"name: {ref['name']}" in documented, ref["name"]


def test_autoscalers_and_disruption_budgets_cover_every_web_process(overlay):
    name, manifests = overlay
    web_tier = ["gateway", "web", *SERVICES]
    for target in web_tier:
        hpa = manifests["HorizontalPodAutoscaler"][target]["spec"]
        assert hpa["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": target,
        }
        # The autoscaler owns the count: an applied `replicas` would reset it on every deploy.
        assert "replicas" not in manifests["Deployment"][target]["spec"], target
        assert hpa["minReplicas"] >= (2 if name == "prod" else 1)
        pdb = manifests["PodDisruptionBudget"][target]["spec"]
        selector = pdb["selector"]["matchLabels"]
        pod_labels = manifests["Deployment"][target]["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pod_labels.items(), target
        assert pdb["maxUnavailable"] == 1


def _selects(selector: dict, labels: dict) -> bool:
    if not selector:
        return True
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        value, operator = labels.get(expression["key"]), expression["operator"]
        if operator == "In" and value not in expression["values"]:
            return False
        if operator == "Exists" and value is None:
            return False
    return True


def _peers(manifests, pod_labels: dict, direction: str) -> list[dict]:
    """The `from` (ingress) or `to` (egress) peers that apply to pods with these labels."""
    kind = "Ingress" if direction == "from" else "Egress"
    found = []
    for policy in manifests["NetworkPolicy"].values():
        spec = policy["spec"]
        if kind in spec["policyTypes"] and _selects(spec["podSelector"], pod_labels):
            for rule in spec.get(kind.lower(), []):
                found += [dict(peer, ports=rule.get("ports")) for peer in rule[direction]]
    return found


def _labels(manifests, deployment: str) -> dict:
    return manifests["Deployment"][deployment]["spec"]["template"]["metadata"]["labels"]


def test_network_policies_deny_by_default_and_let_only_the_gateway_and_callers_reach_a_service(
    overlay,
):
    _, manifests = overlay
    deny = manifests["NetworkPolicy"]["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    for service in SERVICES:
        allowed = [
            name
            for name in manifests["Deployment"]
            if name != service
            and any(
                _selects(peer["podSelector"], _labels(manifests, name))
                for peer in _peers(manifests, _labels(manifests, service), "from")
                if "podSelector" in peer and "namespaceSelector" not in peer
            )
        ]
        # Every service's pods fetch identity's token keys; sharing and documents ask each other.
        callers = {"identity": set(SERVICES), "sharing": {"documents"}, "documents": {"sharing"}}
        expected = {"gateway"} | {
            name for caller in callers.get(service, ()) for name in (caller, f"{caller}-worker")
        } - {service}
        assert set(allowed) == expected, service
    # The web tier reaches the services through the gateway only.
    web_to = _peers(manifests, _labels(manifests, "web"), "to")
    assert not any(
        _selects(peer.get("podSelector", {}), _labels(manifests, service))
        for peer in web_to
        if "podSelector" in peer
        for service in SERVICES
    )


def test_each_service_reaches_its_own_database_only(overlay):
    name, manifests = overlay
    seen = {}
    for service in SERVICES:
        for deployment in (service, f"{service}-worker"):
            peers = [
                peer
                for peer in _peers(manifests, _labels(manifests, deployment), "to")
                if {"protocol": "TCP", "port": 5432} in (peer["ports"] or [])
            ]
            assert len(peers) == 1, (deployment, peers)
            (peer,) = peers
            if name == "prod":
                network = ipaddress.ip_network(peer["ipBlock"]["cidr"])
                assert network.num_addresses == 1, peer
            else:
                expression = peer["podSelector"]["matchExpressions"][0]
                assert expression["key"] == "client-portal/database"
                network = tuple(expression["values"])
                assert network == (service,)
            seen.setdefault(service, network)
            assert seen[service] == network
    assert len(set(seen.values())) == len(SERVICES)  # nobody shares another's database peer
    for tier in ("gateway", "web"):
        assert not any(
            {"protocol": "TCP", "port": 5432} in (peer["ports"] or [])
            for peer in _peers(manifests, _labels(manifests, tier), "to")
        ), tier


def test_the_ingress_sends_everything_to_the_gateway_over_tls(overlay):
    _, manifests = overlay
    (ingress,) = manifests["Ingress"].values()
    spec = ingress["spec"]
    assert spec["tls"][0]["hosts"] == [spec["rules"][0]["host"]]
    (path,) = spec["rules"][0]["http"]["paths"]
    assert path["backend"]["service"]["name"] == "gateway"
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    # Bodies up to DOCUMENTS_MAX_UPLOAD_BYTES (2 GiB) reach the service.
    assert mib(annotations["nginx.ingress.kubernetes.io/proxy-body-size"][:-1] + "Mi") > 2048
    config = next(c for n, c in manifests["ConfigMap"].items() if n.startswith("portal-config"))
    assert config["data"]["TRUSTED_PROXY_HOPS"] == "2"  # the controller, then the gateway
    assert manifests["Namespace"]


def test_memory_limits_are_the_measured_ones():
    manifests = rendered("prod")
    limits = {
        name: mib(d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"])
        for name, d in manifests["Deployment"].items()
    }
    # tests/identity/test_password_hashing.py proves 16 sign-ins at once fit this limit.
    assert limits["identity"] == MEMORY_LIMIT_MIB
    # Measured: one upload of a 64 MiB PDF (its text extracted in memory) adds 180 MiB to the
    # pod, 4 at once peak it at up to 767 MiB; 8 (its threads) extrapolate to 1.3 GiB (README).
    assert limits["documents"] >= 1400


def test_prod_takes_tls_to_s3_and_needs_the_firms_own_settings():
    manifests = rendered("prod")
    config = next(c for n, c in manifests["ConfigMap"].items() if n.startswith("portal-config"))
    assert config["data"]["S3_SECURE"] == "true"
    assert config["data"]["S3_ENDPOINT"].endswith(":443")
    # Not guessed by the overlay: the operator's portal-firm ConfigMap, without which no pod
    # starts, and whose example leaves the firm's name and sender empty (the mailer refuses).
    assert not any(name.startswith("portal-firm") for name in manifests["ConfigMap"])
    assert "PORTAL_FIRM_NAME" not in config["data"] and "MAIL_FROM" not in config["data"]
    example = yaml.safe_load((DEPLOY / "k8s/base/firm.example.yaml").read_text())
    assert example["data"]["PORTAL_FIRM_NAME"] == "" and example["data"]["MAIL_FROM"] == ""
    dev = rendered("dev")
    firm = next(c for n, c in dev["ConfigMap"].items() if n.startswith("portal-firm"))
    assert firm["data"]["PORTAL_FIRM_NAME"] and "@" in firm["data"]["MAIL_FROM"]


def test_prometheus_scrapes_every_kind_of_pod_through_the_network_policies():
    manifests = rendered("prod")
    allowed = {
        port["port"]
        for peer in _peers(manifests, {"app.kubernetes.io/name": "any"}, "from")
        if peer.get("namespaceSelector", {})
        .get("matchLabels", {})
        .get("kubernetes.io/metadata.name")
        == "monitoring"
        for port in peer["ports"]
    }
    for name, deployment in manifests["Deployment"].items():
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert int(annotations["prometheus.io/port"]) in allowed, name


def test_kustomize_itself_rejects_a_broken_overlay(tmp_path):
    """The render is a real check: a kustomization naming a missing resource fails."""
    (tmp_path / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    with pytest.raises(subprocess.CalledProcessError):
        render(tmp_path)


def test_a_gateway_told_to_fetch_from_the_store_may_reach_it_and_only_over_plain_http(overlay):
    name, manifests = overlay
    config = next(c for n, c in manifests["ConfigMap"].items() if n.startswith("portal-config"))
    store = config["data"].get("GATEWAY_STORE_URL")
    to_store = [
        peer["ports"]
        for peer in _peers(manifests, _labels(manifests, "gateway"), "to")
        if peer.get("namespaceSelector", {}).get("matchLabels")
        == {"kubernetes.io/metadata.name": "minio"}
    ]
    if name == "prod":  # MinIO over TLS: documents streams downloads itself
        assert store is None and not to_store
    else:
        assert store == f"http://{config['data']['S3_ENDPOINT']}"
        assert to_store == [[{"protocol": "TCP", "port": 9000}]]
