"""The story of the help pages (seeds 000 and 001) lived by the clients in a real browser: the
firm shows a contract in the client portal to a requester (French) and a watcher (Spanish) of
the client company, with its milestones and attachments, and asks a member to approve it and a
counterparty to sign it. Each person follows the links of their e-mails, chooses a password and
does their part from the pages; the firm's internal recipient hears of each decision. Another
company's ids answer the same "not found" page as ids that do not exist."""

from __future__ import annotations

import hashlib
import re
import struct
import uuid
import zlib

import pypdfium2 as pdfium
from playwright.sync_api import expect

from services.common.testing import wait_until
from web.receipts import gettext_for

from ..e2e.stories import admin, invite, mails_to, new_company, new_contact, text_of
from .people import PASSWORD

CONTRACT = b"%PDF-1.7\n% Supply agreement between Acme Industries and Globex\n%%EOF\n"
MEMO = b"%PDF-1.7\n% internal memo: never shown to the clients\n%%EOF\n"


def png(width: int = 48, height: int = 32) -> bytes:
    """A small real PNG (a blue rectangle): documents sniffs it as image/png."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x10\x50\xa0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PLAN = png()


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def link_in(mail, path: str) -> str:
    match = re.search(r"https?://\S+/portal/" + path + r"\S*", text_of(mail))
    assert match, f"no /portal/{path} link in: {text_of(mail)[:500]}"
    return match.group(0)


def mail_to(smtp_server, email: str, has: str) -> object:
    return wait_until(
        lambda: [m for m in mails_to(smtp_server, email) if has in text_of(m)],
        timeout=60,
        message=f"an e-mail to {email} with {has}",
    )[-1]


def staff_call(staff, method: str, path: str, expected: int = 200, **kwargs) -> dict:
    """A staff call that succeeds once the services have heard of what it names (a company or
    a matter created a moment ago reaches the other services through events)."""
    last = {}

    def attempt():
        last["response"] = response = staff.request(method, path, **kwargs)
        return response.status_code == expected

    try:
        wait_until(attempt, timeout=30, interval=0.2, message=f"{method} {path}")
    except AssertionError:
        raise AssertionError(last["response"].text) from None
    response = last["response"]
    return response.json() if response.content else {}


def the_firm_shares_a_contract(suite, smtp_server) -> dict:
    """What the firm's staff does in the main application (through the API)."""
    staff = admin(suite)
    acme, globex = new_company(staff, "Acme Industries"), new_company(staff, "Globex")
    people = {
        "rita": new_contact(staff, acme, "fr", "Rita"),  # requester
        "walt": new_contact(staff, acme, "es", "Walt"),  # watcher
        "alice": new_contact(staff, acme, "en", "Alice"),  # approver
        "sam": new_contact(staff, globex, "en", "Sam"),  # the counterparty's signee
    }
    nora = staff_call(
        staff,
        "POST",
        "/api/v1/users",
        201,
        json={
            "email": f"nora.{uuid.uuid4().hex[:6]}@firm.example",
            "name": "Nora",
            "kind": "staff",
            "role": "agent",
        },
    )
    reference = "CT-" + uuid.uuid4().hex[:6].upper()
    mid = staff_call(
        staff,
        "POST",
        "/api/v1/matters",
        201,
        json={
            "kind": "contract",
            "reference": reference,
            "title": "Supply agreement",
            "description": "Supply of 40 pumps to Globex in 2027, delivered in two batches.",
            "company_id": acme["id"],
        },
    )["id"]
    for title, visible in (("Draft signed", True), ("Internal review", False)):
        staff_call(
            staff,
            "POST",
            f"/api/v1/matters/{mid}/milestones",
            201,
            json={"title": title, "due_date": "2027-01-15", "portal_visible": visible},
        )

    def upload(name: str, content: bytes, **fields: str) -> dict:
        files = {"file": (name, content, "application/octet-stream")}
        path = f"/api/v1/matters/{mid}/documents"
        return staff_call(staff, "POST", path, 201, data=fields, files=files)

    upload("contract.pdf", CONTRACT)
    folder = {"name": "Annexes"}
    annexes = staff_call(staff, "POST", f"/api/v1/matters/{mid}/folders", 201, json=folder)
    plan = upload("plan.png", PLAN, folder_id=annexes["id"])
    memo = upload("memo.pdf", MEMO)
    staff_call(staff, "PATCH", f"/api/v1/documents/{memo['id']}", json={"portal_visible": False})

    ids = {name: person["id"] for name, person in people.items()}
    for name in people:  # invited before they are told that something is shared with them
        invite(staff, people[name])
    staff_call(
        staff,
        "PUT",
        f"/api/v1/matters/{mid}/portal",
        json={
            "requester_id": ids["rita"],
            "watcher_ids": [ids["walt"]],
            "attachments_visible_by_default": True,
        },
    )
    for name, role in (("alice", "approver"), ("sam", "signee")):
        staff_call(
            staff,
            "POST",
            f"/api/v1/matters/{mid}/collaborators",
            201,
            json={"user_id": ids[name], "role": role},
        )
    staff_call(
        staff,
        "PUT",
        f"/api/v1/matters/{mid}/notification-recipients",
        json={"staff_ids": [nora["id"]]},
    )
    # Globex's own matter, shown to Sam only: Acme's people must not reach it by its ids.
    other = staff_call(
        staff,
        "POST",
        "/api/v1/matters",
        201,
        json={
            "kind": "case",
            "reference": "GX-" + uuid.uuid4().hex[:6],
            "title": "Globex dispute",
            "company_id": globex["id"],
        },
    )["id"]
    staff_call(
        staff,
        "PUT",
        f"/api/v1/matters/{other}/portal",
        json={"requester_id": ids["sam"], "attachments_visible_by_default": True},
    )
    secret = staff_call(
        staff,
        "POST",
        f"/api/v1/matters/{other}/documents",
        201,
        files={"file": ("globex.pdf", MEMO, "application/pdf")},
    )
    return {
        "people": people,
        "nora": nora,
        "mid": mid,
        "reference": reference,
        "plan": plan,
        "other": other,
        "secret": secret,
    }


