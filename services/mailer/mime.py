"""The e-mail as the recipient gets it, written straight to the bytes SMTP carries.

Every e-mail has one shape: a few headers and a text body with its HTML alternative. Building
it as an `EmailMessage` with the default policy, then flattening it, cost ~2 ms of CPU per
e-mail (headers parsed, then folded again) — the mailer's largest cost after its queries.
Here non-ASCII header text becomes RFC 2047 encoded words (written here: `email.header`
weighs Q against B encoding on ever longer prefixes, ~0.5 ms for a subject), ASCII header text
is folded by `email.header`, bodies are quoted-printable (`binascii`, in C) so that any relay takes
them, and lines end in CRLF.
"""

from __future__ import annotations

import binascii
import uuid
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache

from services.common.models import utcnow

from .rendering import Rendered
from .smtp import RejectedError

CRLF = "\r\n"
MAX_LINE = 78  # RFC 5322's recommended limit; headers are folded to it


@dataclass(frozen=True)
class Message:
    """What goes to the relay: the envelope's sender and recipient, and the message itself."""

    sender: str
    recipient: str
    data: bytes

    @property
    def international(self) -> bool:
        """An address outside ASCII: the relay must speak SMTPUTF8 (RFC 6531)."""
        return not (self.sender.isascii() and self.recipient.isascii())


# RFC 2047's Q encoding of each byte, as allowed anywhere in a header (a phrase included):
# ASCII letters and digits as they are, the space as "_", any other byte as =XX.
_Q = [
    chr(b) if b < 128 and chr(b).isalnum() else "_" if b == 32 else f"={b:02X}" for b in range(256)
]
_WORD = "=?utf-8?q?{}?="
_WORD_MAX = 75  # RFC 2047's limit on an encoded word


def _encoded_words(name: str, text: str) -> str:
    """`text` as UTF-8 encoded words, one per line, every line within MAX_LINE; a character is
    never split between two words (RFC 2047 wants each word decodable on its own)."""
    overhead = len(_WORD.format(""))
    room = min(_WORD_MAX, MAX_LINE - len(name) - 2) - overhead  # after "Name: "
    words, word = [], ""
    for char in text:
        encoded = "".join([_Q[b] for b in char.encode()])
        if len(word) + len(encoded) > room:
            words.append(_WORD.format(word))
            word, room = "", min(_WORD_MAX, MAX_LINE - 1) - overhead  # after the fold's space
        word += encoded
    words.append(_WORD.format(word))
    return f"{CRLF} ".join(words)


def _folded(name: str, value: str) -> str:
    if not value.isascii():
        return f"{name}: {_encoded_words(name, value)}{CRLF}"
    encoded = Header(value, "us-ascii", header_name=name).encode(linesep=CRLF, maxlinelen=MAX_LINE)
    return f"{name}: {encoded}{CRLF}"


def _address(name: str, display_name: str, addr_spec: str) -> str:
    display_name = " ".join(display_name.split())
    if not display_name:
        return f"{name}: {addr_spec}{CRLF}"
    if display_name.isascii():
        return f"{name}: {formataddr((display_name, addr_spec))}{CRLF}"
    return f"{name}: {_encoded_words(name, display_name)} <{addr_spec}>{CRLF}"


@cache
def _sender(sender: str) -> tuple[str, str]:
    """(the From header, the envelope's address) of the configured `Name <address>`."""
    display_name, addr_spec = parseaddr(sender)
    return _address("From", display_name, addr_spec), addr_spec


def _quoted_printable(text: str) -> bytes:
    encoded = binascii.b2a_qp(text.replace(CRLF, "\n").encode(), istext=True)
    return encoded.replace(b"\n", CRLF.encode())


def _part(boundary: str, subtype: str, text: str) -> bytes:
    head = (
        f"--{boundary}{CRLF}Content-Type: text/{subtype}; charset=utf-8{CRLF}"
        f"Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}"
    )
    return head.encode() + _quoted_printable(text) + CRLF.encode()


def build_message(
    sender: str, to_email: str, to_name: str, rendered: Rendered, locale: str, msg_id: str
) -> Message:
    """The message of `rendered` from `sender` (`Name <address>`) to `to_name <to_email>`.
    Raises RejectedError when `to_email` is no address (a retry cannot help)."""
    try:
        Address(addr_spec=to_email)
    except (ValueError, IndexError) as exc:
        raise RejectedError(f"{to_email!r} is not a usable e-mail address") from exc
    from_header, envelope_sender = _sender(sender)
    # "=_" never occurs in quoted-printable text, so the boundary cannot occur in a body.
    boundary = f"=_{uuid.uuid4().hex}"
    head = (
        from_header
        + _address("To", to_name, to_email)
        + _folded("Subject", rendered.subject)
        + f"Date: {format_datetime(utcnow())}{CRLF}"
        + f"Message-ID: {msg_id}{CRLF}"
        + f"Auto-Submitted: auto-generated{CRLF}"  # RFC 3834: no vacation auto-replies
        + f"Content-Language: {locale}{CRLF}"
        + f"MIME-Version: 1.0{CRLF}"
        + f'Content-Type: multipart/alternative;{CRLF} boundary="{boundary}"{CRLF}{CRLF}'
    )
    data = (
        head.encode()
        + _part(boundary, "plain", rendered.text)
        + _part(boundary, "html", rendered.html)
        + f"--{boundary}--{CRLF}".encode()
    )
    return Message(envelope_sender, to_email, data)
