"""Identity settings come from the environment, and keyword overrides win."""

from __future__ import annotations

from services.identity.config import IdentityConfig


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("IDENTITY_ACCESS_TOKEN_TTL", "60")
    monkeypatch.setenv("IDENTITY_LOGIN_MAX_PER_ACCOUNT", "7")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://portal.firm.example/")
    monkeypatch.delenv("PORTAL_WEB_URL", raising=False)
    config = IdentityConfig()
    assert (config.ACCESS_TOKEN_TTL, config.LOGIN_MAX_PER_ACCOUNT) == (60, 7)
    assert [str(n) for n in config.TRUSTED_PROXIES] == ["10.0.0.0/8"]
    assert config.PORTAL_WEB_URL == "https://portal.firm.example/portal"
    assert config.SERVICE_NAME == "identity"


def test_defaults_and_overrides(monkeypatch):
    for name in ("IDENTITY_REFRESH_TOKEN_TTL", "IDENTITY_INVITATION_TTL", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    config = IdentityConfig(INVITATION_TTL=5, PUBLIC_URL="https://x.example")
    assert config.REFRESH_TOKEN_TTL == 30 * 24 * 3600
    assert config.INVITATION_TTL == 5
    assert [str(n) for n in config.TRUSTED_PROXIES] == ["127.0.0.0/8", "::1/128"]
    assert config.TRUSTED_PROXY_HOPS == 1
    assert config.LOGIN_MAX_PER_ADDRESS == 20 and config.LOGIN_WINDOW == 900
