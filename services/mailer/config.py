"""The mailer's settings: the SMTP relay, the sender address and the firm's name in e-mails."""

from services.common.config import BaseConfig, env_bool, env_float, env_int, env_str


class MailerConfig(BaseConfig):
    def __init__(self, **overrides: object) -> None:
        self.SMTP_HOST = env_str("SMTP_HOST", "127.0.0.1")
        self.SMTP_PORT = env_int("SMTP_PORT", 8025)
        self.SMTP_TIMEOUT = env_float("SMTP_TIMEOUT", 10.0)
        # Login (after STARTTLS unless SMTP_STARTTLS=false) happens only when a username is set.
        self.SMTP_USERNAME = env_str("SMTP_USERNAME", "")
        self.SMTP_PASSWORD = env_str("SMTP_PASSWORD", "")
        self.SMTP_STARTTLS = env_bool("SMTP_STARTTLS", True)
        self.MAIL_FROM = env_str("MAIL_FROM", "Client portal <no-reply@portal.local>")
        self.PORTAL_FIRM_NAME = env_str("PORTAL_FIRM_NAME", "Your firm")
        super().__init__("mailer", **overrides)
