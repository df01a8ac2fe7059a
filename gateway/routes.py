"""The route table: which service owns each public path, matched segment by segment."""

from __future__ import annotations

API = "/api/v1"

# (path, service). `*` matches exactly one segment; an entry also covers every path below it;
# the entry with the most literal segments wins. Paths relative to API unless absolute.
ROUTES: tuple[tuple[str, str], ...] = (
    ("/auth", "identity"),
    ("/me", "identity"),
    ("/companies", "identity"),
    ("/users", "identity"),
    ("/secure-links", "identity"),
    ("/portal/companies", "identity"),
    ("//.well-known/jwks.json", "identity"),
    ("/matters", "sharing"),
    ("/portal/matters", "sharing"),
    ("/matters/*/documents", "documents"),
    ("/matters/*/document-shares", "documents"),
    # A matter's attachments and their folders belong to documents, the rest of it to sharing.
    ("/matters/*/folders", "documents"),
    ("/documents", "documents"),
    ("/portal/matters/*/documents", "documents"),
    ("/portal/documents", "documents"),
    ("/sites", "interventions"),
    ("/equipment", "interventions"),
    ("/intervention-types", "interventions"),
    ("/interventions", "interventions"),
    # The customer page pre-fills from interventions' replica of the company (and its options).
    ("/portal/customer", "interventions"),
    ("/portal/sites", "interventions"),
    ("/portal/equipment", "interventions"),
    ("/portal/interventions", "interventions"),
    # Attachments and photos of interventions and customers belong to documents.
    ("/interventions/*/attachments", "documents"),
    ("/companies/*/attachments", "documents"),
    ("/portal/interventions/*/attachments", "documents"),
    ("/portal/interventions/*/gallery", "documents"),
    ("/portal/companies/*/attachments", "documents"),
    ("/portal/companies/*/gallery", "documents"),
    ("/portal/attachments", "documents"),
    ("/customer-groups", "onboarding"),
    ("/access-requests", "onboarding"),
    ("/portal/onboarding", "onboarding"),
    ("/emails", "mailer"),
    # The portal's pages (web/), linked from every e-mail; they have no OpenAPI document.
    ("//portal", "web"),
)

# Every routed service once, in table order: the order /readyz and /openapi.json report in.
SERVICES: tuple[str, ...] = tuple(dict.fromkeys(service for _, service in ROUTES))
# Services that serve pages, not an API: the merged OpenAPI document does not ask them.
PAGE_SERVICES = frozenset(("web",))


def public_path(path: str) -> str:
    """The full public path of a table entry: a leading `//` marks an absolute path."""
    return path[1:] if path.startswith("//") else API + path


class _Node:
    __slots__ = ("children", "service")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.service: str | None = None


class RouteTable:
    """A trie of path segments; matching costs a few dict lookups per segment."""

    def __init__(self, routes: tuple[tuple[str, str], ...] = ROUTES) -> None:
        self._root = _Node()
        for path, service in routes:
            node = self._root
            for segment in public_path(path).strip("/").split("/"):
                node = node.children.setdefault(segment, _Node())
            if node.service not in (None, service):
                raise ValueError(f"route {path} claimed by {node.service} and {service}")
            node.service = service

    def match(self, path: str) -> str | None:
        """The service owning `path`, or None when no entry covers it."""
        segments = path.split("/")[1:]
        # Dot segments would let the gateway and the service disagree on the target.
        if "." in segments or ".." in segments:
            return None
        return self._walk(self._root, segments, 0, 0, (-1, -1, None))[2]

    def _walk(
        self,
        node: _Node,
        segments: list[str],
        depth: int,
        literals: int,
        best: tuple[int, int, str | None],
    ) -> tuple[int, int, str | None]:
        # Most literal segments first, then the longest entry, so `/a/*/c` beats `/a`.
        if node.service is not None and (literals, depth) > best[:2]:
            best = (literals, depth, node.service)
        if depth == len(segments):
            return best
        segment = segments[depth]
        child = node.children.get(segment)
        if child is not None and segment != "*":
            best = self._walk(child, segments, depth + 1, literals + 1, best)
        wildcard = node.children.get("*")
        if wildcard is not None and segment:
            best = self._walk(wildcard, segments, depth + 1, literals, best)
        return best
