"""/openapi.json: the services' documents fetched in parallel, merged, cached for a while."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Response

from gateway.config import Settings
from gateway.openapi_merge import merge, unrouted
from gateway.routes import PAGE_SERVICES, RouteTable
from services.common.upstream import UpstreamError, get_json

log = logging.getLogger(__name__)
# A document missing a service is retried sooner, so a service that just started shows up.
_PARTIAL_TTL = 5.0


class MergedOpenAPI:
    """The merged document of one process, rebuilt when older than the settings' TTL."""

    def __init__(self, settings: Settings, routes: RouteTable) -> None:
        self.settings = settings
        self.routes = routes
        self._lock = threading.Lock()
        self._body = b""
        self._expires = 0.0

    def response(self) -> Response:
        """The cached merged document, refreshed first when stale."""
        if time.monotonic() >= self._expires:
            # One thread refreshes; the others wait for it rather than fetch the same documents.
            with self._lock:
                if time.monotonic() >= self._expires:
                    self._refresh()
        return Response(self._body, mimetype="application/json")

    def _refresh(self) -> None:
        names = [name for name in self.settings.upstreams if name not in PAGE_SERVICES]
        with ThreadPoolExecutor(max_workers=len(names)) as executor:
            docs = dict(zip(names, executor.map(self._fetch, names), strict=True))
        merged = merge(docs, self.routes)
        for service, paths in unrouted(docs, self.routes).items():
            # A service endpoint no client can reach: the route table or the service is wrong.
            log.warning("%s documents paths the gateway does not route to it: %s", service, paths)
        self._body = json.dumps(merged).encode()
        ttl = _PARTIAL_TTL if merged["x-unavailable-services"] else self.settings.openapi_ttl
        self._expires = time.monotonic() + min(ttl, self.settings.openapi_ttl)

    def _fetch(self, name: str) -> dict | None:
        try:
            status, doc = get_json(
                self.settings.upstreams[name],
                "/openapi.json",
                self.settings,
                self.settings.openapi_timeout,
            )
        except UpstreamError:
            return None
        return doc if status == 200 and isinstance(doc, dict) else None
