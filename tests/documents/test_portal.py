"""What a client contact sees in the portal: the audience decides, then the nearest setting
(document, folder up the chain, matter default); everything else is a 404."""

from __future__ import annotations

import uuid

from .helpers import PDF, add_document, add_folder, make_pdf, portal_names


def test_a_folder_setting_covers_what_is_in_it_now_and_later(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=False)
    shared = add_folder(client, staff, matter.id, "Shared")
    inner = add_folder(client, staff, matter.id, "Inner", parent_id=shared["id"])
    add_document(client, staff, matter.id, name="before.pdf", folder_id=inner["id"])
    add_document(client, staff, matter.id, name="root.pdf")
    portal = matter.portal_headers(requester)
    assert portal_names(client, matter.id, portal) == set()

    patched = client.patch(
        f"/api/v1/matters/{matter.id}/folders/{shared['id']}",
        json={"portal_visible": True},
        headers=staff,
    )
    assert patched.status_code == 200
    add_document(client, staff, matter.id, name="after.pdf", folder_id=inner["id"])

    listed = client.get(f"/api/v1/portal/matters/{matter.id}/documents", headers=portal).json
    assert {d["name"]: d["folder_path"] for d in listed["items"]} == {
        "before.pdf": ["Shared", "Inner"],
        "after.pdf": ["Shared", "Inner"],
    }
    assert listed["total"] == 2
    item = listed["items"][0]
    assert set(item) == {
        "id",
        "name",
        "folder_path",
        "size",
        "content_type",
        "sha256",
        "created_at",
        "updated_at",
        "version_number",
        "download_allowed",
        "preview_available",
        "from_client",
        "uploaded_by_me",
        "replaces_id",
    }
    assert item["content_type"] == "application/pdf"
    assert item["size"] == len(PDF)


