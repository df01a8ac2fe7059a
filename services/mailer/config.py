"""The mailer's settings: the SMTP relay, the sender address and the firm's name in e-mails.

- PORTAL_ENV (production): `development` lets the mailer send placeholders for the two below;
  any other value, or none, is production, where it refuses to start without them.
- MAIL_FROM: the sender of every e-mail, `Dupont & Associés <portail@dupont.example>`.
- PORTAL_FIRM_NAME: the firm's name as e-mails write it.
- PORTAL_TIME_ZONE (UTC): IANA zone of dates and times for people who chose none.
- MAIL_DISPATCH_ADDRESS (none): the firm's dispatch desk, told of each intervention a customer
  requests; none: no such e-mail.
- MAIL_DISPATCH_LOCALE (en): the language of the e-mails to the dispatch desk.
- MAIL_LINK_KEYS (required): the Fernet key(s) opening the links identity and onboarding seal
  for the mailer alone (services/common/sealing.py).
"""

from email.utils import parseaddr
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.common.config import BaseConfig, env_bool, env_float, env_int, env_str
from services.common.sealing import check_keys, link_keys

# What `PORTAL_ENV=development` e-mails say when the firm is not configured.
PLACEHOLDERS = {
    "MAIL_FROM": "Client portal <no-reply@portal.local>",
    "PORTAL_FIRM_NAME": "Your firm",
}


class SettingsError(RuntimeError):
    """The mailer cannot start with these settings; the message says what to set."""


class MailerConfig(BaseConfig):
    # An e-mail spends most of its time waiting for PostgreSQL and the SMTP server, and the
    # mailer's handlers need no order between events (invitation_first.py locks what must not
    # race): two threads overlap those waits.
    default_handler_threads = 2

    def __init__(self, **overrides: object) -> None:
        self.SMTP_HOST = env_str("SMTP_HOST", "127.0.0.1")
        self.SMTP_PORT = env_int("SMTP_PORT", 8025)
        self.SMTP_TIMEOUT = env_float("SMTP_TIMEOUT", 10.0)
        # Login (after STARTTLS unless SMTP_STARTTLS=false) happens only when a username is set.
        self.SMTP_USERNAME = env_str("SMTP_USERNAME", "")
        self.SMTP_PASSWORD = env_str("SMTP_PASSWORD", "")
        self.SMTP_STARTTLS = env_bool("SMTP_STARTTLS", True)
        # Production unless told otherwise: a forgotten setting must stop the mailer, not send
        # e-mails signed "Your firm" to the firm's clients.
        self.PORTAL_ENV = env_str("PORTAL_ENV", "production").strip().lower()
        self.MAIL_FROM = env_str("MAIL_FROM", "").strip()
        self.PORTAL_FIRM_NAME = env_str("PORTAL_FIRM_NAME", "").strip()
        self.PORTAL_TIME_ZONE = env_str("PORTAL_TIME_ZONE", "UTC").strip() or "UTC"
        self.MAIL_DISPATCH_ADDRESS = env_str("MAIL_DISPATCH_ADDRESS", "").strip()
        self.MAIL_DISPATCH_LOCALE = env_str("MAIL_DISPATCH_LOCALE", "en").strip() or "en"
        self.MAIL_LINK_KEYS = link_keys()
        super().__init__("mailer", **overrides)

        check_keys(self.MAIL_LINK_KEYS, "the mailer")
        self._check_firm()

    def _check_firm(self) -> None:
        missing = [name for name in PLACEHOLDERS if not getattr(self, name)]
        if missing and self.PORTAL_ENV != "development":
            raise SettingsError(
                f"The mailer needs {' and '.join(missing)} in production: set "
                "MAIL_FROM (e.g. 'Dupont & Associés <portail@dupont.example>') and "
                "PORTAL_FIRM_NAME (e.g. 'Dupont & Associés'), or PORTAL_ENV=development to "
                "send placeholders from a development machine."
            )
        for name in missing:
            setattr(self, name, PLACEHOLDERS[name])
        if "@" not in parseaddr(self.MAIL_FROM)[1]:
            raise SettingsError(
                f"MAIL_FROM {self.MAIL_FROM!r} is not an e-mail address: write "
                "'Name <address@domain>' or 'address@domain'."
            )
        try:
            ZoneInfo(self.PORTAL_TIME_ZONE)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(
                f"PORTAL_TIME_ZONE {self.PORTAL_TIME_ZONE!r} is not an IANA time zone: write "
                "e.g. 'Europe/Paris' or 'UTC'."
            ) from exc
