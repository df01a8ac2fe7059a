"""Per-contact sharing: a selection saved for several contacts, the intersection view, search
inside PDFs, and what a contact then sees in the portal."""

from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa

from services.documents.models import DocumentShare, db

from .helpers import add_document, add_folder, contacts_mirror_shares, make_pdf, rows

ANA, BEN, CLEO, OUTSIDER = (str(uuid.uuid4()) for _ in range(4))


def save(client, staff, matter_id, contacts, documents):
    return client.put(
        f"/api/v1/matters/{matter_id}/document-shares",
        json={"contacts": contacts, "documents": documents},
        headers=staff,
    )


def lists(client, staff, matter_id, contacts=(), q=""):
    params = {"page_size": 200}
    if contacts:
        params["shared_with"] = ",".join(contacts)
    if q:
        params["q"] = q
    response = client.get(
        f"/api/v1/matters/{matter_id}/documents", query_string=params, headers=staff
    )
    assert response.status_code == 200, response.json
    body = response.json
    shared = {d["name"] for d in body["shared"]["items"]} if "shared" in body else None
    return shared, {d["name"] for d in body["items"]}


def shared_events(app, matter_id):
    return [e for e in rows(app, matter_id)["events"] if e["type"] == "documents.shared"]


def test_overlapping_selections_and_the_intersection_view(app, client, matter, staff):
    matter.publish({ANA: ["requester"], BEN: ["watcher"], CLEO: ["watcher"]})
    folder = add_folder(client, staff, matter.id, "Pleadings")
    docs = {
        name: add_document(client, staff, matter.id, content, name, folder_id=fid)["id"]
        for name, content, fid in (
            ("claim.pdf", make_pdf("Statement of claim", "The indemnity clause applies"), None),
            ("defence.pdf", make_pdf("Statement of defence"), folder["id"]),
            ("notes.txt", b"meeting about the settlement", None),
            ("invoice.pdf", make_pdf("Fees for November"), None),
        )
    }

    first = save(client, staff, matter.id, [ANA, BEN], [docs["claim.pdf"], docs["defence.pdf"]])
    assert first.status_code == 200, first.json
    second = save(client, staff, matter.id, [BEN, CLEO], [docs["notes.txt"]])
    assert second.status_code == 200

    assert lists(client, staff, matter.id, [ANA])[0] == {"claim.pdf", "defence.pdf"}
    assert lists(client, staff, matter.id, [BEN])[0] == {"claim.pdf", "defence.pdf", "notes.txt"}
    assert lists(client, staff, matter.id, [ANA, BEN])[0] == {"claim.pdf", "defence.pdf"}
    assert lists(client, staff, matter.id, [ANA, BEN, CLEO])[0] == set()
    shared, everything = lists(client, staff, matter.id, [BEN, CLEO])
    assert shared == {"notes.txt"}
    assert everything == set(docs)

    # A search term filters both lists: name, folder, the text inside a PDF or a text file.
    assert lists(client, staff, matter.id, [BEN], q="indemnity") == ({"claim.pdf"}, {"claim.pdf"})
    assert lists(client, staff, matter.id, [BEN], q="pleadings")[0] == {"defence.pdf"}
    assert lists(client, staff, matter.id, [BEN], q="settlement")[0] == {"notes.txt"}
    assert lists(client, staff, matter.id, [ANA], q="fees") == (set(), {"invoice.pdf"})

    # Removing from the common list unshares it from those contacts only.
    third = save(client, staff, matter.id, [ANA, BEN], [docs["claim.pdf"]])
    assert third.json["removed"] == [docs["defence.pdf"]]
    assert lists(client, staff, matter.id, [ANA])[0] == {"claim.pdf"}
    assert lists(client, staff, matter.id, [BEN])[0] == {"claim.pdf", "notes.txt"}
    assert contacts_mirror_shares(app, matter.id)


def test_a_save_e_mails_each_contact_once_with_what_is_new_for_them(app, client, matter, staff):
    matter.publish({ANA: ["requester"], BEN: ["watcher"], CLEO: ["watcher"]})
    claim = add_document(client, staff, matter.id, make_pdf("claim"), "claim.pdf")["id"]
    exhibit = add_document(client, staff, matter.id, make_pdf("exhibit"), "exhibit.pdf")["id"]
    save(client, staff, matter.id, [ANA], [claim])

    response = save(client, staff, matter.id, [ANA, BEN], [claim, exhibit])
    again = save(client, staff, matter.id, [ANA, BEN], [claim, exhibit])

    assert response.status_code == again.status_code == 200
    assert again.json["added"] == [] and again.json["removed"] == []
    events = {
        (e["data"]["user_id"], tuple(d["name"] for d in e["data"]["documents"]))
        for e in shared_events(app, matter.id)
    }
    assert events == {
        (ANA, ("claim.pdf",)),
        (ANA, ("exhibit.pdf",)),
        (BEN, ("claim.pdf", "exhibit.pdf")),
    }
    event = shared_events(app, matter.id)[0]
    assert event["data"]["portal_url"].endswith(f"/portal/matters/{matter.id}")


