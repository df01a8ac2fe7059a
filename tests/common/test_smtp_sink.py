"""The SMTP sink takes real SMTP over sockets, keeps what it got, goes down and comes back."""

from __future__ import annotations

import json
import re
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest

from services.common.smtp_sink import MailSink

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def send(port: int, to: str, subject: str, body: str = "Hello", bcc: str | None = None) -> None:
    message = EmailMessage()
    message["From"] = "portal@example.com"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    recipients = [to] + ([bcc] if bcc else [])
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(message, to_addrs=recipients)


@pytest.fixture
def sink():
    with MailSink().start("127.0.0.1", free_port()) as running:
        yield running


def test_a_sent_message_can_be_awaited_and_read(sink):
    send(sink.port, "alice@example.com", "Your documents are ready", "Café ✓", bcc="audit@x.org")

    message = sink.wait_for(lambda m: m["Subject"] == "Your documents are ready", timeout=5)

    assert message["To"] == "alice@example.com"
    assert message["X-RcptTo"] == "alice@example.com, audit@x.org"
    assert message.get_content().strip() == "Café ✓"
    assert len(sink.messages) == 1


def test_wait_for_gives_up_at_the_deadline_and_says_what_arrived(sink):
    send(sink.port, "bob@example.com", "Something else")

    started = time.monotonic()
    with pytest.raises(TimeoutError, match="Something else"):
        sink.wait_for(lambda m: m["To"] == "nobody@example.com", timeout=0.5)
    assert time.monotonic() - started < 3


def test_smtp_down_then_back_on_the_same_port(sink):
    port = sink.port
    send(port, "carol@example.com", "Before the outage")
    sink.wait_for(timeout=5)

    sink.stop()
    with pytest.raises(OSError):
        send(port, "carol@example.com", "During the outage")

    sink.start("127.0.0.1", port)
    send(port, "carol@example.com", "After the outage")
    sink.wait_for(lambda m: m["Subject"] == "After the outage", timeout=5)
    assert [m["Subject"] for m in sink.messages] == ["Before the outage", "After the outage"]


def test_a_taken_port_is_an_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            MailSink().start("127.0.0.1", taken.getsockname()[1])


def test_messages_are_written_as_eml_files_and_logged(tmp_path, capsys):
    with MailSink(tmp_path / "mail", keep_in_memory=True).start("127.0.0.1", free_port()) as sink:
        send(sink.port, "dave@example.com", "Invitation")
        sink.wait_for(timeout=5)

    files = list((tmp_path / "mail").iterdir())
    assert len(files) == 1
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}\.eml", files[0].name)
    stored = BytesParser(policy=default).parsebytes(files[0].read_bytes())
    assert stored["Subject"] == "Invitation"
    logged = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert logged["to"] == ["dave@example.com"]
    assert logged["subject"] == "Invitation"


def test_command_line_sink_stores_mail_and_stops_on_sigterm(tmp_path):
    port = free_port()
    mail_dir = tmp_path / "mail"
    command = [sys.executable, "-m", "services.common.smtp_sink", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--dir", str(mail_dir)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert json.loads(process.stdout.readline())["event"] == "sink.started"
        # Long and not ASCII: it travels as folded encoded words, and is logged decoded.
        subject = "Votre lien d’inscription au portail de Dupont & Associés, valable 48 heures"
        send(port, "erin@example.com", subject)
        assert json.loads(process.stdout.readline())["subject"] == subject
        assert [p.suffix for p in mail_dir.iterdir()] == [".eml"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()
