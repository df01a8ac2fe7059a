"""/asyncapi.json: the AsyncAPI 3.0 document of the suite's events.

services/contract.py generates it from the schemas the services build their events with
(`python -m services.contract document` writes it here; tests/contract fails while it is stale).
The gateway serves the file rather than importing every service's models in its gevent workers,
which would stall them for seconds on the first request.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response

DOCUMENT = Path(__file__).with_name("asyncapi.json")
_body = DOCUMENT.read_bytes()


def response() -> Response:
    return Response(_body, mimetype="application/json")