def test_only_the_matters_audience_and_documents_can_be_picked(app, client, matter, staff):
    matter.publish({ANA: ["requester"]})
    mine = add_document(client, staff, matter.id, make_pdf("mine"), "mine.pdf")["id"]
    other = type(matter)(matter.app, matter.minter)
    other.publish({ANA: ["requester"]})
    theirs = add_document(client, staff, other.id, make_pdf("theirs"), "theirs.pdf")["id"]

    outsider = save(client, staff, matter.id, [ANA, OUTSIDER], [mine])
    assert outsider.status_code == 422
    assert OUTSIDER in outsider.json["errors"]["contacts"][0]
    assert "audience" in outsider.json["detail"]
    foreign = save(client, staff, matter.id, [ANA], [mine, theirs])
    assert foreign.status_code == 422
    assert theirs in foreign.json["errors"]["documents"][0]
    # Nothing half-saved.
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(DocumentShare)
                .where(DocumentShare.matter_id == matter.id)
            )
            == 0
        )
    assert shared_events(app, matter.id) == []


def test_concurrent_overlapping_saves_end_consistent(app, client, matter, staff):
    matter.publish({ANA: ["requester"], BEN: ["watcher"], CLEO: ["watcher"]})
    ids = [
        add_document(client, staff, matter.id, make_pdf(f"d{i}"), f"d{i}.pdf")["id"]
        for i in range(6)
    ]
    barrier = threading.Barrier(2)
    answers = []

    def saving(contacts, documents):
        barrier.wait()
        answers.append(save(app.test_client(), staff, matter.id, contacts, documents).status_code)

    threads = [
        threading.Thread(target=saving, args=([ANA, BEN], ids[:4])),
        threading.Thread(target=saving, args=([BEN, CLEO], ids[2:])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200, 200]
    assert lists(client, staff, matter.id, [ANA, BEN])[0] >= {"d0.pdf", "d1.pdf"}
    assert lists(client, staff, matter.id, [BEN, CLEO])[0] == {f"d{i}.pdf" for i in range(2, 6)}
    assert lists(client, staff, matter.id, [BEN])[0] == {f"d{i}.pdf" for i in range(6)}
    assert contacts_mirror_shares(app, matter.id)


def test_the_portal_lists_what_is_shared_with_me_and_what_the_audience_sees(client, matter, staff):
    matter.publish({ANA: ["requester"], BEN: ["watcher"], CLEO: ["watcher"]})
    for_ana = add_document(client, staff, matter.id, make_pdf("Lease terms"), "lease.pdf")["id"]
    everyone = add_document(client, staff, matter.id, make_pdf("Agenda"), "agenda.pdf")["id"]
    client.patch(f"/api/v1/documents/{everyone}", json={"portal_visible": True}, headers=staff)
    save(client, staff, matter.id, [ANA], [for_ana])

    def portal(user, q=""):
        response = client.get(
            f"/api/v1/portal/matters/{matter.id}/documents",
            query_string={"q": q} if q else {},
            headers=matter.portal_headers(user),
        )
        return {d["name"]: d for d in response.json["items"]}

    assert set(portal(ANA)) == {"lease.pdf", "agenda.pdf"}
    assert set(portal(BEN)) == {"agenda.pdf"}
    assert set(portal(ANA, q="lease terms")) == {"lease.pdf"}
    item = portal(ANA)["lease.pdf"]
    assert (item["version_number"], item["download_allowed"], item["uploaded_by_me"]) == (
        1,
        False,
        False,
    )
    hidden = client.get(
        f"/api/v1/portal/documents/{for_ana}/preview", headers=matter.portal_headers(BEN)
    )
    assert hidden.status_code == 404


def test_the_intersection_view_pages_with_the_listing(client, matter, staff):
    """Its page and total come from the database: the pages put together are every document
    the contacts have in common, by name, and a page past the end still says how many."""
    matter.publish({ANA: ["requester"], BEN: ["watcher"], CLEO: ["watcher"]})
    ids = {n: add_document(client, staff, matter.id, name=n)["id"] for n in "edcba"}
    assert save(client, staff, matter.id, [ANA, BEN], [ids[n] for n in "abde"]).status_code == 200
    assert save(client, staff, matter.id, [ANA, CLEO], [ids["c"]]).status_code == 200  # not Ben

    def page(number):
        response = client.get(
            f"/api/v1/matters/{matter.id}/documents",
            query_string={"shared_with": f"{ANA},{BEN}", "page_size": 3, "page": number},
            headers=staff,
        )
        assert response.status_code == 200, response.json
        return response.json["shared"]

    pages = [page(n) for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [4, 4, 4]
    assert [d["name"] for p in pages for d in p["items"]] == ["a", "b", "d", "e"]
