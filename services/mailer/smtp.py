"""Sending over SMTP: the message as the recipient gets it, and which failures are final."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Mapping
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from services.common.models import utcnow

from .rendering import Rendered


class RejectedError(Exception):
    """The server refused this message for good (5xx) or the address is unusable: a retry
    cannot help, so the e-mail is logged as failed at once."""


def message_id(event_id: str, recipient: str, sender: str) -> str:
    """Deterministic per (event, recipient): a re-send of the same e-mail carries the same id."""
    digest = hashlib.sha256(f"{event_id}\n{recipient}".encode()).hexdigest()[:40]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "portal.local"
    return f"<{digest}@{domain}>"


class _EncodedSubject(str):
    """A non-ASCII subject folded by `email.header.Header`, which breaks lines only between
    encoded words. The default policy's folder (CPython 3.11) can end a line with the space
    before an encoded word, and the reader then sees two spaces there.

    Having a `name`, the value is stored and folded as a header object (see `EmailPolicy`)."""

    name = "Subject"

    def fold(self, *, policy) -> str:
        encoded = Header(str(self), "utf-8", header_name=self.name).encode(
            linesep=policy.linesep, maxlinelen=policy.max_line_length or 78
        )
        return f"{self.name}: {encoded}{policy.linesep}"


def build_message(
    sender: str, to_email: str, to_name: str, rendered: Rendered, locale: str, msg_id: str
) -> EmailMessage:
    try:
        to = Address(display_name=" ".join(to_name.split()), addr_spec=to_email)
    except (ValueError, IndexError) as exc:
        raise RejectedError(f"{to_email!r} is not a usable e-mail address") from exc
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    subject = rendered.subject
    message["Subject"] = subject if subject.isascii() else _EncodedSubject(subject)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = msg_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    # After the parts: making the message multipart moves Content-* headers into the first part.
    message["Content-Language"] = locale
    return message


def send(config: Mapping, message: EmailMessage) -> None:
    """Hand `message` to the relay. Raises RejectedError when final, anything else (refused
    connection, timeout, 4xx) when a later attempt may succeed."""
    try:
        with smtplib.SMTP(
            config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]
        ) as client:
            if config["SMTP_USERNAME"]:
                if config["SMTP_STARTTLS"]:
                    client.starttls(context=ssl.create_default_context())
                client.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        replies = list(exc.recipients.values())
        if all(code >= 500 for code, _ in replies):
            raise RejectedError(_reply(*replies[0])) from exc
        raise
    except smtplib.SMTPDataError as exc:
        if exc.smtp_code >= 500:
            raise RejectedError(_reply(exc.smtp_code, exc.smtp_error)) from exc
        raise


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode(errors="replace") if isinstance(text, bytes) else text
    return f"rejected by the mail server: {code} {text}"
