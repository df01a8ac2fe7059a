import contextlib

import pytest

pytest_plugins = ["services.common.testing"]


@contextlib.contextmanager
def running_suite(name, tmp_path_factory, new_database, s3_server, smtp_server, **overrides):
    """The whole suite as real processes, on databases and a RabbitMQ vhost of its own.

    Its workers consume every service's queue, so it gets a vhost of its own: in-process tests
    that run a worker on the shared vhost would otherwise race it for their messages.
    `overrides` replace settings: databases (<SERVICE>_DATABASE_URL: no new one is made), the
    bucket, or AMQP_URL (a broker of the test's own: no vhost is made)."""
    from services.common.testing import throwaway_vhost
    from services.topology import SERVICES

    from .suite import Suite

    env = {}
    for service in SERVICES:
        key = f"{service.upper()}_DATABASE_URL"
        env[key] = overrides.get(key) or new_database(service)
    env.update({k: str(v) for k, v in s3_server.items() if k.startswith("S3_")})
    env.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_server.port),
        RETRY_DELAYS="0.5,1,1,2,2",
        OUTBOX_RELAY_IDLE_SECONDS="0.05",
        RECONNECT_MAX_SECONDS="2",
        DOCUMENTS_MAX_UPLOAD_BYTES=str(8 * 2**20),
        # Every person of every story comes from 127.0.0.1: ceilings sized for one office would
        # throttle later stories. The services' own tests prove the throttles with their
        # production values.
        IDENTITY_RESET_MAX_PER_ADDRESS="1000",
        IDENTITY_LOGIN_MAX_PER_ADDRESS="1000",
        ONBOARDING_GUESS_MAX_PER_ADDRESS="1000",
    )
    env.update(overrides)
    broker = (
        contextlib.nullcontext(overrides["AMQP_URL"])
        if "AMQP_URL" in overrides
        else throwaway_vhost(f"-{name}")
    )
    with broker as amqp_url:
        running = Suite(tmp_path_factory.mktemp(name), {**env, "AMQP_URL": amqp_url})
        try:
            running.start()
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="session")
def suite(tmp_path_factory, new_database, s3_server, smtp_server):
    """The whole suite running; shared by the end-to-end, fault and browser tests."""
    with running_suite("suite", tmp_path_factory, new_database, s3_server, smtp_server) as running:
        yield running


@pytest.fixture(scope="module")
def fuzzed_suite(tmp_path_factory, new_database, s3_server, smtp_server):
    """A suite of its own for generated requests: they change firm-wide settings and other
    people's records at random, which the stories sharing `suite` must not inherit."""
    with running_suite("fuzzed", tmp_path_factory, new_database, s3_server, smtp_server) as running:
        yield running
