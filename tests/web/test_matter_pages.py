"""The matter pages' own logic, against a stand-in of the public API served over real HTTP:
the answers the real suite seldom gives on demand (a busy service while signing, documents that
changed under the signee's eyes) and the uniform "not found" of ids the API does not show.
The whole story against the real services is in test_matter_story.py."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask, Response, jsonify, request

from services.common.testing import ServedApp, free_port

MATTER, DOCUMENT = str(uuid.uuid4()), str(uuid.uuid4())
PREVIEW = b"%PDF-1.7\n" + b"x" * 300_000
SHA = hashlib.sha256(b"contract v1").hexdigest()
NEW_SHA = hashlib.sha256(b"contract v2").hexdigest()


class StandIn:
    """What the API answers: the signature endpoint's answer is set by each test."""

    def __init__(self) -> None:
        self.sign_status, self.signed, self.sha = 201, [], SHA
        self.decisions: list[dict] = []
        self.decided = False
        self.app = Flask("stand-in")
        self.app.add_url_rule("/api/v1/auth/login", view_func=self.login, methods=["POST"])
        self.app.add_url_rule("/api/v1/me", view_func=self.me)
        self.app.add_url_rule("/api/v1/portal/matters/<mid>", view_func=self.matter)
        self.app.add_url_rule("/api/v1/portal/matters/<mid>/documents", view_func=self.documents)
        self.app.add_url_rule(
            "/api/v1/portal/matters/<mid>/signature", view_func=self.sign, methods=["POST"]
        )
        self.app.add_url_rule(
            "/api/v1/portal/matters/<mid>/approval", view_func=self.decide, methods=["POST"]
        )
        self.app.add_url_rule("/api/v1/portal/documents/<did>/preview", view_func=self.preview)

    @staticmethod
    def problem(status: int, code: str) -> Response:
        response = jsonify(status=status, code=code, detail="...")
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response

    def login(self):
        return jsonify(access_token="access", refresh_token="refresh")

    def me(self):
        companies = [{"id": "c1", "name": "Acme Industries", "role": "member"}]
        return jsonify(
            id="u1",
            email="sam@example.com",
            name="Sam",
            kind="portal",
            locale="en",
            companies=companies,
        )

    def matter(self, mid: str):
        if mid != MATTER:
            return self.problem(404, "MATTER_NOT_FOUND")
        mine = [
            {"id": "k1", "role": "signee", "status": "pending", "decided_at": None},
            {"id": "k2", "role": "approver", "status": "pending", "decided_at": None},
        ]
        return jsonify(
            id=MATTER,
            kind="contract",
            reference="CT-1",
            title="Supply agreement",
            description="",
            status="open",
            company={"id": "c1", "name": "Acme Industries"},
            reasons=["collaborator"],
            collaborations=mine,
            collaborators=[],
            milestones=[],
            awaiting_my_action=True,
        )

    def documents(self, mid: str):
        if mid != MATTER:
            return self.problem(404, "MATTER_NOT_FOUND")
        item = {"id": DOCUMENT, "name": "contract.pdf", "folder_path": [], "sha256": self.sha}
        return jsonify(items=[{**item, "size": 11, "download_allowed": True}], total=1)

    def sign(self, mid: str):
        if mid != MATTER:
            return self.problem(404, "MATTER_NOT_FOUND")
        self.signed.append(request.get_json())
        if self.sign_status == 503:
            return self.problem(503, "DOCUMENTS_UNAVAILABLE")
        if self.sign_status == 409:
            self.sha = NEW_SHA  # what documents shows now
            return self.problem(409, "DOCUMENTS_CHANGED")
        return jsonify(collaborator_id="k1"), 201

    def decide(self, mid: str):
        if self.decided:
            return self.problem(409, "DECISION_FINAL")
        self.decisions.append(request.get_json())
        return jsonify(id="k2", role="approver", status="approved")

    def preview(self, did: str):
        if did != DOCUMENT:
            return self.problem(404, "DOCUMENT_NOT_FOUND")
        headers = {
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Content-Disposition": 'inline; filename="contract.pdf"',
        }
        chunks = (PREVIEW[i : i + 65536] for i in range(0, len(PREVIEW), 65536))
        response = Response(chunks, mimetype="application/pdf", headers=headers)
        response.content_length = len(PREVIEW)
        return response


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    api = StandIn()
    served = ServedApp(api.app)
    api.url = served.url
    yield api
    served.close()


@pytest.fixture
def browser(stand_in: StandIn, portal_app) -> Iterator:
    """A signed-in person's browser on the portal (CSRF is checked by the core's tests)."""
    app = portal_app(GATEWAY_URL=stand_in.url, WTF_CSRF_ENABLED=False)
    stand_in.sign_status, stand_in.signed, stand_in.sha = 201, [], SHA
    stand_in.decisions, stand_in.decided = [], False
    client = app.test_client()
    signed_in = client.post("/portal/sign-in", data={"email": "sam@example.com", "password": "pw"})
    assert signed_in.status_code == 302, signed_in.text
    return client


def main(html: str) -> str:
    """What the page says (the header carries this request's own path and CSRF token)."""
    return re.search(r"<main.*</main>", html, re.S).group(0)


def sign(browser, name: str = "Samuel Durand", documents: str = f"{DOCUMENT}:{SHA}"):
    data = {"full_name": name, "confirm": "y", "documents": documents}
    return browser.post(f"/portal/matters/{MATTER}/sign", data=data)


