import pytest

pytest_plugins = ["services.common.testing"]


@pytest.fixture(scope="session")
def suite(tmp_path_factory, new_database, amqp_url, s3_server, smtp_server):
    """The whole suite running as real processes; shared by the end-to-end and fault tests."""
    from services.topology import SERVICES

    from .suite import Suite

    env = {f"{s.upper()}_DATABASE_URL": new_database(s) for s in SERVICES}
    env.update({k: str(v) for k, v in s3_server.items() if k.startswith("S3_")})
    env.update(
        AMQP_URL=amqp_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_server.port),
        RETRY_DELAYS="0.5,1,1,2,2",
        RELAY_IDLE_SECONDS="0.05",
        RECONNECT_MAX_SECONDS="2",
        DOCUMENTS_MAX_UPLOAD_BYTES=str(8 * 2**20),
    )
    running = Suite(tmp_path_factory.mktemp("suite"), env)
    try:
        running.start()
        yield running
    finally:
        running.stop()
