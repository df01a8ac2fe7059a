"""Merges the services' OpenAPI documents into the one public document of the suite."""

from __future__ import annotations

from typing import Any

from gateway.routes import RouteTable

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_REF = "#/components/"
DESCRIPTION = (
    "The suite's public API. Errors are RFC 9457 problem+json documents with a stable `code`. No "
    "text, in a JSON body or a query parameter, may contain the NUL character or an unpaired "
    "surrogate (422). Operations with `security` need `Authorization: Bearer <access token>`."
)


def merge(docs: dict[str, dict | None], routes: RouteTable) -> dict:
    """One OpenAPI 3 document from each service's (None: the service could not be reached).

    Only paths the gateway routes to the document's service are kept. A component name taken by
    an earlier service with different content is renamed `<service>_<name>` (references too).
    """
    merged: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Client portal suite API", "version": "1", "description": DESCRIPTION},
        "paths": {},
        "components": {},
        "tags": [],
        "x-unavailable-services": [name for name, doc in docs.items() if doc is None],
    }
    versions = [doc.get("openapi", "") for doc in docs.values() if doc]
    merged["openapi"] = max(versions, default="3.0.3", key=_version_key)
    tag_names: set[str] = set()
    for service, original in docs.items():
        if original is None:
            continue
        renames = _claim_components(service, original.get("components") or {}, merged["components"])
        doc = _rewrite(original, renames)  # also a copy: the paths below are edited in place
        root_security = doc.get("security")
        for path, item in (doc.get("paths") or {}).items():
            if routes.match(path) != service:
                continue
            if root_security is not None:
                for method in _METHODS:
                    if method in item:
                        item[method].setdefault("security", root_security)
            merged["paths"][path] = item
        for tag in doc.get("tags") or []:
            if tag.get("name") not in tag_names:
                tag_names.add(tag.get("name"))
                merged["tags"].append(tag)
    return merged


def unrouted(docs: dict[str, dict | None], routes: RouteTable) -> dict[str, list[str]]:
    """Paths a service documents that the gateway does not route to it (left out by merge)."""
    found = {
        service: [path for path in doc.get("paths") or {} if routes.match(path) != service]
        for service, doc in docs.items()
        if doc
    }
    return {service: paths for service, paths in found.items() if paths}


def _claim_components(service: str, components: dict, merged: dict) -> dict[tuple[str, str], str]:
    """Add one service's components; return the (kind, name) -> new name renames it needed."""
    renames: dict[tuple[str, str], str] = {}
    while True:
        # Compared after rewriting: a component referring to a renamed one differs too.
        rewritten = _rewrite(components, renames)
        found = {
            (kind, name): f"{service}_{name}"
            for kind, entries in rewritten.items()
            for name, content in entries.items()
            if merged.get(kind, {}).get(name, content) != content
        }
        if found.keys() <= renames.keys():
            break
        renames |= found
    for kind, entries in rewritten.items():
        target = merged.setdefault(kind, {})
        for name, content in entries.items():
            target.setdefault(renames.get((kind, name), name), content)
    return renames


def _rewrite(node: Any, renames: dict[tuple[str, str], str]) -> Any:
    """`node` with $refs to renamed components, and security requirement names, updated."""
    if isinstance(node, list):
        return [_rewrite(item, renames) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value.startswith(_REF):
            kind, _, name = value[len(_REF) :].partition("/")
            value = f"{_REF}{kind}/{renames.get((kind, name), name)}"
        elif key == "security" and isinstance(value, list):
            value = [
                {renames.get(("securitySchemes", k), k): v for k, v in req.items()}
                for req in value
                if isinstance(req, dict)
            ]
        else:
            value = _rewrite(value, renames)
        out[key] = value
    return out


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())
