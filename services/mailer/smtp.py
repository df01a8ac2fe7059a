"""Sending over SMTP: one session kept across messages, and which failures are final."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import smtplib
import ssl
import threading
import time
from collections.abc import Mapping
from email.utils import parseaddr
from typing import TYPE_CHECKING

from services.common.consumer import DependencyUnavailable
from services.common.observability import SMTP_ERRORS

if TYPE_CHECKING:
    from .mime import Message


class RejectedError(Exception):
    """The server refused this message for good (5xx) or the address is unusable: a retry
    cannot help, so the e-mail is logged as failed at once."""


def message_id(event_id: str, recipient: str, sender: str) -> str:
    """Deterministic per (event, recipient): a re-send of the same e-mail carries the same id."""
    digest = hashlib.sha256(f"{event_id}\n{recipient}".encode()).hexdigest()[:40]
    return f"<{digest}@{_domain(sender)}>"


@functools.cache
def _domain(sender: str) -> str:
    """The domain of the configured `Name <address>` (parsing it cost more than the hash)."""
    return parseaddr(sender)[1].rpartition("@")[2] or "portal.local"


class _Kept(threading.local):
    """This thread's open SMTP session, kept across messages (one per e-mail cost a TCP and
    EHLO round trip each) and re-opened when it broke."""

    client: smtplib.SMTP | None = None
    key: tuple = ()
    used = 0.0


_kept = _Kept()
# A session idle longer than this is checked with NOOP before use: servers drop idle clients,
# and finding out in the middle of a message would leave it unclear whether it went.
IDLE_CHECK_SECONDS = 5.0


def _session(config: Mapping) -> smtplib.SMTP:
    key = (config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_USERNAME"])
    client = _kept.client
    if client is not None and (
        _kept.key != key
        or (time.monotonic() - _kept.used > IDLE_CHECK_SECONDS and not _alive(client))
    ):
        close_session()
        client = None
    if client is None:
        client = smtplib.SMTP(
            config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]
        )
        if config["SMTP_USERNAME"]:
            if config["SMTP_STARTTLS"]:
                client.starttls(context=ssl.create_default_context())
            client.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        _kept.client, _kept.key = client, key
    return client


def _alive(client: smtplib.SMTP) -> bool:
    try:
        return client.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def close_session() -> None:
    """Close this thread's kept session (after a failure, or when the worker stops)."""
    client, _kept.client = _kept.client, None
    if client is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()
        client.close()


def send(config: Mapping, message: Message) -> None:
    """Hand `message` to the relay over this thread's kept session. Raises RejectedError when
    final; DependencyUnavailable when the server cannot be reached or answers 4xx for the whole
    session (the consumer waits that out, spending no attempt); anything else (a recipient
    refused for now) when a later attempt may succeed."""
    try:
        options = ("SMTPUTF8",) if message.international else ()
        _session(config).sendmail(message.sender, [message.recipient], message.data, options)
        _kept.used = time.monotonic()
    except smtplib.SMTPRecipientsRefused as exc:
        _kept.used = time.monotonic()  # the session itself is fine
        replies = list(exc.recipients.values())
        if all(code >= 500 for code, _ in replies):
            SMTP_ERRORS.labels("rejected").inc()
            raise RejectedError(_reply(*replies[0])) from exc
        SMTP_ERRORS.labels("recipient_temporary").inc()
        raise
    except smtplib.SMTPResponseException as exc:
        close_session()
        if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500:
            SMTP_ERRORS.labels("rejected").inc()
            raise RejectedError(_reply(exc.smtp_code, exc.smtp_error)) from exc
        if exc.smtp_code < 500:  # 421 and friends, or no greeting at all (-1)
            SMTP_ERRORS.labels("temporary").inc()
            raise DependencyUnavailable("smtp", _reply(exc.smtp_code, exc.smtp_error)) from exc
        SMTP_ERRORS.labels("other").inc()
        raise
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        close_session()
        SMTP_ERRORS.labels("unreachable").inc()
        raise DependencyUnavailable("smtp", f"{type(exc).__name__}: {exc}") from exc


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode(errors="replace") if isinstance(text, bytes) else text
    return (
        f"{'rejected by' if code >= 500 else 'refused for now by'} the mail server: {code} {text}"
    )
