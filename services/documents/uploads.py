"""Streaming multipart/form-data: the fields before the file, then the file as `read(n)`.

Flask's `request.files` spools a file to memory or disk before the view runs; this reads the
request stream as it arrives so that the bytes go straight on to the object store.
"""

from __future__ import annotations

import unicodedata
from typing import IO

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.sansio.multipart import (
    Data,
    Epilogue,
    Field,
    File,
    MultipartDecoder,
    NeedData,
    Preamble,
)

from services.common.problems import ProblemError, field_error

# What is asked of the request stream at once. gunicorn reads a body of known length ahead
# (up to 1 MiB) and copies what it holds on every read: 64 KiB reads doubled the CPU of an
# upload with a Content-Length (bench/attachments.py); 256 KiB costs no more memory.
CHUNK = 256 * 1024
FIELD_MAX_BYTES = 4096  # the form's fields are short: ids and a name
# Headers of one part, a partial boundary and one chunk must fit; bounds the decoder's buffer.
DECODER_BUFFER = 1024 * 1024
MAX_PARTS = 16
# What a form adds around the file: the limit on Content-Length is the file's plus this.
FORM_OVERHEAD = 64 * 1024


def malformed(detail: str) -> ProblemError:
    return ProblemError(400, detail, code="MALFORMED_MULTIPART")


class UploadForm:
    """One multipart body read once, front to back: `fields()`, then `read()` until b"",
    then `finish()` to check that nothing follows the file."""

    def __init__(self, stream: IO[bytes], boundary: bytes, file_field: str = "file") -> None:
        self._stream = stream
        self._decoder = MultipartDecoder(boundary, DECODER_BUFFER, max_parts=MAX_PARTS)
        self._file_field = file_field
        self._pending = b""
        self._file_done = False
        self.filename = ""

    def _event(self):
        try:
            while True:
                event = self._decoder.next_event()
                if isinstance(event, (Field, File)) and event.name is None:
                    raise malformed(
                        "A part of the form has no name: give each part "
                        "'Content-Disposition: form-data; name=...' on one line, and send it again."
                    )
                if not isinstance(event, NeedData):
                    return event
                chunk = self._stream.read(CHUNK)
                self._decoder.receive_data(chunk or None)
        except ClientDisconnected as exc:
            raise ProblemError(
                400,
                "The upload stopped before its end; send the file again.",
                code="UPLOAD_INCOMPLETE",
            ) from exc
        except RequestEntityTooLarge as exc:
            raise ProblemError(
                413,
                f"The form is too large: send at most {MAX_PARTS} parts with short fields.",
                code="FORM_TOO_LARGE",
                headers={"Connection": "close"},
            ) from exc
        except ValueError as exc:  # the decoder's word for a malformed or truncated body
            raise malformed(f"The multipart body cannot be read ({exc}); send it again.") from exc

    def fields(self) -> dict[str, str]:
        """Read the fields that come before the file part; 422 if there is no file part."""
        values: dict[str, str] = {}
        while True:
            event = self._event()
            if isinstance(event, Preamble):
                continue
            if isinstance(event, Epilogue):
                raise field_error(
                    self._file_field, f"Attach the file as the '{self._file_field}' part."
                )
            if isinstance(event, File):
                if event.name != self._file_field:
                    raise field_error(
                        event.name, f"Send the file as the '{self._file_field}' part."
                    )
                self.filename = event.filename
                return values
            if isinstance(event, Field):
                if event.name in values:
                    raise field_error(event.name, "Send this field once.")
                values[event.name] = self._field_value(event.name)

    def _field_value(self, name: str) -> str:
        data = b""
        while True:
            event = self._event()
            data += event.data
            if len(data) > FIELD_MAX_BYTES:
                raise field_error(name, f"Keep this field under {FIELD_MAX_BYTES} bytes.")
            if not event.more_data:
                break
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise field_error(name, "Send this field as UTF-8 text.") from exc

    def read(self, n: int = -1) -> bytes:
        """The file's next bytes (at most n); b"" at the end of the file part."""
        while not self._pending and not self._file_done:
            event = self._event()
            if not isinstance(event, Data):
                raise malformed("The file part is not followed by its data.")
            self._pending = event.data
            self._file_done = not event.more_data
        cut = len(self._pending) if n < 0 else n
        data, self._pending = self._pending[:cut], self._pending[cut:]
        return data

    def finish(self) -> None:
        """Read to the end of the body; fields after the file, or a second file, are refused."""
        while self.read(CHUNK):
            pass
        while True:
            event = self._event()
            if isinstance(event, Epilogue):
                return
            if isinstance(event, (Field, File)):
                raise field_error(
                    event.name,
                    f"Send the fields before the file, and one '{self._file_field}' part only.",
                )


MAX_NAME = 255


def checked_name(value: str, field: str) -> str:
    """A file name as given, refused (422 on `field`) rather than silently changed when it
    holds a folder, a control or direction character, or is too long."""
    name = unicodedata.normalize("NFC", value).strip()
    if "/" in name or "\\" in name:
        raise field_error(field, "Give the file's name without any folder: no '/' or '\\'.")
    if any(unicodedata.category(c)[0] == "C" for c in name):
        raise field_error(
            field, "The name holds invisible control characters; type the name again."
        )
    if len(name) > MAX_NAME:
        raise field_error(field, f"Keep the name under {MAX_NAME + 1} characters.")
    if not name:
        raise field_error(field, "Give the file a name with at least one visible character.")
    return name


def clean_name(value: str) -> str:
    """A display folder name: no slashes, control characters or surrounding blanks."""
    value = unicodedata.normalize("NFC", value).replace("/", "_").replace("\\", "_")
    value = "".join(c for c in value if unicodedata.category(c)[0] != "C")
    value = " ".join(value.split())
    if len(value) > 255:  # keep the extension, which says what the file is to people
        stem, dot, ext = value.rpartition(".")
        value = stem[: 254 - len(ext)] + dot + ext if dot and len(ext) <= 16 else value[:255]
    return value
