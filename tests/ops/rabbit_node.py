"""A RabbitMQ node of the test's own (its name, ports, data and logs in a temporary folder, no
plugins), to stop, kill and start again without touching the machine's shared broker."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pika

from services.common.testing import RUN_ID, free_port, wait_until

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"  # the script itself, not Debian's su wrapper


class RabbitNode:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"
        (base / "rabbitmq.conf").write_text("log.console = false\n")
        (base / "rabbitmq-env.conf").write_text("")  # not /etc/rabbitmq's (the shared node's)
        (base / "enabled_plugins").write_text("[].\n")
        self.env = {
            **os.environ,
            "HOME": str(base),  # its own Erlang cookie
            "RABBITMQ_NODENAME": f"portal-ledger-{RUN_ID}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"),
            "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(base / "rabbitmq.pid"),
        }
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            log = (self.base / "node.log").read_text()[-3000:]
            raise RuntimeError(f"the RabbitMQ node exited with {self.process.returncode}:\n{log}")
        try:
            pika.BlockingConnection(pika.URLParameters(self.url + "?connection_attempts=1")).close()
            return True
        except pika.exceptions.AMQPError:
            return False

    def start(self) -> None:
        with open(self.base / "node.log", "ab") as log:
            self.process = subprocess.Popen(
                [SERVER], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(self._answers, timeout=90, interval=0.2, message="the RabbitMQ node to answer")
        self.started_at = time.monotonic()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: a clean shutdown; SIGKILL: the node dies at once (the whole Erlang VM)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
