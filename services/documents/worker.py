"""`python -m services.documents.worker`: the documents service's outbox relay and consumer,
and the sweeper of orphan objects."""

import threading

from services.common.worker import run_worker

from . import create_app
from .sweeper import sweep_forever

if __name__ == "__main__":
    app = create_app()
    stop = threading.Event()
    sweeper = threading.Thread(
        target=sweep_forever, args=(app, stop), name="documents-sweeper", daemon=True
    )
    sweeper.start()
    try:
        run_worker(app)
    finally:
        stop.set()
