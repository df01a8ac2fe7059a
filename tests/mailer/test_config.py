"""The mailer refuses to start in production without the firm's name and sender (unit tests)."""

from __future__ import annotations

import pytest

from services.mailer.config import MailerConfig, SettingsError

FIRM = {"PORTAL_FIRM_NAME": "Dupont & Associés", "MAIL_FROM": "Dupont <portail@dupont.example>"}


@pytest.fixture(autouse=True)
def _no_firm_in_the_environment(monkeypatch):
    for name in ("PORTAL_ENV", "MAIL_FROM", "PORTAL_FIRM_NAME", "PORTAL_TIME_ZONE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("missing", ["MAIL_FROM", "PORTAL_FIRM_NAME"])
def test_production_is_the_default_and_it_refuses_to_start_without_the_firm(monkeypatch, missing):
    for name, value in FIRM.items():
        if name != missing:
            monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as refused:
        MailerConfig()

    assert f"needs {missing} in production" in str(refused.value)
    assert "PORTAL_ENV=development" in str(refused.value)


def test_a_blank_setting_counts_as_missing(monkeypatch):
    monkeypatch.setenv("MAIL_FROM", FIRM["MAIL_FROM"])
    monkeypatch.setenv("PORTAL_FIRM_NAME", "   ")

    with pytest.raises(SettingsError, match="PORTAL_FIRM_NAME"):
        MailerConfig(PORTAL_ENV="production")


def test_production_starts_with_the_firm_set_and_writes_it(monkeypatch):
    for name, value in FIRM.items():
        monkeypatch.setenv(name, value)

    config = MailerConfig()

    assert (config.PORTAL_FIRM_NAME, config.MAIL_FROM) == (
        "Dupont & Associés",
        "Dupont <portail@dupont.example>",
    )
    assert config.PORTAL_TIME_ZONE == "UTC"


def test_a_development_machine_may_send_placeholders(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "development")

    config = MailerConfig()

    assert config.PORTAL_FIRM_NAME == "Your firm"
    assert config.MAIL_FROM == "Client portal <no-reply@portal.local>"


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("MAIL_FROM", "Dupont & Associés", "not an e-mail address"),
        ("PORTAL_TIME_ZONE", "Europe/Atlantis", "not an IANA time zone"),
    ],
)
def test_a_setting_that_cannot_work_stops_the_start(monkeypatch, setting, value, says):
    for name, firm_value in FIRM.items():
        monkeypatch.setenv(name, firm_value)
    monkeypatch.setenv(setting, value)

    with pytest.raises(SettingsError, match=says):
        MailerConfig()


def test_make_run_and_the_test_suite_name_the_firm(monkeypatch, tmp_path):
    from scripts.run_local import build_env

    from ..suite import Suite

    monkeypatch.setenv("PORTAL_ADMIN_PASSWORD", "not-used-here")
    for env in (build_env(), Suite(tmp_path, {}).env):
        for name in FIRM:
            monkeypatch.setenv(name, env[name])
        assert env["PORTAL_FIRM_NAME"] == MailerConfig().PORTAL_FIRM_NAME
