"""Which service owns a public path: the route table alone, no HTTP."""

import pytest

from gateway.routes import ROUTES, SERVICES, RouteTable

TABLE = RouteTable()


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/auth/login", "identity"),
        ("/api/v1/me", "identity"),
        ("/api/v1/companies/42/members", "identity"),
        ("/api/v1/portal/customer", "interventions"),
        ("/.well-known/jwks.json", "identity"),
        ("/api/v1/matters", "sharing"),
        ("/api/v1/matters/", "sharing"),
        ("/api/v1/matters/7/milestones", "sharing"),
        ("/api/v1/matters/7/documents", "documents"),
        ("/api/v1/matters/7/documents/3/versions", "documents"),
        ("/api/v1/matters/7/document-shares", "documents"),
        ("/api/v1/matters/7/folders/2", "documents"),
        ("/api/v1/portal/matters/7", "sharing"),
        ("/api/v1/portal/matters/7/approve", "sharing"),
        ("/api/v1/portal/matters/7/documents", "documents"),
        ("/api/v1/portal/documents/3/download", "documents"),
        ("/api/v1/documents/3/access-log", "documents"),
        ("/api/v1/interventions", "interventions"),
        ("/api/v1/portal/interventions/new", "interventions"),
        ("/api/v1/intervention-types/1", "interventions"),
        ("/api/v1/portal/onboarding/signup/abc", "onboarding"),
        ("/api/v1/access-requests", "onboarding"),
        ("/api/v1/emails/9/resend", "mailer"),
        ("/portal", "web"),
        ("/portal/", "web"),
        ("/portal/accept-invitation", "web"),
        ("/portal/matters/7", "web"),
        ("/portal/static/portal.css", "web"),
    ],
)
def test_each_path_goes_to_the_service_that_owns_it(path, service):
    assert TABLE.match(path) == service


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/v1",
        "/api/v1/portal",
        "/api/v1/matters-archive",
        "/api/v2/matters",
        "/.well-known",
        "/api/v1/me/../companies",
        "/api/v1/./me",
        "/admin/outbox",
        "/portals",
        "/portal/../api/v1/me",
    ],
)
def test_paths_outside_the_table_match_nothing(path):
    assert TABLE.match(path) is None


def test_the_most_literal_entry_wins_whatever_the_table_order():
    reversed_table = RouteTable(tuple(reversed(ROUTES)))
    assert reversed_table.match("/api/v1/matters/7/documents") == "documents"
    assert reversed_table.match("/api/v1/matters/7") == "sharing"


def test_a_wildcard_stands_for_exactly_one_non_empty_segment():
    table = RouteTable((("/a", "identity"), ("/a/*/b", "sharing")))
    assert table.match("/api/v1/a/1/b") == "sharing"
    assert table.match("/api/v1/a/1/2/b") == "identity"
    assert table.match("/api/v1/a//b") == "identity"


def test_one_path_cannot_belong_to_two_services():
    with pytest.raises(ValueError, match="claimed by"):
        RouteTable((("/x", "identity"), ("/x", "sharing")))


def test_every_service_of_the_suite_is_routed():
    assert SERVICES == (
        "identity",
        "sharing",
        "documents",
        "interventions",
        "onboarding",
        "mailer",
        "web",
    )
