"""How marshmallow fields read in the OpenAPI documents: the constraints the server enforces,
written for any client's regular-expression engine (JSON Schema patterns are ECMA-262)."""

from __future__ import annotations

from typing import Any

# What a person can type: no control characters but tab and line breaks (identity refuses them).
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*$"


def ecma_pattern(self: Any, field: Any, ret: dict | None = None, **_: Any) -> dict:
    """marshmallow's Regexp matches from the start and patterns here end with Python's `\\Z`;
    a JSON Schema pattern is searched anywhere and knows `$`, not `\\Z`."""
    pattern = (ret or {}).get("pattern")
    if not isinstance(pattern, str):
        return {}
    if not pattern.startswith("^"):
        pattern = "^" + pattern.removeprefix("\\A")
    if pattern.endswith("\\Z"):
        pattern = pattern.removesuffix("\\Z") + "$"
    return {"pattern": pattern}
