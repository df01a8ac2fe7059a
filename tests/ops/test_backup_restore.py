"""Backup and restore as an operator runs them: a suite's matters, documents (with versions and
shares), intervention and access request come back in a second suite on fresh databases and a
fresh bucket, and that suite works (a client signs in and downloads)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid

from services.common.testing import RUN_ID, wait_until
from services.topology import SERVICES
from tests.conftest import running_suite
from tests.documents.helpers import make_pdf

from ..e2e.onboarding_steps import Wizard, customer_group, signup_token
from ..e2e.stories import activate, admin, new_company, new_contact
from ..suite import ROOT, Client

PASSWORD = "lantern copper meadow 73"


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def backup(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scripts.backup", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def populate(suite, smtp_server) -> dict:
    """What the firm and its clients made: every record the restore must bring back."""
    staff = admin(suite)
    acme = new_company(staff, "Acme Restored")
    ana = new_contact(staff, acme, "fr", "Ana")
    activate(suite, smtp_server, staff, ana, PASSWORD)
    made = {"ana": ana["email"], "ana_id": ana["id"], "matters": {}, "documents": {}, "shared": {}}
    for title in ("Lease", "Merger"):
        body = {
            "kind": "case",
            "reference": f"BK-{uuid.uuid4().hex[:6]}",
            "title": title,
            "company_id": acme["id"],
        }
        matter = wait_until(
            lambda b=body: (r := staff.post("/api/v1/matters", json=b)).ok and r.json(),
            message="sharing to know the company",
        )
        mid = matter["id"]
        ok(staff.put(f"/api/v1/matters/{mid}/portal", json={"requester_id": ana["id"]}))
        ok(
            staff.put(
                f"/api/v1/matters/{mid}/documents/settings",
                json={"download_allowed_by_default": True},
            )
        )
        path = f"/api/v1/matters/{mid}/documents"
        for name, content in (
            (f"{title}.pdf", make_pdf(title, uuid.uuid4().hex)),
            (f"{title}-notes.txt", os.urandom(32).hex().encode() * 4096),
        ):
            document = wait_until(
                lambda n=name, c=content, p=path: (
                    (r := staff.post(p, files={"file": (n, c)})).status_code == 201 and r.json()
                ),
                message="documents to know the matter",
            )
            made["documents"][document["id"]] = {"matter": mid, "versions": [sha256(content)]}
        # A second version of the matter's PDF: both versions must come back.
        pdf = next(d for d, v in made["documents"].items() if v["matter"] == mid)
        newer = make_pdf(title, "signed", uuid.uuid4().hex)
        ok(staff.post(f"/api/v1/documents/{pdf}/versions", files={"file": ("v2.pdf", newer)}), 201)
        made["documents"][pdf]["versions"].insert(0, sha256(newer))
        made["shared"][mid] = [pdf]
        ok(
            staff.put(
                f"/api/v1/matters/{mid}/document-shares",
                json={"contacts": [ana["id"]], "documents": [pdf]},
            )
        )
        made["matters"][mid] = ok(staff.get(f"/api/v1/matters/{mid}"))

    intervention = wait_until(
        lambda: (
            (
                r := staff.post(
                    "/api/v1/interventions",
                    json={"company_id": acme["id"], "description": "Boiler check"},
                )
            ).status_code
            == 201
            and r.json()
        ),
        message="interventions to know the company",
    )
    made["intervention"] = ok(staff.get(f"/api/v1/interventions/{intervention['id']}"))

    group = customer_group(staff, "ein")
    wizard = Wizard(suite, signup_token(staff, group), "en")
    email = f"rep.{uuid.uuid4().hex[:8]}@client.example"
    assert ok(wizard.register(email, "Rep", "04-2103594"))["status"] == "in_review"
    made["access_request"] = ok(
        staff.get(f"/api/v1/access-requests/{wizard.view['access_request_id']}")
    )
    return made


def drained(suite) -> bool:
    """No event waits in any outbox: the backup is taken while the suite is quiet."""
    operator = admin(suite)
    return all(
        operator.get(suite.url(s) + "/admin/outbox", absolute=True).json()["pending"] == 0
        for s in SERVICES
    )


def versions(staff: Client, document_id: str) -> list[str]:
    """SHA-256 of each version's bytes as downloaded, newest first."""
    listed = ok(staff.get(f"/api/v1/documents/{document_id}/versions"))["items"]
    return [
        sha256(
            staff.get(
                f"/api/v1/documents/{document_id}/download", params={"version_id": v["id"]}
            ).content
        )
        for v in listed
    ]


def test_a_backup_restores_into_an_empty_suite_that_works(
    tmp_path, tmp_path_factory, new_database, s3_server, smtp_server
):
    directory = tmp_path / "backup"
    with running_suite("original", tmp_path_factory, new_database, s3_server, smtp_server) as old:
        made = populate(old, smtp_server)
        wait_until(lambda: drained(old), timeout=60, message="every outbox drained")
        dumped = backup(old.env, "dump", str(directory))
        assert dumped.returncode == 0, dumped.stderr
        refused = backup(old.env, "dump", str(directory))
        assert refused.returncode == 2 and "not empty" in refused.stderr

    manifest = json.loads((directory / "manifest.json").read_text())
    assert set(manifest["databases"]) == set(SERVICES)
    assert all(saved["alembic_heads"] for saved in manifest["databases"].values())
    stored_versions = sum(len(d["versions"]) for d in made["documents"].values())
    assert manifest["bucket"]["entries"] >= stored_versions

    fresh = {f"{s.upper()}_DATABASE_URL": new_database(s, migrated=False) for s in SERVICES}
    fresh["S3_BUCKET"] = f"portal-restored-{RUN_ID}"
    env = {**os.environ, **{k: str(v) for k, v in s3_server.items()}, **fresh}
    restored = backup(env, "restore", str(directory))
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["objects"] == manifest["bucket"]["entries"]
    again = backup(env, "restore", str(directory))
    assert again.returncode == 2 and "not empty" in again.stderr, again.stderr

    with running_suite(
        "restored", tmp_path_factory, new_database, s3_server, smtp_server, **fresh
    ) as new:
        staff = admin(new)
        for mid, matter in made["matters"].items():
            assert ok(staff.get(f"/api/v1/matters/{mid}")) == matter
            listed = ok(staff.get(f"/api/v1/matters/{mid}/documents"))["items"]
            mine = {d for d, v in made["documents"].items() if v["matter"] == mid}
            assert {d["id"] for d in listed} == mine
            shares = staff.get(
                f"/api/v1/matters/{mid}/documents", params={"shared_with": made["ana_id"]}
            )
            assert [d["id"] for d in ok(shares)["shared"]["items"]] == made["shared"][mid]
        for document_id, saved in made["documents"].items():
            assert versions(staff, document_id) == saved["versions"], document_id
        intervention = made["intervention"]
        assert ok(staff.get(f"/api/v1/interventions/{intervention['id']}")) == intervention
        request = made["access_request"]
        assert ok(staff.get(f"/api/v1/access-requests/{request['id']}")) == request

        # The restored suite works: the client signs in, sees her matters and downloads.
        ana = Client(new.gateway).login(made["ana"], PASSWORD)
        seen = ok(ana.get("/api/v1/portal/matters"))["items"]
        assert {m["id"] for m in seen} == set(made["matters"])
        for mid, (pdf,) in made["shared"].items():
            downloaded = ana.get(f"/api/v1/portal/documents/{pdf}/download")
            assert downloaded.status_code == 200, (mid, downloaded.text)
            assert sha256(downloaded.content) == made["documents"][pdf]["versions"][0]
