"""`python -m services.mailer.worker`: the mailer's outbox relay and consumer."""

from services.common.worker import run_worker

from . import create_app

if __name__ == "__main__":
    run_worker(create_app())
