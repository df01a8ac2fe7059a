"""Merging the services' OpenAPI documents: no HTTP, just the documents."""

from gateway.openapi_merge import merge, unrouted
from gateway.routes import RouteTable

ROUTES = RouteTable()


def _doc(paths, schemas, **extra):
    return {"openapi": "3.0.3", "paths": paths, "components": {"schemas": schemas}, **extra}


def test_identical_components_are_kept_once_and_different_ones_renamed_with_their_refs():
    page = {"type": "object", "properties": {"error": {"$ref": "#/components/schemas/Error"}}}
    identity = _doc({"/api/v1/me": {"get": {}}}, {"Error": {"type": "object"}, "Page": page})
    sharing = _doc(
        {"/api/v1/matters": {"get": {"$ref": "#/components/schemas/Page"}}},
        {"Error": {"type": "string"}, "Page": page},
    )

    merged = merge({"identity": identity, "sharing": sharing}, ROUTES)

    schemas = merged["components"]["schemas"]
    assert schemas["Error"] == {"type": "object"}
    assert schemas["sharing_Error"] == {"type": "string"}
    # Same text, but it points at a different Error: it is renamed too.
    assert schemas["sharing_Page"]["properties"]["error"]["$ref"] == (
        "#/components/schemas/sharing_Error"
    )
    assert merged["paths"]["/api/v1/matters"]["get"]["$ref"] == "#/components/schemas/sharing_Page"
    assert identity["components"]["schemas"]["Page"] is page, "inputs are left alone"


def test_only_paths_routed_to_the_service_are_published_and_the_others_reported():
    doc = _doc({"/api/v1/me": {}, "/healthz": {}, "/api/v1/matters": {}}, {})
    assert list(merge({"identity": doc}, ROUTES)["paths"]) == ["/api/v1/me"]
    assert unrouted({"identity": doc, "mailer": None}, ROUTES) == {
        "identity": ["/healthz", "/api/v1/matters"]
    }


def test_unreachable_services_are_listed_and_root_security_moves_to_operations():
    identity = _doc(
        {"/api/v1/me": {"get": {}, "post": {"security": []}}},
        {},
        security=[{"bearer": []}],
    )

    merged = merge({"identity": identity, "mailer": None}, ROUTES)

    assert merged["x-unavailable-services"] == ["mailer"]
    assert merged["paths"]["/api/v1/me"]["get"]["security"] == [{"bearer": []}]
    assert merged["paths"]["/api/v1/me"]["post"]["security"] == []
