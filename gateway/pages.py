"""When the portal cannot answer (down, timed out), a browser gets a page, not problem+json."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from services.common.problems import PROBLEM_MIME

# The gateway cannot know the person's language: the three the portal speaks, no style, no script.
PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>The portal is busy</title></head>
<body><main>
<h1>The portal is busy</h1>
<p>We could not show this page just now. Please try again in a moment.</p>
<p lang="fr">Le portail est occupé. Nous n'avons pas pu afficher cette page ; réessayez dans un
instant.</p>
<p lang="es">El portal está ocupado. No hemos podido mostrar esta página; inténtelo de nuevo en
un momento.</p>
</main></body>
</html>
""".encode()


def forward_page(
    environ: dict, start_response: Callable, forward: Callable[[dict, Callable], Iterable[bytes]]
) -> Iterable[bytes]:
    """`forward(environ, start_response)`, its own 5xx problem+json answers turned into PAGE
    (the portal's own error pages are HTML and pass through untouched)."""
    replaced = False

    def start(status: str, headers: list, exc_info: object = None) -> Callable:
        nonlocal replaced
        kind = next((v for k, v in headers if k.lower() == "content-type"), "")
        if status.startswith("5") and kind.startswith(PROBLEM_MIME):
            replaced = True
            headers = [
                (k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")
            ]
            headers += [("Content-Type", "text/html; charset=utf-8"), ("Retry-After", "5")]
            headers.append(("Content-Length", str(len(PAGE))))
        return start_response(status, headers, exc_info)

    body = forward(environ, start)
    if not replaced:
        return body
    close = getattr(body, "close", None)
    if close is not None:
        close()
    return [PAGE]
