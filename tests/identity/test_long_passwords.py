"""Passwords up to the documented 256 characters are accepted, not a 500 from the strength
estimator (zxcvbn refuses more than 72 characters; found by the schemathesis run)."""

from __future__ import annotations

from .helpers import PASSWORD


def test_a_long_new_password_is_accepted(client, admin):
    long_password = "correct horse battery staple, twice as long as zxcvbn reads " * 4

    response = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": long_password[:256]},
        headers=admin.headers,
    )

    assert response.status_code == 204, response.get_json()
