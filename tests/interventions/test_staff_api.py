"""The firm's side: sites, equipment, types with extra fields, interventions, statuses, queue."""

from __future__ import annotations

import uuid


def test_an_intervention_is_numbered_prefilled_and_announced(world):
    company = world.company("Acme")
    site = world.site(company, "Depot")

    first = world.intervention(company, site_id=site["id"])
    second = world.intervention(company)

    assert first["number"].startswith("INT-") and len(first["number"]) == 10
    assert int(second["number"][4:]) > int(first["number"][4:])
    assert first["status"] == "to_schedule"
    assert first["allowed_moves"] == ["scheduled", "cancelled"]
    # Pre-filled from the site, then from the customer replica (identity's company event).
    assert first["address"]["line1"] == "Depot road"
    assert second["address"]["city"] == "Paris"
    assert second["contact"]["email"] == "claire@acme.example"
    created = [e for e in world.outbox("interventions.intervention.created")]
    mine = next(e["intervention"] for e in created if e["intervention"]["id"] == first["id"])
    assert mine["number"] == first["number"] and mine["site"]["name"] == "Depot"
    assert mine["company"]["name"] == "Acme"


def test_a_number_is_never_reused_after_a_failed_creation(world):
    company = world.company()
    before = world.intervention(company)
    refused = world.http.post(
        "/api/v1/interventions",
        json={"company_id": company, "description": "x", "site_id": str(uuid.uuid4())},
        headers=world.staff,
    )
    after = world.intervention(company)
    assert refused.status_code == 422
    assert int(after["number"][4:]) > int(before["number"][4:])


def test_status_moves_keep_history_and_refuse_nonsense_with_the_allowed_moves(world):
    company = world.company()
    item = world.intervention(company)
    path = f"/api/v1/interventions/{item['id']}/status"

    no_date = world.http.post(path, json={"status": "scheduled"}, headers=world.staff)
    assert no_date.status_code == 422 and "scheduled_at" in no_date.get_json()["errors"]

    jump = world.http.post(path, json={"status": "completed"}, headers=world.staff)
    assert jump.status_code == 409
    assert "scheduled, cancelled" in jump.get_json()["detail"]

    body = {"status": "scheduled", "scheduled_at": "2027-01-05T09:00:00+01:00", "technician": "Ali"}
    scheduled = world.http.post(path, json=body, headers=world.staff).get_json()
    assert scheduled["status"] == "scheduled" and scheduled["technician"] == "Ali"
    assert [h["to_status"] for h in scheduled["history"]] == ["to_schedule", "scheduled"]
    changed = world.outbox("interventions.intervention.status_changed")
    event = next(e for e in changed if e["intervention"]["id"] == item["id"])
    assert (event["from"], event["to"]) == ("to_schedule", "scheduled")
    assert event["intervention"]["scheduled_at"] == "2027-01-05T08:00:00Z"


def test_the_queue_is_newest_first_and_filters_by_customer_and_site(world):
    company, other = world.company(), world.company()
    site = world.site(company)
    older = world.intervention(company)
    newer = world.intervention(company, site_id=site["id"])
    world.intervention(other)

    queue = world.http.get(
        f"/api/v1/interventions?status=to_schedule&company_id={company}", headers=world.staff
    ).get_json()
    assert [i["id"] for i in queue["items"]] == [newer["id"], older["id"]]
    by_site = world.http.get(
        f"/api/v1/interventions?site_id={site['id']}", headers=world.staff
    ).get_json()
    assert [i["id"] for i in by_site["items"]] == [newer["id"]]


def test_extra_fields_are_checked_against_the_type(world):
    company = world.company()
    kind = world.type(
        fields=[
            {"key": "floor", "label": "Floor", "kind": "number", "required": True},
            {"key": "urgency", "label": "Urgency", "kind": "choice", "choices": ["low", "high"]},
            {"key": "since", "label": "Since", "kind": "date"},
        ]
    )
    bad = world.http.post(
        "/api/v1/interventions",
        json={
            "company_id": company,
            "description": "Leak",
            "type_id": kind["id"],
            "extra": {"urgency": "panic", "since": "yesterday", "colour": "red"},
        },
        headers=world.staff,
    )
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]["extra"]
    assert set(errors) == {"floor", "urgency", "since", "colour"}
    assert "Floor is required" in errors["floor"][0]

    good = world.intervention(
        company, type_id=kind["id"], extra={"floor": 3, "urgency": "high", "since": "2026-11-01"}
    )
    assert good["extra"] == {"floor": 3, "urgency": "high", "since": "2026-11-01"}
    assert good["type"]["name"] == kind["name"]


