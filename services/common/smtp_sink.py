"""A local SMTP sink: keeps every message it receives, as .eml files and/or in memory.

`python -m services.common.smtp_sink --dir var/mail` is the development mail server; tests use
`MailSink` in-process as their real SMTP server (stop and start it again to simulate "SMTP down").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.common.config import VAR_DIR, env_int, env_str


class MailSink:
    """An aiosmtpd handler plus its controller; messages survive a stop/start cycle."""

    def __init__(self, directory: str | Path | None = None, keep_in_memory: bool | None = None):
        self.directory = Path(directory) if directory is not None else None
        # A long-running sink that writes files should not also grow a list forever.
        self.keep_in_memory = self.directory is None if keep_in_memory is None else keep_in_memory
        self._messages: list[EmailMessage] = []
        self._changed = threading.Condition()
        self._controller: Controller | None = None
        self.host = "127.0.0.1"
        self.port = 0
        # Fault tests hold messages at DATA to kill a client mid-message; a client that goes
        # away while held never gets its "250", and the message is not kept (as on a real MTA).
        self._held = threading.Event()
        self.in_flight = 0
        # Address -> the reply its RCPT gets instead of 250 ("450 ..." to refuse it for now).
        self.refused: dict[str, str] = {}

    # -- server lifecycle ------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 8025) -> MailSink:
        """Listen on host:port; raises OSError when the port is taken."""
        if self._controller is not None:
            raise RuntimeError("the SMTP sink is already running")
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
        _check_free(host, port)
        controller = Controller(self, hostname=host, port=port, ready_timeout=10)
        try:
            controller.start()
        except BaseException:
            controller.stop(no_assert=True)
            if not controller.loop.is_closed():
                controller.loop.close()
            raise
        self._controller, self.host, self.port = controller, host, port
        return self

    def stop(self) -> None:
        """Close the listener and drop open sessions: clients then get "connection refused"."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> MailSink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what tests read ---------------------------------------------------------------------------
    @property
    def messages(self) -> list[EmailMessage]:
        """A snapshot of the messages received so far, oldest first."""
        with self._changed:
            return list(self._messages)

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()

    def wait_for(
        self, predicate: Callable[[EmailMessage], bool] = lambda _m: True, timeout: float = 10.0
    ) -> EmailMessage:
        """Return the first message matching `predicate`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self._messages:
                    if predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(m["To"], m["Subject"]) for m in self._messages]
                    raise TimeoutError(f"no matching e-mail within {timeout}s; received: {seen}")
                self._changed.wait(min(remaining, 0.2))

    def hold(self) -> None:
        """Stop answering DATA until `release()`: senders wait mid-message."""
        self._held.set()

    def release(self) -> None:
        self._held.clear()

    # -- aiosmtpd handler hooks ------------------------------------------------------------------
    async def handle_RCPT(  # noqa: N802 - aiosmtpd's name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        refusal = self.refused.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.in_flight += 1
        try:
            while self._held.is_set():
                await asyncio.sleep(0.02)  # cancelled by aiosmtpd if the client disconnects
        finally:
            self.in_flight -= 1
        received = datetime.now(UTC)  # the file's name says when the message arrived
        # Like aiosmtpd's Message handler: the envelope goes into headers so Bcc stays visible.
        raw = (
            f"X-MailFrom: {envelope.mail_from}\r\n"
            f"X-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n".encode()
            + (envelope.original_content or envelope.content)
        )
        path = self._save(raw, received) if self.directory is not None else None
        if self.keep_in_memory:
            message = BytesParser(policy=policy.default).parsebytes(raw)
            subject = message["Subject"]
            with self._changed:
                self._messages.append(message)
                self._changed.notify_all()
        else:
            # Only the subject, decoded by the legacy parser: the default policy's header
            # objects cost three times the CPU, which a benchmark's sink takes from the services
            # it measures.
            headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
            subject = str(make_header(decode_header(headers["Subject"] or "")))
        line = {"event": "mail.received", "to": envelope.rcpt_tos, "subject": subject}
        if path is not None:
            line["file"] = str(path)
        print(json.dumps(line, ensure_ascii=False), flush=True)
        return "250 Message accepted for delivery"

    def _save(self, raw: bytes, received: datetime) -> Path:
        stamp = received.strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        # Written under a dot-name then renamed, so a reader never sees half a message.
        tmp = path.with_name("." + path.name)
        tmp.write_bytes(raw)
        os.replace(tmp, path)
        return path


def _check_free(host: str, port: int) -> None:
    """Fail at once on a taken port (aiosmtpd would only notice at the end of its ready_timeout)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server does
        probe.bind((host, port))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=env_str("SMTP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=env_int("SMTP_PORT", 8025))
    parser.add_argument("--dir", default=str(VAR_DIR / "mail"), help="where .eml files go")
    args = parser.parse_args(argv)

    sink = MailSink(args.dir)
    try:
        sink.start(args.host, args.port)
    except OSError as error:
        print(f"SMTP sink cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    started = {"event": "sink.started", "smtp": f"{args.host}:{args.port}", "dir": args.dir}
    print(json.dumps(started), flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    while not stopping.wait(1.0):
        pass
    sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