def test_signing_sends_exactly_the_documents_the_page_listed(browser, stand_in):
    page = browser.get(f"/portal/matters/{MATTER}/sign")
    assert SHA in page.text and f'value="{DOCUMENT}:{SHA}"' in page.text
    signed = sign(browser)
    assert signed.status_code == 302
    assert signed.location.endswith(f"/portal/matters/{MATTER}/receipt")
    assert stand_in.signed == [
        {
            "full_name": "Samuel Durand",
            "expected_documents": [{"document_id": DOCUMENT, "sha256": SHA}],
        }
    ]


def test_a_busy_service_while_signing_says_try_again_and_keeps_the_name(browser, stand_in):
    stand_in.sign_status = 503
    page = sign(browser)
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert page.headers["Retry-After"] == "5"
    assert "The service is busy, so nothing was signed. Try again in a moment." in page.text
    assert 'value="Samuel Durand"' in page.text


def test_documents_changed_since_the_page_was_opened_are_listed_again(browser, stand_in):
    stand_in.sign_status = 409
    page = sign(browser)
    assert page.status_code == 409
    assert "The documents changed since you opened this page." in page.text
    assert NEW_SHA in page.text and f'value="{DOCUMENT}:{NEW_SHA}"' in page.text


def test_a_page_altered_in_the_browser_signs_nothing(browser, stand_in):
    page = sign(browser, documents="not-a-document")
    assert page.status_code == 409 and stand_in.signed == []


@pytest.mark.parametrize(
    "path",
    ["", "/sign", "/approval", "/receipt", "/receipt.pdf"],
)
def test_a_matter_the_api_does_not_show_is_the_same_not_found_page(browser, path):
    other = browser.get(f"/portal/matters/{uuid.uuid4()}{path}")
    odd = browser.get(f"/portal/matters/..%2F..%2Fme{path}")
    assert other.status_code == odd.status_code == 404
    assert other.mimetype == "text/html"
    assert "Nothing here for you" in other.text and main(other.text) == main(odd.text)


def test_a_preview_is_streamed_with_the_documents_service_headers(browser):
    preview = browser.get(f"/portal/documents/{DOCUMENT}/preview")
    assert preview.status_code == 200 and preview.is_streamed
    assert preview.headers["Content-Type"] == "application/pdf"
    assert preview.headers["Content-Length"] == str(len(PREVIEW))
    assert preview.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert preview.headers["Content-Disposition"] == 'inline; filename="contract.pdf"'
    assert preview.get_data() == PREVIEW
    missing = browser.get(f"/portal/documents/{uuid.uuid4()}/preview")
    assert missing.status_code == 404 and "Nothing here for you" in missing.text


def test_a_decision_is_sent_only_once_confirmed(browser, stand_in):
    path = f"/portal/matters/{MATTER}/approval"
    rejected = browser.post(path, data={"decision": "reject", "comment": "  "})
    assert "Say why you reject it, so the firm can act on it." in rejected.text
    step = browser.post(path, data={"decision": "reject", "comment": "Clause 4."})
    assert "Confirm your decision" in step.text and "Clause 4." in step.text
    assert stand_in.decisions == []

    confirm = f"{path}/confirm"
    changed = {"decision": "reject", "comment": "Clause 4.", "action": "change"}
    back = browser.post(confirm, data=changed)
    assert "Approve or reject" in back.text and "Clause 4." in back.text
    assert stand_in.decisions == []

    sent = browser.post(confirm, data={**changed, "action": "confirm"})
    assert sent.status_code == 302 and sent.location.endswith(f"/portal/matters/{MATTER}")
    assert stand_in.decisions == [{"decision": "reject", "comment": "Clause 4."}]


def test_a_decision_already_made_is_final(browser, stand_in):
    stand_in.decided = True
    data = {"decision": "approve", "comment": "", "action": "confirm"}
    sent = browser.post(f"/portal/matters/{MATTER}/approval/confirm", data=data)
    assert sent.status_code == 302
    shown = browser.get(sent.location)
    assert "You have already decided on this matter; a decision is final." in shown.text


def test_with_api_direct_each_call_goes_to_the_service_owning_its_path(stand_in, portal_app):
    """WEB_API_DIRECT: no call goes to the gateway; a matter's page reads sharing for the matter
    and documents for its attachments, and a service that is down is the one that fails."""
    down = f"http://127.0.0.1:{free_port()}"
    services = ("identity", "sharing", "documents", "interventions", "onboarding", "mailer")

    def signed_in(**upstreams: str):
        app = portal_app(
            GATEWAY_URL=down,
            API_DIRECT=True,
            API_UPSTREAMS={name: upstreams.get(name, stand_in.url) for name in services},
            WTF_CSRF_ENABLED=False,
        )
        client = app.test_client()
        answer = client.post("/portal/sign-in", data={"email": "sam@example.com", "password": "pw"})
        assert answer.status_code == 302, answer.text
        return client

    page = signed_in().get(f"/portal/matters/{MATTER}")
    assert page.status_code == 200 and "contract.pdf" in page.text
    assert signed_in(documents=down).get(f"/portal/matters/{MATTER}").status_code == 503
    assert signed_in(identity=stand_in.url, sharing=down).get("/portal/matters").status_code == 503


def test_the_kept_header_carries_each_pages_own_path(browser):
    """The header is rendered once per person, language and company (web/templating.py):
    the path that the language and company forms come back to is still each page's own."""
    first = browser.get(f"/portal/matters/{MATTER}")
    second = browser.get(f"/portal/matters/{MATTER}/sign")
    odd = browser.get(f"/portal/matters/{MATTER}?a=1&b=2")
    assert f'name="next" value="/portal/matters/{MATTER}"' in first.text
    assert f'name="next" value="/portal/matters/{MATTER}/sign"' in second.text
    assert f'name="next" value="/portal/matters/{MATTER}?a=1&amp;b=2"' in odd.text
    assert first.text.count('name="csrf_token"') == second.text.count('name="csrf_token"') == 2