def test_a_choice_field_needs_choices_and_the_openapi_shows_the_limits(world):
    response = world.http.post(
        "/api/v1/intervention-types",
        json={"name": "Audit", "fields": [{"key": "k", "label": "K", "kind": "choice"}]},
        headers=world.staff,
    )
    assert response.status_code == 422
    spec = world.http.get("/openapi.json").get_json()
    description = spec["components"]["schemas"]["InterventionIn"]["properties"]["description"]
    assert description["maxLength"] == 5000 and description["minLength"] == 1


def test_equipment_must_be_at_a_site_of_the_same_customer(world):
    company, other = world.company(), world.company()
    foreign_site = world.site(other)
    response = world.http.post(
        "/api/v1/equipment",
        json={"company_id": company, "site_id": foreign_site["id"], "name": "Pump"},
        headers=world.staff,
    )
    assert response.status_code == 422 and "site_id" in response.get_json()["errors"]


def test_portal_options_default_firm_wide_and_override_per_customer(world):
    company = world.company()
    firm = world.http.put(
        "/api/v1/interventions/portal-options",
        json={"gallery_shown": True},
        headers=world.staff,
    ).get_json()
    assert firm["gallery_shown"] is True
    own = world.http.put(
        f"/api/v1/interventions/portal-options/{company}",
        json={"create_allowed": False},
        headers=world.staff,
    ).get_json()
    assert own["own"]["create_allowed"] is False and own["own"]["gallery_shown"] is None
    assert own["effective"]["create_allowed"] is False and own["effective"]["gallery_shown"]


def test_an_option_change_is_announced_for_documents_replica(world):
    company = world.company()
    world.http.put(
        f"/api/v1/interventions/portal-options/{company}",
        json={"attachments_shown": False},
        headers=world.staff,
    )
    announced = [
        e
        for e in world.outbox("interventions.portal_options.changed")
        if e["company_id"] == company
    ]
    assert len(announced) == 1
    assert announced[0]["options"]["attachments_shown"] is False
    assert announced[0]["options"]["gallery_shown"] is None  # follows the firm's default


def test_portal_tokens_cannot_use_the_staff_api(world):
    company = world.company()
    response = world.http.get("/api/v1/interventions", headers=world.portal(company))
    assert response.status_code == 403


def test_options_of_an_unknown_customer_are_a_404(world):
    response = world.http.get(
        f"/api/v1/interventions/portal-options/{uuid.uuid4()}", headers=world.staff
    )
    assert response.status_code == 404 and response.get_json()["code"] == "COMPANY_NOT_FOUND"


def test_a_newer_company_version_updates_the_replica_and_an_older_one_does_not(world):
    from services.common.events import Event

    company = world.company("Acme")
    newer = {"id": company, "name": "Acme Renamed", "address": {"city": "Nice"}, "version": 3}
    world.deliver(Event("identity.company.updated", newer, subject=company, source="/identity"))
    older = {**newer, "name": "Acme Old", "address": {"city": "Old"}, "version": 2}
    world.deliver(Event("identity.company.updated", older, subject=company, source="/identity"))
    item = world.intervention(company)
    assert item["address"]["city"] == "Nice"
    created = world.outbox("interventions.intervention.created")
    mine = next(e["intervention"] for e in created if e["intervention"]["id"] == item["id"])
    assert mine["company"]["name"] == "Acme Renamed"


def test_a_company_created_a_moment_ago_is_asked_of_identity(world):
    from services.identity.models import Company as IdentityCompany
    from services.identity.models import db as identity_db

    with world.identity.app_context():
        row = IdentityCompany(name="Fresh Co", number=f"F-{uuid.uuid4().hex[:6]}")
        row.address_city, row.members_see_each_other = "Lille", False
        identity_db.session.add(row)
        identity_db.session.commit()
        company = row.id
    site = world.site(company, "Fresh depot")  # no identity.company.created event delivered
    assert site["company_id"] == company
    item = world.intervention(company)
    assert item["address"]["city"] == "Lille"
    unknown = world.http.post(
        "/api/v1/sites", json={"company_id": str(uuid.uuid4()), "name": "x"}, headers=world.staff
    )
    assert unknown.status_code == 422 and "company_id" in unknown.get_json()["errors"]
