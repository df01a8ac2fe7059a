"""Sealed links: only the holders of MAIL_LINK_KEYS open them; keys rotate; settings say what
is missing."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from services.common.sealing import SealingError, check_keys, seal, unseal

LINK = "https://portal.example/portal/accept-invitation?token=abc123"


def keys(*values: str) -> dict:
    return {"MAIL_LINK_KEYS": list(values)}


def test_a_sealed_link_shows_nothing_and_opens_with_the_key():
    key = Fernet.generate_key().decode()
    sealed = seal(LINK, keys(key))
    assert "abc123" not in sealed and "token" not in sealed and sealed != seal(LINK, keys(key))
    assert unseal(sealed, keys(key)) == LINK


def test_another_key_cannot_open_it():
    sealed = seal(LINK, keys(Fernet.generate_key().decode()))
    with pytest.raises(SealingError, match="could not be opened"):
        unseal(sealed, keys(Fernet.generate_key().decode()))


def test_a_rotated_key_still_opens_what_the_old_one_sealed():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_before = seal(LINK, keys(old))
    assert unseal(sealed_before, keys(new, old)) == LINK
    assert unseal(seal(LINK, keys(new, old)), keys(new)) == LINK  # the first key seals


@pytest.mark.parametrize(("value", "says"), [([], "needs MAIL_LINK_KEYS"), (["nope"], "Fernet")])
def test_missing_or_malformed_keys_are_refused_with_what_to_do(value, says):
    with pytest.raises(SealingError, match=says) as refused:
        check_keys(value, "identity")
    assert "python -m services.common.sealing" in str(refused.value)


def test_services_refuse_to_start_without_the_key(monkeypatch):
    from services.identity.config import IdentityConfig
    from services.mailer.config import MailerConfig
    from services.onboarding.config import OnboardingConfig

    monkeypatch.delenv("MAIL_LINK_KEYS")
    for config in (IdentityConfig, OnboardingConfig, MailerConfig):
        with pytest.raises(SealingError, match="MAIL_LINK_KEYS"):
            config(MAIL_FROM="x@firm.example", PORTAL_FIRM_NAME="Firm")