def test_a_documents_own_setting_wins_over_its_folders(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    hidden = add_folder(client, staff, matter.id, "Internal", portal_visible=False)
    shown = add_folder(client, staff, matter.id, "Shared", portal_visible=True)
    exception = add_document(client, staff, matter.id, name="summary.pdf", folder_id=hidden["id"])
    secret = add_document(client, staff, matter.id, name="draft.pdf", folder_id=shown["id"])
    add_document(client, staff, matter.id, name="memo.pdf", folder_id=hidden["id"])
    add_document(client, staff, matter.id, name="letter.pdf", folder_id=shown["id"])
    for document, visible in ((exception, True), (secret, False)):
        response = client.patch(
            f"/api/v1/documents/{document['id']}", json={"portal_visible": visible}, headers=staff
        )
        assert response.json["visible_in_portal"] is visible

    portal = matter.portal_headers(requester)
    assert portal_names(client, matter.id, portal) == {"summary.pdf", "letter.pdf"}
    hidden_download = client.get(
        f"/api/v1/portal/documents/{secret['id']}/download", headers=portal
    )
    assert hidden_download.status_code == 404


def test_the_matter_default_applies_to_documents_without_a_setting(
    client, matter, staff, requester
):
    matter.publish({requester: ["requester"]}, attachments=True)
    add_document(client, staff, matter.id, name="a.pdf")
    portal = matter.portal_headers(requester)
    assert portal_names(client, matter.id, portal) == {"a.pdf"}

    matter.publish({requester: ["requester"]}, attachments=False)
    assert portal_names(client, matter.id, portal) == set()


def test_outsiders_get_404_for_every_id(client, matter, staff, requester):
    watcher = str(uuid.uuid4())
    matter.publish({requester: ["requester"], watcher: ["watcher"]}, attachments=True)
    document = add_document(client, staff, matter.id, name="contract.pdf")
    assert portal_names(client, matter.id, matter.portal_headers(watcher)) == {"contract.pdf"}

    matter.publish({requester: ["requester"]}, attachments=True)  # the watcher is removed
    other_company = str(uuid.uuid4())
    outsiders = {
        "not in the audience": matter.portal_headers(str(uuid.uuid4())),
        "of another company": matter.portal_headers(str(uuid.uuid4()), other_company),
        "removed watcher": matter.portal_headers(watcher),
    }
    unknown = str(uuid.uuid4())
    for who, headers in outsiders.items():
        for matter_id in (matter.id, unknown):
            listed = client.get(f"/api/v1/portal/matters/{matter_id}/documents", headers=headers)
            assert (listed.status_code, listed.json["code"]) == (404, "MATTER_NOT_FOUND"), who
        for document_id in (document["id"], unknown):
            for action in ("download", "preview"):
                got = client.get(
                    f"/api/v1/portal/documents/{document_id}/{action}", headers=headers
                )
                assert (got.status_code, got.json["code"]) == (404, "DOCUMENT_NOT_FOUND"), who
                assert got.json["detail"] == f"No document has the id '{document_id}'."

    assert portal_names(client, matter.id, matter.portal_headers(requester)) == {"contract.pdf"}


def test_an_id_that_cannot_exist_is_a_404_too(client, matter, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    headers = matter.portal_headers(requester)
    for url in (
        "/api/v1/portal/matters/%00/documents",
        "/api/v1/portal/documents/%00/download",
        "/api/v1/portal/documents/%00/preview",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_an_unpublished_matter_shows_nothing_even_to_its_audience(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    document = add_document(client, staff, matter.id)
    matter.publish({requester: ["requester"]}, visible=False, attachments=True)

    portal = matter.portal_headers(requester)
    listed = client.get(f"/api/v1/portal/matters/{matter.id}/documents", headers=portal)
    assert listed.status_code == 404
    preview = client.get(f"/api/v1/portal/documents/{document['id']}/preview", headers=portal)
    assert preview.status_code == 404


def test_download_can_be_switched_off_while_preview_stays(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    matter.allow_downloads(staff)
    document = add_document(client, staff, matter.id, make_pdf("Terms"))
    response = client.patch(
        f"/api/v1/documents/{document['id']}", json={"download_allowed": False}, headers=staff
    )
    assert response.json["download_allowed"] is False
    portal = matter.portal_headers(requester)

    download = client.get(f"/api/v1/portal/documents/{document['id']}/download", headers=portal)
    assert download.status_code == 403
    assert download.json["code"] == "DOWNLOAD_NOT_ALLOWED"
    preview = client.get(f"/api/v1/portal/documents/{document['id']}/preview", headers=portal)
    assert preview.status_code == 200
    assert preview.headers["X-Preview-Mode"] == "rendered"  # drawn, not the PDF's bytes
    assert preview.headers["Content-Type"] == "image/png"
    assert PDF not in preview.data
    listed = client.get(f"/api/v1/portal/matters/{matter.id}/documents", headers=portal).json
    assert listed["items"][0]["download_allowed"] is False


def test_an_older_audience_event_is_ignored(client, matter, staff, requester):
    latecomer = str(uuid.uuid4())
    matter.publish({requester: ["requester"]}, attachments=True, version=5)
    add_document(client, staff, matter.id, name="a.pdf")

    matter.publish({latecomer: ["watcher"]}, attachments=False, version=3)

    assert portal_names(client, matter.id, matter.portal_headers(requester)) == {"a.pdf"}
    listed = client.get(
        f"/api/v1/portal/matters/{matter.id}/documents", headers=matter.portal_headers(latecomer)
    )
    assert listed.status_code == 404


def test_the_listing_says_which_audience_it_reflects(client, matter, staff, requester):
    """Sharing signs only over an answer that has caught up with the audience it published."""
    path = f"/api/v1/portal/matters/{matter.id}/documents"
    matter.publish({requester: ["requester"]}, attachments=True, version=4)
    assert client.get(path, headers=matter.portal_headers(requester)).json["audience_version"] == 4
    matter.publish({requester: ["requester", "collaborator"]}, attachments=True, version=7)
    assert client.get(path, headers=matter.portal_headers(requester)).json["audience_version"] == 7


def test_each_namespace_refuses_the_other_kind_of_token(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    document = add_document(client, staff, matter.id)
    portal = matter.portal_headers(requester)

    for url in (
        f"/api/v1/portal/matters/{matter.id}/documents",
        f"/api/v1/portal/documents/{document['id']}/download",
        f"/api/v1/portal/documents/{document['id']}/preview",
    ):
        response = client.get(url, headers=staff)
        assert (response.status_code, response.json["code"]) == (403, "PORTAL_ONLY"), url
    for method, url in (
        ("get", f"/api/v1/matters/{matter.id}/documents"),
        ("post", f"/api/v1/matters/{matter.id}/documents"),
        ("get", f"/api/v1/matters/{matter.id}/folders"),
        ("post", f"/api/v1/matters/{matter.id}/folders"),
        ("get", f"/api/v1/documents/{document['id']}"),
        ("patch", f"/api/v1/documents/{document['id']}"),
        ("get", f"/api/v1/documents/{document['id']}/download"),
        ("get", f"/api/v1/documents/{document['id']}/versions"),
    ):
        response = getattr(client, method)(url, headers=portal)
        assert (response.status_code, response.json["code"]) == (403, "STAFF_ONLY"), url


def test_the_listing_pages_by_folder_path_then_name(client, matter, staff, requester):
    """Paged by the database: the pages put together are the whole listing in its order."""
    matter.publish({requester: ["requester"]}, attachments=True)
    beta = add_folder(client, staff, matter.id, "beta")
    alpha = add_folder(client, staff, matter.id, "Alpha")
    inner = add_folder(client, staff, matter.id, "zed", parent_id=alpha["id"])
    hidden = add_folder(client, staff, matter.id, "Hidden", portal_visible=False)
    for name, folder in (
        ("b.pdf", beta),
        ("A.pdf", beta),
        ("c.pdf", inner),
        ("a.pdf", alpha),
        ("Z.pdf", None),
        ("y.pdf", None),
        ("x.pdf", hidden),
    ):
        add_document(client, staff, matter.id, name=name, folder_id=folder and folder["id"])
    portal = matter.portal_headers(requester)
    url = f"/api/v1/portal/matters/{matter.id}/documents?page_size=2"
    pages = [client.get(f"{url}&page={n}", headers=portal).json for n in (1, 2, 3, 4)]

    assert [p["total"] for p in pages] == [6, 6, 6, 6]
    listed = [(d["folder_path"], d["name"]) for p in pages for d in p["items"]]
    assert listed == [
        ([], "y.pdf"),
        ([], "Z.pdf"),
        (["Alpha"], "a.pdf"),
        (["Alpha", "zed"], "c.pdf"),
        (["beta"], "A.pdf"),
        (["beta"], "b.pdf"),
    ]
