"""People of the browser tests, made by the firm's staff through the API, and the links the
portal's e-mails carry."""

from __future__ import annotations

import re

from services.common.testing import wait_until

from ..e2e.stories import activate, admin, mails_to, new_company, new_contact, text_of

PASSWORD = "tangerine orbit velvet canyon 42"


def client_contact(suite, smtp_server, locale: str = "en", company_name: str = "Acme") -> dict:
    """A contact who has accepted their invitation (through the API) and has a password."""
    staff = admin(suite)
    company = new_company(staff, company_name)
    contact = new_contact(staff, company, locale=locale)
    activate(suite, smtp_server, staff, contact, PASSWORD)
    return {**contact, "company": company, "password": PASSWORD}


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Fill the sign-in form the page shows, and send it."""
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def portal_link(suite, smtp_server, email: str, path: str) -> str:
    """The portal link (to `path`, e.g. /accept-invitation) in the last e-mail to `email`."""
    pattern = re.compile(re.escape(suite.portal + path) + r"[^\s\"<>]*")

    def found() -> str | None:
        for message in reversed(mails_to(smtp_server, email)):
            if match := pattern.search(text_of(message)):
                return match.group(0)
        return None

    return wait_until(found, timeout=30, message=f"an e-mail to {email} linking {path}")
