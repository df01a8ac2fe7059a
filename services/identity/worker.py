"""`python -m services.identity.worker`: the identity service's outbox relay and consumer."""

from services.common.worker import run_worker

from . import create_app

if __name__ == "__main__":
    run_worker(create_app())
