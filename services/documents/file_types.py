"""Which kinds of file may be uploaded: families of types, recognised from the bytes only.

DOCUMENTS_ALLOWED_TYPES names the families (comma-separated); the type is what
`storage.sniff` found in the first bytes, never the client's name or header, so an ELF program
renamed `invoice.pdf` is an executable and is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from services.common.problems import ProblemError, field_error

TEXT = "text/plain; charset=utf-8"
# family -> (what people call it, the sniffed types it covers)
FAMILIES: dict[str, tuple[str, frozenset[str]]] = {
    "pdf": ("PDF", frozenset({"application/pdf"})),
    "image": (
        "images (PNG, JPEG, GIF, WebP, TIFF, BMP, HEIC)",
        frozenset(
            {
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/webp",
                "image/tiff",
                "image/bmp",
                "image/heic",
            }
        ),
    ),
    "office": (
        "Office documents (Word, Excel, PowerPoint, OpenDocument)",
        frozenset(
            {
                "application/msword",
                "application/vnd.ms-excel",
                "application/vnd.ms-powerpoint",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "application/vnd.oasis.opendocument.text",
                "application/vnd.oasis.opendocument.spreadsheet",
                "application/vnd.oasis.opendocument.presentation",
            }
        ),
    ),
    # CSV has no signature: it is text (UTF-8, no NUL byte) like any other.
    "text": ("plain text", frozenset({TEXT})),
    "csv": ("CSV", frozenset({TEXT})),
    "zip": ("ZIP archives", frozenset({"application/zip"})),
}
DEFAULT_FAMILIES = "pdf,image,office,text,csv,zip"


def parse_families(value: str) -> tuple[str, ...]:
    """The configured families, checked at startup: an unknown name is a configuration error."""
    names = tuple(n.strip().lower() for n in value.split(",") if n.strip())
    unknown = sorted(set(names) - set(FAMILIES))
    if unknown:
        raise ValueError(
            f"DOCUMENTS_ALLOWED_TYPES: unknown type families {unknown}; known: {sorted(FAMILIES)}"
        )
    return names


def type_check(families: tuple[str, ...]) -> Callable[[str, bytes], None]:
    """The check `storage.put_stream` runs on the sniffed type before anything is stored."""
    allowed = frozenset().union(*(FAMILIES[f][1] for f in families))
    described = ", ".join(FAMILIES[f][0] for f in families)

    def check(content_type: str, head: bytes) -> None:
        if not head:
            raise field_error("file", "The file is empty; choose a file that has content.")
        if content_type not in allowed:
            raise ProblemError(
                415,
                f"This kind of file ({content_type}) cannot be uploaded here. Allowed: "
                f"{described}. The type is read from the file's content, not its name.",
                code="FILE_TYPE_NOT_ALLOWED",
                headers={"Connection": "close"},  # the rest of the body is not read
            )

    return check
