"""Links that carry a live token (an invitation, a password reset, a secure link, an onboarding
resume link) travel sealed: encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from
`cryptography`) under keys that only the services producing such links and the mailer hold.
Every other consumer of `portal.events` sees an opaque string it cannot use.

MAIL_LINK_KEYS: comma-separated Fernet keys (`python -m services.common.sealing` prints a new
one). The first seals; all of them open, so a key is rotated by putting the new one first and
dropping the old one once no sealed link made with it can still be needed (the invitation
lifetime, 7 days by default, since the mailer's log keeps sealed invitation links for resends).
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app, has_app_context

from .config import env_list


class SealingError(RuntimeError):
    """A link cannot be sealed or opened: the keys are missing, malformed or do not match."""


def link_keys() -> list[str]:
    """MAIL_LINK_KEYS from the environment (the config loaders of identity, onboarding and the
    mailer keep it as their MAIL_LINK_KEYS setting)."""
    return env_list("MAIL_LINK_KEYS", "")


def check_keys(keys: list[str], service: str) -> None:
    """Raise SealingError, saying what to set, unless `keys` are usable Fernet keys."""
    if not keys:
        raise SealingError(
            f"{service} needs MAIL_LINK_KEYS (the key sealing e-mailed links for the mailer alone, "
            "shared by identity, onboarding and the mailer only): generate one with "
            "`python -m services.common.sealing` and set it in all three."
        )
    try:
        _fernet(keys)
    except (ValueError, TypeError) as exc:
        raise SealingError(
            "MAIL_LINK_KEYS must be Fernet keys (32 url-safe base64-encoded bytes) separated by "
            "commas: generate one with `python -m services.common.sealing`."
        ) from exc


def _fernet(keys: list[str]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _configured(config: Mapping | None) -> MultiFernet:
    if config is None:
        # The app's setting; outside one (a script), MAIL_LINK_KEYS from the environment.
        config = current_app.config if has_app_context() else {"MAIL_LINK_KEYS": link_keys()}
    keys = config.get("MAIL_LINK_KEYS") or []
    check_keys(keys, "this service")
    return _fernet(keys)


def seal(link: str, config: Mapping | None = None) -> str:
    """`link` encrypted for the mailer (a different string each time)."""
    return _configured(config).encrypt(link.encode()).decode()


def unseal(sealed: str, config: Mapping | None = None) -> str:
    """The link sealed by `seal`; SealingError when no configured key opens it."""
    try:
        return _configured(config).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError, TypeError) as exc:
        raise SealingError(
            "a sealed link could not be opened with MAIL_LINK_KEYS (a key was rotated out too "
            "early, or the producer and the mailer hold different keys)"
        ) from exc


if __name__ == "__main__":
    print(Fernet.generate_key().decode())
