"""A representative's access request, from the signup link to completion or review, and every
bad input answered by a clear 4xx that leaves nothing half-made."""

from __future__ import annotations

import uuid

import pytest

from services.common.sealing import link_keys, unseal

from .world import TAX_IDS, Representative, config


def _email() -> str:
    return f"rep.{uuid.uuid4().hex[:8]}@client.example"


@pytest.mark.parametrize("tax_format", list(TAX_IDS))
def test_matching_tax_id_completes_in_each_format(world, tax_format):
    typed, held = TAX_IDS[tax_format]
    group = world.group(tax_id_format=tax_format)
    company = world.company("Acme", group["id"], held)
    world.company("Acme elsewhere", None, held)  # same tax ID outside the group: not a match
    rep = Representative(world, world.signup_link(group["id"])["token"], locale="fr")
    assert rep.view["group"]["terms"] == {"version": 1, "text": "Conditions v1"}
    assert rep.view["group"]["messages"]["terms"] == "Lisez et acceptez nos conditions."
    assert rep.view["group"]["tax_id_pattern"] == group["tax_id_pattern"]
    email = _email()
    submitted = rep.fill(email, typed)
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "completed"
    assert submitted.json["progress"]["message"] == "Tout est prêt, merci !"
    (completed,) = [
        e
        for e in world.events("onboarding.access_request.completed")
        if e["access_request_id"] == rep.view["access_request_id"]
    ]
    assert completed["company_id"] == company
    assert completed["contact"] == {
        "name": "Ana Lima",
        "email": email,
        "phone": "+16502530000",
        "locale": "fr",
    }
    staff_view = world.http.get(
        f"/api/v1/access-requests/{rep.view['access_request_id']}", headers=world.staff
    ).json
    assert staff_view["terms_version"] == 1 and staff_view["terms_accepted_at"]
    assert staff_view["matched_company"]["id"] == company
    assert staff_view["answers"] == {"erp": "SAP"}


def test_steps_in_any_order_resume_and_status_lists_what_is_missing(world):
    group = world.group()
    rep = Representative(world, world.signup_link(group["id"])["token"])
    assert rep.accept_terms().status_code == 200
    assert rep.company("04-2103594").status_code == 200
    status = rep.call("GET", "status").json
    assert status == {
        "status": "draft",
        "complete": False,
        "missing": ["contact", "questions"],
        "message": "Still missing:",
    }
    email = _email()
    assert rep.contact(email).status_code == 200
    (mail_event,) = [
        e for e in world.events("onboarding.resume_link.issued") if e["contact"]["email"] == email
    ]
    token = rep.headers["Authorization"].split()[1]
    # The link travels sealed for the mailer alone: opened with the key, it is the resume link.
    assert token not in str(mail_event)
    assert (
        unseal(mail_event["sealed_url"], {"MAIL_LINK_KEYS": link_keys()})
        == f"https://portal.example.com/portal/onboarding/resume?token={token}"
    )
    resumed = world.http.get("/api/v1/portal/onboarding/request", headers=rep.headers).json
    assert resumed["contact"]["email"] == email
    assert resumed["company"] == {"company_name": "Acme", "tax_id": "04-2103594"}
    assert rep.answers(erp="Odoo").json["progress"]["complete"] is True


def test_nothing_before_the_terms_and_old_terms_refused(world):
    group = world.group()
    rep = Representative(world, world.signup_link(group["id"])["token"])
    for response in (rep.contact(_email()), rep.company("04-2103594"), rep.answers(erp="x")):
        assert response.status_code == 409
        assert response.json["code"] == "TERMS_NOT_ACCEPTED"
    assert rep.call("POST", "submit").status_code == 409
    world.http.put(
        f"/api/v1/customer-groups/{group['id']}/portal-configuration",
        json=config(terms={"en": "v2"}),
        headers=world.staff,
    )
    old = rep.accept_terms(1)
    assert old.status_code == 409 and old.json["code"] == "TERMS_OUTDATED"
    assert "version 2" in old.json["detail"]
    view = rep.call("GET").json
    assert view["terms_accepted"] is None and view["contact"]["email"] is None
    assert rep.accept_terms(2).json["terms_accepted"]["version"] == 2


@pytest.mark.parametrize(
    "bad", ["04-21O3594", "04-210359", "042-103594", "12-34567890", "abcdefghi"]
)
def test_bad_tax_id_is_a_422_showing_the_pattern(world, bad):
    group = world.group(tax_id_format="ein")
    rep = Representative(world, world.signup_link(group["id"])["token"])
    rep.accept_terms()
    response = rep.company(bad)
    assert response.status_code == 422
    assert "nn-nnnnnnn" in response.json["errors"]["tax_id"][0]
    assert rep.call("GET").json["company"]["tax_id"] is None


