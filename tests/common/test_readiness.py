"""Readiness follows what a request needs: the database, not the broker (the outbox keeps
writes safe while the broker is away); the broker's state shows in /healthz and /metrics."""

from __future__ import annotations

import psycopg2
import sqlalchemy as sa

from services.common.testing import PG_ADMIN_DSN, free_port
from services.interventions import create_app
from services.interventions.models import db


def _app(database_url: str, amqp_url: str):
    return create_app(SQLALCHEMY_DATABASE_URI=database_url, AMQP_URL=amqp_url, TESTING=True)


def test_a_broker_outage_leaves_the_service_ready_and_shows_in_health_and_metrics(new_database):
    closed = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"
    app = _app(new_database("interventions"), closed)
    client = app.test_client()

    ready = client.get("/readyz")
    health = client.get("/healthz")
    metrics = client.get("/metrics").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()

    assert ready.status_code == 200, ready.json
    assert ready.json["checks"] == ["database"]
    assert health.status_code == 200
    assert health.json["broker"]["status"] == "down"
    assert 'broker_reachable{service="interventions"} 0.0' in metrics


def test_the_broker_up_shows_in_health_and_metrics(new_database, amqp_url):
    client = _app(new_database("interventions"), amqp_url).test_client()

    assert client.get("/healthz").json["broker"] == {"status": "up"}
    assert 'broker_reachable{service="interventions"} 1.0' in client.get("/metrics").text


def test_a_database_outage_makes_the_service_not_ready(amqp_url):
    unreachable = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/interventions"
    client = _app(unreachable, amqp_url).test_client()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert list(response.json["errors"]) == ["database"]
    assert client.get("/healthz").status_code == 200


def test_a_pooled_connection_the_database_ended_is_replaced_before_use(new_database, amqp_url):
    app = _app(new_database("interventions"), amqp_url)
    with app.app_context():
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.remove()  # back to the pool, idle
        admin = psycopg2.connect(PG_ADMIN_DSN)
        try:
            with admin.cursor() as cursor:  # waits up to 5 s for the backend to end
                cursor.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
                ended = cursor.fetchone()[0]
        finally:
            admin.close()

        answered = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.remove()
        db.engine.dispose()

    assert ended is True
    assert answered not in (None, pid)
