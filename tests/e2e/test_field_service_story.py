"""Seed 002 through the gateway with every service running: staff issue a secure link to a
customer, the customer opens it, browses sites and equipment, asks for an intervention from the
pre-filled form; it reaches the back-office queue and the dispatch desk, staff schedule it, the
customer's contact is e-mailed in their language; scopes hold and revoking ends the session."""

from __future__ import annotations

import uuid

from services.common.testing import wait_until

from ..suite import DISPATCH_EMAIL, Client
from .stories import admin, mails_to, text_of


def customer(staff: Client, name: str, contact_email: str) -> dict:
    response = staff.post(
        "/api/v1/companies",
        json={
            "name": name,
            "number": f"C-{uuid.uuid4().hex[:8]}",
            "address": {"line1": "12 rue des Lilas", "postal_code": "69003", "city": "Lyon"},
            "contact": {"name": "Claire Martin", "email": contact_email, "phone": "+33 4"},
            "extra_info": "Ring twice",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def known_to_interventions(staff: Client, company_id: str) -> bool:
    """The interventions service has heard of the company (identity's event arrived)."""
    response = staff.get(f"/api/v1/interventions/portal-options/{company_id}")
    return response.status_code == 200


def post(client: Client, path: str, body: dict, **kwargs) -> dict:
    response = client.post(path, json=body, **kwargs)
    assert response.status_code in (200, 201), response.text
    return response.json()


def open_link(suite, staff: Client, company_id: str, scope: dict | None = None) -> tuple:
    link = post(
        staff,
        "/api/v1/secure-links",
        {"company_id": company_id, **({"scope": scope} if scope else {})},
    )
    session = post(Client(suite.gateway), "/api/v1/auth/links/exchange", {"token": link["token"]})
    return link, Client(suite.gateway, session["access_token"])


def test_a_customer_opens_a_link_requests_an_intervention_and_hears_it_is_scheduled(
    suite, smtp_server
):
    staff = admin(suite)
    contact_email = f"claire.{uuid.uuid4().hex[:8]}@acme.example"
    acme = customer(staff, "Acme Lyon", contact_email)
    globex = customer(staff, "Globex Lyon", f"g.{uuid.uuid4().hex[:8]}@globex.example")
    for company in (acme, globex):
        wait_until(lambda c=company: known_to_interventions(staff, c["id"]), timeout=30)
    depot = post(staff, "/api/v1/sites", {"company_id": acme["id"], "name": "Depot"})
    boiler = post(
        staff,
        "/api/v1/equipment",
        {"company_id": acme["id"], "site_id": depot["id"], "name": "Boiler"},
    )
    theirs = post(staff, "/api/v1/sites", {"company_id": globex["id"], "name": "Globex HQ"})
    kind = post(
        staff,
        "/api/v1/intervention-types",
        {
            "name": f"Repair {uuid.uuid4().hex[:6]}",
            "fields": [{"key": "floor", "label": "Floor", "kind": "number", "required": True}],
        },
    )

    link, customer_client = open_link(suite, staff, acme["id"])
    page = customer_client.get("/api/v1/portal/customer").json()
    assert (page["number"], page["extra_info"]) == (acme["number"], "Ring twice")
    assert page["may_create"] is True
    sites = customer_client.get("/api/v1/portal/sites").json()["items"]
    assert [s["name"] for s in sites] == ["Depot"]
    kit = customer_client.get("/api/v1/portal/equipment").json()["items"]
    assert [e["id"] for e in kit] == [boiler["id"]]
    assert customer_client.get(f"/api/v1/portal/sites/{theirs['id']}").status_code == 404

    form = customer_client.get(f"/api/v1/portal/interventions/new?site_id={depot['id']}").json()
    assert form["contact"]["email"] == contact_email  # the site has none: the customer's
    assert form["address"]["city"] == "Lyon"
    request = {
        "description": "The boiler leaks",
        "site_id": depot["id"],
        "equipment_id": boiler["id"],
        "type_id": kind["id"],
        "extra": {"floor": 1},
        "address": form["address"],
        "contact": {"name": "Claire Martin", "email": contact_email, "phone": None},
        "locale": "fr",
    }
    key = {"Idempotency-Key": str(uuid.uuid4())}
    created = post(customer_client, "/api/v1/portal/interventions", request, headers=key)
    again = post(customer_client, "/api/v1/portal/interventions", request, headers=key)
    assert again["id"] == created["id"] and created["status"] == "to_schedule"

    queue = staff.get(f"/api/v1/interventions?status=to_schedule&company_id={acme['id']}").json()
    assert [i["number"] for i in queue["items"]] == [created["number"]]
    (dispatch,) = wait_until(
        lambda: [
            m for m in mails_to(smtp_server, DISPATCH_EMAIL) if created["number"] in m["Subject"]
        ],
        timeout=30,
        message="the dispatch desk's e-mail",
    )
    assert "The boiler leaks" in text_of(dispatch)

    scheduled = post(
        staff,
        f"/api/v1/interventions/{created['id']}/status",
        {"status": "scheduled", "scheduled_at": "2027-01-05T08:00:00Z", "technician": "Ali"},
    )
    assert scheduled["status"] == "scheduled"
    (told,) = wait_until(
        lambda: mails_to(smtp_server, contact_email), timeout=30, message="the customer's e-mail"
    )
    assert told["Subject"] == f"L’intervention {created['number']} est planifiée"
    detail = customer_client.get(f"/api/v1/portal/interventions/{created['id']}").json()
    assert [h["to_status"] for h in detail["history"]] == ["to_schedule", "scheduled"]

    assert staff.delete(f"/api/v1/secure-links/{link['id']}").status_code == 204
    ended = wait_until(
        lambda: customer_client.get("/api/v1/portal/interventions").status_code == 401,
        timeout=30,
        message="the revoked link's session to end",
    )
    assert ended


def test_each_scope_sees_its_part_through_the_gateway(suite):
    staff = admin(suite)
    acme = customer(staff, "Acme Scopes", f"s.{uuid.uuid4().hex[:8]}@acme.example")
    other = customer(staff, "Other Scopes", f"o.{uuid.uuid4().hex[:8]}@other.example")
    for company in (acme, other):
        wait_until(lambda c=company: known_to_interventions(staff, c["id"]), timeout=30)
    north = post(staff, "/api/v1/sites", {"company_id": acme["id"], "name": "North"})
    south = post(staff, "/api/v1/sites", {"company_id": acme["id"], "name": "South"})
    at_north = post(
        staff,
        "/api/v1/interventions",
        {"company_id": acme["id"], "site_id": north["id"], "description": "N"},
    )
    at_south = post(
        staff,
        "/api/v1/interventions",
        {"company_id": acme["id"], "site_id": south["id"], "description": "S"},
    )
    foreign = post(staff, "/api/v1/interventions", {"company_id": other["id"], "description": "X"})

    def ids(client: Client) -> set[str]:
        response = client.get("/api/v1/portal/interventions")
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["items"]}

    _, whole = open_link(suite, staff, acme["id"])
    _, site = open_link(suite, staff, acme["id"], {"type": "site", "id": north["id"]})
    _, one = open_link(suite, staff, acme["id"], {"type": "intervention", "id": at_south["id"]})
    assert ids(whole) == {at_north["id"], at_south["id"]}
    assert ids(site) == {at_north["id"]}
    assert ids(one) == {at_south["id"]}
    for client in (whole, site, one):
        assert client.get(f"/api/v1/portal/interventions/{foreign['id']}").status_code == 404
        assert client.get("/api/v1/interventions").status_code == 403

    options = staff.put(
        f"/api/v1/interventions/portal-options/{acme['id']}", json={"create_allowed": False}
    )
    assert options.status_code == 200
    refused = whole.post("/api/v1/portal/interventions", json={"description": "more"})
    assert refused.status_code == 403 and refused.json()["code"] == "CREATE_ALLOWED_OFF"