def accept_invitation(page, smtp_server, person: dict, locale: str) -> None:
    """Follow the e-mailed invitation link, choose a password, land on my matters."""
    _ = gettext_for(locale)
    mail = mail_to(smtp_server, person["email"], "accept-invitation?token=")
    page.goto(link_in(mail, "accept-invitation"))
    page.get_by_label(_("New password"), exact=True).fill(PASSWORD)
    page.get_by_label(_("Repeat the new password")).fill(PASSWORD)
    page.get_by_role("button", name=_("Set my password")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("My matters"))


def test_the_clients_live_the_shared_contract_story(suite, smtp_server, new_page, look):
    world = the_firm_shares_a_contract(suite, smtp_server)
    people, mid, reference = world["people"], world["mid"], world["reference"]

    # Rita, the requester, reads French: her invitation, then the contract from her list.
    fr = gettext_for("fr")
    rita = new_page("fr-FR")
    accept_invitation(rita, smtp_server, people["rita"], "fr")
    expect(rita.get_by_role("link", name="Supply agreement")).to_be_visible()
    expect(rita.get_by_text(fr("you requested it"), exact=False)).to_be_visible()
    look(rita, "rita-my-matters")
    shared = mail_to(smtp_server, people["rita"]["email"], f"/portal/matters/{mid}")
    rita.goto(link_in(shared, "matters/"))
    expect(rita.get_by_role("heading", level=1)).to_have_text("Supply agreement")
    expect(rita.get_by_text("Supply of 40 pumps")).to_be_visible()
    expect(rita.get_by_role("row", name=re.compile("Draft signed"))).to_be_visible()
    expect(rita.get_by_text("Internal review")).to_have_count(0)
    expect(rita.get_by_role("link", name=f"{fr('Download')} contract.pdf")).to_be_visible()
    expect(rita.get_by_text("memo.pdf", exact=False)).to_have_count(0)
    expect(rita.get_by_role("heading", name=fr("Folder: %(path)s") % {"path": "Annexes"}))
    look(rita, "rita-matter")
    with rita.expect_response(re.compile(r"/preview$")) as previewed:
        rita.get_by_role("link", name=f"{fr('Preview')} plan.png").click()
    response = previewed.value
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    assert "sandbox" in response.headers["content-security-policy"]
    assert sha(response.body()) == sha(PLAN)
    rita.go_back()

    # Another company's matter, its file, or an id that does not exist: the same page.
    not_found = fr("Nothing here for you")
    for path in (
        f"/portal/matters/{world['other']}",
        f"/portal/matters/{uuid.uuid4()}",
        f"/portal/matters/{world['other']}/sign",
        f"/portal/matters/{world['other']}/receipt",
        f"/portal/documents/{world['secret']['id']}/preview",
        f"/portal/documents/{world['secret']['id']}/download",
    ):
        answer = rita.goto(path)
        assert answer.status == 404, path
        expect(rita.get_by_role("heading", level=1)).to_have_text(not_found)
    look(rita, "not-found")

    # Walt, a watcher, reads Spanish: his invitation, then the link of his "shared" e-mail.
    es = gettext_for("es")
    walt = new_page("es-ES")
    accept_invitation(walt, smtp_server, people["walt"], "es")
    shared = mail_to(smtp_server, people["walt"]["email"], f"/portal/matters/{mid}")
    walt.goto(link_in(shared, "matters/"))
    expect(walt.get_by_role("heading", level=2, name=es("Milestones"))).to_be_visible()
    expect(walt.get_by_text(es("you follow it as a watcher"), exact=False)).to_be_visible()
    look(walt, "walt-matter")

    # Alice approves, with the keyboard alone, after a confirmation step.
    alice = new_page("en-GB")
    accept_invitation(alice, smtp_server, people["alice"], "en")
    awaiting = alice.get_by_role("region", name="Awaiting your action")
    expect(awaiting.get_by_role("link", name="Supply agreement")).to_be_visible()
    look(alice, "alice-my-matters")
    alice.goto(link_in(mail_to(smtp_server, people["alice"]["email"], "approv"), "matters/"))
    alice.get_by_role("link", name="Approve or reject").focus()
    alice.keyboard.press("Enter")
    expect(alice.get_by_role("heading", level=1)).to_have_text("Approve or reject")
    look(alice, "approval")
    alice.get_by_role("button", name="Continue").focus()
    alice.keyboard.press("Enter")  # nothing chosen: said next to the question
    expect(
        alice.get_by_text("Choose whether you approve or reject it.", exact=True)
    ).to_be_visible()
    expect(alice.get_by_role("link", name=re.compile("Choose whether"))).to_have_attribute(
        "href", "#decision"
    )
    look(alice, "approval-error")
    alice.get_by_label("I approve it").focus()
    alice.keyboard.press("Space")
    alice.get_by_label("Comment").focus()
    alice.keyboard.type("Fine for Acme.")
    alice.get_by_role("button", name="Continue").focus()
    alice.keyboard.press("Enter")
    expect(alice.get_by_role("heading", level=1)).to_have_text("Confirm your decision")
    expect(alice.get_by_text("Fine for Acme.")).to_be_visible()
    look(alice, "approval-confirm")
    alice.get_by_role("button", name="Confirm: I approve").focus()
    alice.keyboard.press("Enter")
    expect(alice.get_by_role("status")).to_contain_text("Your approval is recorded.")
    expect(alice.get_by_text("You decided: Approved.")).to_be_visible()
    expect(alice.get_by_text("This decision is final.", exact=False)).to_be_visible()
    expect(alice.get_by_role("link", name="Approve or reject")).to_have_count(0)
    look(alice, "approved")

    # Sam, the counterparty, signs exactly the documents listed, and keeps the receipt.
    sam = new_page("en-GB")
    accept_invitation(sam, smtp_server, people["sam"], "en")
    sam.goto(link_in(mail_to(smtp_server, people["sam"]["email"], "sign"), "matters/"))
    sam.get_by_role("link", name="Review and sign").click()
    expect(sam.get_by_role("heading", level=1)).to_have_text(f"Sign {reference}")
    listed = sam.locator(".signed-documents code").all_inner_texts()
    assert sorted(listed) == sorted([sha(CONTRACT), sha(PLAN)])
    expect(sam.get_by_text("memo.pdf")).to_have_count(0)
    look(sam, "sign")
    sam.get_by_role("button", name="Sign these documents").click()
    tick = "Tick the box to confirm that you sign these documents."
    expect(sam.get_by_text(tick, exact=True)).to_be_visible()
    sam.get_by_label("Your full name").fill("Samuel Durand")
    sam.get_by_label("I have read the documents listed above and I sign them.").check()
    sam.get_by_role("button", name="Sign these documents").click()
    expect(sam.get_by_role("heading", level=1)).to_have_text("Signature receipt")
    expect(sam.get_by_text("Samuel Durand")).to_be_visible()
    for content in (CONTRACT, PLAN):
        expect(sam.get_by_text(sha(content))).to_be_visible()
    look(sam, "receipt")
    with sam.expect_download() as downloaded:
        sam.get_by_role("link", name="Download the receipt (PDF)").click()
    pdf = pdfium.PdfDocument(downloaded.value.path())
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    pdf.close()
    assert "Samuel Durand" in text and sha(CONTRACT) in text and sha(PLAN) in text
    # Later: the matter says the signature is final, and the receipt reopens.
    sam.goto(f"/portal/matters/{mid}")
    expect(sam.get_by_role("link", name="Review and sign")).to_have_count(0)
    sam.get_by_role("link", name="Your signature receipt").click()
    expect(sam.get_by_text("Samuel Durand")).to_be_visible()

    # The firm's internal recipient is told of the approval and of the signature.
    nora = world["nora"]["email"]
    wait_until(
        lambda: [m for m in mails_to(smtp_server, nora) if "Fine for Acme." in text_of(m)],
        timeout=60,
        message="Nora told of the approval",
    )
    wait_until(
        lambda: [m for m in mails_to(smtp_server, nora) if sha(PLAN) in text_of(m)],
        timeout=60,
        message="Nora told of the signature",
    )