def test_bad_phone_and_email_are_422_on_their_fields(world):
    group = world.group()
    rep = Representative(world, world.signup_link(group["id"])["token"])
    rep.accept_terms()
    assert "phone" in rep.contact(_email(), phone="12345").json["errors"]
    assert "email" in rep.contact("not-an-address").json["errors"]
    unknown = rep.answers(colour="blue")
    assert unknown.status_code == 422 and "colour" in unknown.json["errors"]["answers"]


def test_unknown_tax_id_goes_to_review_and_staff_approves_choosing_the_company(world):
    group = world.group()
    company = world.company("Acme", group["id"], "91-1144442")
    other_group_company = world.company("Other", world.group()["id"], "91-1144442")
    rep = Representative(world, world.signup_link(group["id"])["token"])
    assert rep.fill(_email(), "04-2103594").json["status"] == "in_review"
    request_id = rep.view["access_request_id"]
    listed = world.http.get(
        "/api/v1/access-requests?status=in_review&group_id=" + group["id"], headers=world.staff
    ).json
    assert [r["id"] for r in listed["items"]] == [request_id]
    url = f"/api/v1/access-requests/{request_id}/approve"
    unchosen = world.http.post(url, json={}, headers=world.staff)
    assert unchosen.status_code == 422 and "company_id" in unchosen.json["errors"]
    outside = world.http.post(url, json={"company_id": other_group_company}, headers=world.staff)
    assert outside.status_code == 422
    approved = world.http.post(url, json={"company_id": company}, headers=world.staff)
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "completed"
    assert approved.json["matched_company"]["id"] == company
    again = world.http.post(url, json={"company_id": company}, headers=world.staff)
    assert again.status_code == 409


def test_group_requiring_approval_waits_then_rejection_keeps_the_reason(world):
    group = world.group(requires_approval=True)
    world.company("Acme", group["id"], "04-2103594")
    rep = Representative(world, world.signup_link(group["id"])["token"])
    assert rep.fill(_email(), "04-2103594").json["status"] == "in_review"
    request_id = rep.view["access_request_id"]
    rejected = world.http.post(
        f"/api/v1/access-requests/{request_id}/reject",
        json={"reason": "Not a customer any more"},
        headers=world.staff,
    )
    assert rejected.json["status"] == "rejected"
    assert rejected.json["rejection_reason"] == "Not a customer any more"
    assert not [
        e
        for e in world.events("onboarding.access_request.completed")
        if e["access_request_id"] == request_id
    ]


def test_same_email_twice_for_the_same_company_is_refused(world):
    group = world.group()
    world.company("Acme", group["id"], "04-2103594")
    email = _email()
    link = world.signup_link(group["id"])["token"]
    assert Representative(world, link).fill(email, "04-2103594").json["status"] == "completed"
    second = Representative(world, link)
    response = second.fill(email.upper(), "04-2103594")
    assert response.status_code == 409 and response.json["code"] == "ALREADY_REGISTERED"
    view = second.call("GET").json
    assert view["status"] == "draft"  # nothing half-made: still editable, nothing sent


def test_completed_request_cannot_be_edited(world):
    group = world.group()
    world.company("Acme", group["id"], "04-2103594")
    rep = Representative(world, world.signup_link(group["id"])["token"])
    rep.fill(_email(), "04-2103594")
    for response in (rep.contact(_email()), rep.company("91-1144442"), rep.call("POST", "submit")):
        assert response.status_code == 409 and response.json["code"] == "REQUEST_CLOSED"
    assert rep.call("GET").json["company"]["tax_id"] == "04-2103594"


def test_disabled_group_link_does_not_work(world):
    group = world.group(portal_enabled=False)
    token = world.signup_link(group["id"])["token"]
    response = world.http.post("/api/v1/portal/onboarding/signup", json={"token": token})
    assert response.status_code == 410


def test_guessed_links_and_resume_tokens_are_throttled(world):
    guessing = world.app.test_client()
    guessing.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for _ in range(3):
        response = guessing.post("/api/v1/portal/onboarding/signup", json={"token": "guess"})
        assert response.status_code == 404
    for _ in range(2):
        response = guessing.get(
            "/api/v1/portal/onboarding/request", headers={"Authorization": "Resume guess"}
        )
        assert response.status_code == 401
    token = world.signup_link(world.group()["id"])["token"]
    throttled = guessing.post("/api/v1/portal/onboarding/signup", json={"token": token})
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    # Another address is not affected.
    assert (
        world.http.post("/api/v1/portal/onboarding/signup", json={"token": token}).status_code
        == 201
    )


def test_no_resume_token_is_a_401(world):
    response = world.http.get("/api/v1/portal/onboarding/request")
    assert response.status_code == 401
    assert response.json["code"] == "RESUME_TOKEN_REQUIRED"
