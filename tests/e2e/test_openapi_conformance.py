"""The merged OpenAPI document is valid and true: schemathesis generates requests from it for
every operation, through the gateway, as staff and as a portal user, and no answer is a 5xx or
outside what the document declares (status, media type, schema). Requests that break the
document (wrong types, lengths, missing fields) must not make a 5xx either.

Bounded: a few examples per operation, and no new operation once the time budget is spent. Half
of the generated requests name records that exist (a company, a matter, a document...), so that
they reach past the 404 of an unknown id."""

from __future__ import annotations

import time
import uuid

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from services.common.testing import wait_until

from ..suite import Client
from .stories import activate, admin, new_company, new_contact

CHECKS = {
    GenerationMode.POSITIVE: [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ],
    GenerationMode.NEGATIVE: [not_a_server_error, status_code_conformance],
}
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 5}
TIME_BUDGET = 240.0  # seconds for all operations together
PASSWORD = "Quartz ember " + uuid.uuid4().hex[:10]


def test_generated_requests_find_no_server_error_and_no_undocumented_answer(
    fuzzed_suite, smtp_server
):
    suite = fuzzed_suite
    staff = admin(suite)
    company = new_company(staff, "Fuzz & Co")
    contact = new_contact(staff, company, name="Fuzzy")
    portal = activate(suite, smtp_server, staff, contact, PASSWORD)
    ids = _records(staff, company, contact)
    document = requests.get(f"{suite.gateway}/openapi.json", timeout=15).json()
    assert document["x-unavailable-services"] == []
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()  # raises when the merged document is not valid OpenAPI

    deadline = time.monotonic() + TIME_BUDGET
    failures = []
    for result in schema.get_all_operations():
        if time.monotonic() > deadline:
            break
        operation = result.ok()
        who = portal if operation.path.startswith("/api/v1/portal/") else staff
        for mode in CHECKS:
            if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
                continue  # nothing to get wrong
            try:
                _fuzz(operation, mode, suite.gateway, dict(who.session.headers), ids)
            except Exception as failure:  # noqa: BLE001 - collected, reported together below
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert not failures, "\n\n".join(failures)


def _records(staff: Client, company: dict, contact: dict) -> dict[str, str]:
    """One of each record the paths name, shown in the portal to the contact."""
    matter = staff.post(
        "/api/v1/matters",
        json={
            "kind": "contract",
            "reference": "FZ-1",
            "title": "Fuzzed",
            "company_id": company["id"],
        },
    ).json()
    mid = matter["id"]
    milestone = staff.post(f"/api/v1/matters/{mid}/milestones", json={"title": "Draft"}).json()
    shown = staff.put(f"/api/v1/matters/{mid}/portal", json={"requester_id": contact["id"]})
    assert shown.status_code == 200, shown.text
    collaborator = staff.post(
        f"/api/v1/matters/{mid}/collaborators", json={"user_id": contact["id"], "role": "signee"}
    ).json()
    path = f"/api/v1/matters/{mid}/documents"
    document = wait_until(
        lambda: (
            (r := staff.post(path, files={"file": ("a.txt", b"small")})).status_code == 201
            and r.json()
        ),
        message="documents to know the new matter",
    )
    folder = staff.post(f"/api/v1/matters/{mid}/folders", json={"name": "Annexes"}).json()
    email = staff.get("/api/v1/emails").json()["items"][0]
    return {
        "company_id": company["id"],
        "user_id": contact["id"],
        "matter_id": mid,
        "milestone_id": milestone["id"],
        "collaborator_id": collaborator["id"],
        "document_id": document["id"],
        "folder_id": folder["id"],
        "email_id": email["id"],
    }


def _has_inputs(operation) -> bool:
    return bool(list(operation.iter_parameters()) or operation.body)


def _fuzz(operation, mode, base_url: str, headers: dict, ids: dict[str, str]) -> None:
    def with_real_ids(drawn: tuple) -> object:
        case, real = drawn
        if real and case.path_parameters:
            for name in case.path_parameters:
                case.path_parameters[name] = ids.get(name, case.path_parameters[name])
        return case

    @given(case=st.tuples(operation.as_strategy(mode), st.booleans()).map(with_real_ids))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS[mode], timeout=15)

    run()
