"""`portal PART [COMMAND]`: run one part of the suite by name, the same way everywhere (the
container image's entry point, docker compose, Kubernetes and `make run`).

    portal identity                  the identity API under gunicorn (COMMAND defaults to web)
    portal identity worker           its event consumer and outbox relay
    portal identity migrate          apply its database migrations, then exit
    portal identity wait-migrated    wait until its database is at this code's head (init step)
    portal identity create-admin     the first staff admin, if missing (PORTAL_ADMIN_*)
    portal web                       the portal's pages;  portal gateway   the public entry point

Web processes bind --host (default 0.0.0.0) and --port (default PORT, else the part's usual port:
gateway 8080, identity 8081 ... web 8087); the gateway also binds GATEWAY_ADMIN_PORT (9080).
gunicorn settings: WEB_CONCURRENCY processes (2), WEB_THREADS threads each (4), GRACEFUL_TIMEOUT
seconds to drain on SIGTERM (20).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from services.common.config import SERVICE_PORTS, VAR_DIR
from services.topology import SERVICES

COMMANDS = ("web", "worker", "migrate", "wait-migrated", "create-admin")


def gunicorn_args(part: str, host: str, port: int) -> list[str]:
    """The gunicorn command line serving `part` (without the program itself)."""
    if part == "gateway":
        # Its gevent worker and limits (gateway/gunicorn_conf.py); /metrics and the readiness
        # detail only on the admin port, which no Service or ingress routes.
        admin = f"{host}:{os.environ.get('GATEWAY_ADMIN_PORT', '9080')}"
        conf = ["-c", "python:gateway.gunicorn_conf", "--bind", f"{host}:{port}", "--bind", admin]
        return [*conf, "gateway:create_app()"]
    app = "web:create_app()" if part == "web" else f"services.{part}:create_app()"
    env = os.environ.get
    # --no-control-socket: gunicorn 27 instances sharing a host would otherwise fight over one.
    # gthread: keep-alive with the gateway, and a long upload holds a thread, not a process.
    return [
        "--no-control-socket",
        f"--bind={host}:{port}",
        f"--workers={env('WEB_CONCURRENCY') or 2}",
        "--worker-class=gthread",
        f"--threads={env('WEB_THREADS') or 4}",
        f"--graceful-timeout={env('GRACEFUL_TIMEOUT') or 20}",
        app,
    ]


def fresh_metrics_dir(part: str) -> None:
    """gunicorn's workers share Prometheus metrics through files; a previous run's would be
    summed in, so the folder is emptied at each start."""
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or VAR_DIR / "prometheus" / part)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="portal",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("part", choices=list(SERVICE_PORTS))
    parser.add_argument("command", nargs="?", default="web", choices=COMMANDS)
    parser.add_argument("--host", default="0.0.0.0", help="address web processes bind")
    parser.add_argument("--port", type=int, help="port of a web process (default: PORT)")
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds wait-migrated waits (600)"
    )
    args = parser.parse_args(argv)
    part, command = args.part, args.command
    if part not in SERVICES and command != "web":
        parser.error(f"{part} has no database and no worker: run `portal {part}`")
    if command == "create-admin" and part != "identity":
        parser.error("create-admin belongs to identity: run `portal identity create-admin`")

    if command == "web":
        port = args.port or int(os.environ.get("PORT") or SERVICE_PORTS[part])
        fresh_metrics_dir(part)
        argv = [sys.executable, "-m", "gunicorn", *gunicorn_args(part, args.host, port)]
        os.execv(sys.executable, argv)  # noqa: S606 - the program and arguments are ours
    # One process: its metrics stay in prometheus_client's default registry, served by the
    # worker's admin server; the folder of gunicorn's processes is not for it.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if command == "worker":
        worker = [sys.executable, "-m", f"services.{part}.worker"]
        os.execv(sys.executable, worker)  # noqa: S606 - the program and arguments are ours

    from services.common import migrate

    if command == "migrate":
        migrate.upgrade(part)
        print(f"{part}: database at head", flush=True)
        return 0
    if command == "wait-migrated":
        if not migrate.wait_for_head(part, args.timeout):
            print(f"{part}: database not at head after {args.timeout:.0f}s", file=sys.stderr)
            return 1
        print(f"{part}: database at head", flush=True)
        return 0
    from services.identity.create_admin import main as create_admin

    return create_admin()


if __name__ == "__main__":
    sys.exit(main())
