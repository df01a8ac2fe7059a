"""What no event an integrator can read may carry: a password, a live token (an invitation,
reset or secure link, an access token) or a document's content."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

# Field names that say what they hold.
SENSITIVE_NAME = re.compile(
    r"password|passwd|secret|token|^content$|^body$|^bytes$|base64", re.IGNORECASE
)
# A link whose query or fragment carries a credential, and a JWT.
LINK_WITH_TOKEN = re.compile(
    r"https?://\S*[?&#;](token|key|code|sig|signature|secret|auth)=", re.IGNORECASE
)
JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


def leaks(envelope: dict, live_tokens: Iterable[str] = ()) -> list[str]:
    """Where an event (its CloudEvents envelope) carries something it must not."""
    found = []
    tokens = [t for t in live_tokens if len(t) >= 8]
    for path, value in _walk(envelope, "event"):
        key = path.rsplit(".", 1)[-1]
        if SENSITIVE_NAME.search(key) and not isinstance(value, dict | list):
            found.append(f"{path}: a field named {key!r}")
        if isinstance(value, str):
            if LINK_WITH_TOKEN.search(value):
                found.append(f"{path}: a link carrying a token")
            if JWT.search(value):
                found.append(f"{path}: a JSON Web Token")
            found.extend(f"{path}: a live token e-mailed to someone" for t in tokens if t in value)
    return found


def schema_leaks(name: str, schema: dict) -> list[str]:
    """Properties of a data JSON Schema whose name says they hold a secret or content."""
    found = []
    for path, node in _walk(schema, name):
        if isinstance(node, dict) and isinstance(node.get("properties"), dict):
            found.extend(
                f"{path}.{field}" for field in node["properties"] if SENSITIVE_NAME.search(field)
            )
    return found
