"""People of the browser tests: a company's contacts made by the firm's staff through the API."""

from __future__ import annotations

from ..e2e.stories import activate, admin, new_company, new_contact

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
