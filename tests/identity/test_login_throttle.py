"""Login throttling that cannot be turned against the account's owner: per (account, address)
pair with growing delays, a looser per-account ceiling that spares addresses which have not
failed, and attempts counted before their password is checked."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from services.common.models import new_id, utcnow
from services.identity.models import LoginFailure, db

from .helpers import PASSWORD, assert_problem, at_once, count, make_user

ATTACKER = {"X-Forwarded-For": "203.0.113.66"}
OWNER = {"X-Forwarded-For": "198.51.100.7"}


def _login(client, email: str, password: str, headers: dict):
    return client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}, headers=headers
    )


def test_an_attackers_address_locks_itself_and_the_owner_still_signs_in(app, client):
    make_user(app, "dana@client.example")
    for _ in range(3):  # IDENTITY_LOGIN_FREE_PER_PAIR
        assert_problem(_login(client, "dana@client.example", "guess", ATTACKER), 401)
    # Even the right password waits, from the address that failed.
    locked = _login(client, "dana@client.example", PASSWORD, ATTACKER)
    body = assert_problem(locked, 429, "TOO_MANY_ATTEMPTS")
    assert int(locked.headers["Retry-After"]) > 0 and "for this account" in body["detail"]
    assert _login(client, "dana@client.example", PASSWORD, OWNER).status_code == 200


def test_five_wrong_tries_from_elsewhere_do_not_lock_the_admin_out(app, client):
    make_user(app, "admin@firm.example", kind="staff", role="admin")
    for _ in range(5):
        response = _login(client, "admin@firm.example", "guess", ATTACKER)
        assert response.status_code in (401, 429)
    assert _login(client, "admin@firm.example", PASSWORD, OWNER).status_code == 200


def _failures(app, email: str, ip: str, how_many: int, ago: timedelta) -> None:
    with app.app_context():
        at = utcnow() - ago
        db.session.add_all(
            LoginFailure(id=new_id(), email=email, ip=ip, at=at) for _ in range(how_many)
        )
        db.session.commit()


def test_delays_double_with_each_failure_of_the_pair(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_DELAY_BASE", 60)
    make_user(app, "dana@client.example")
    waits = []
    for _ in range(3):
        _failures(app, "dana@client.example", "203.0.113.66", 3 if not waits else 1, timedelta())
        response = _login(client, "dana@client.example", PASSWORD, ATTACKER)
        assert_problem(response, 429, "TOO_MANY_ATTEMPTS")
        waits.append(int(response.headers["Retry-After"]))
    assert 55 <= waits[0] <= 60 and 115 <= waits[1] <= 120 and 235 <= waits[2] <= 240
    # Failures older than their delay no longer hold the pair back.
    with app.app_context():
        db.session.execute(sa.update(LoginFailure).values(at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    assert _login(client, "dana@client.example", PASSWORD, ATTACKER).status_code == 200


def test_past_the_account_ceiling_only_clean_addresses_try_and_only_once(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_PER_ACCOUNT", 4)
    make_user(app, "dana@client.example")
    for i in range(4):
        _failures(app, "dana@client.example", f"192.0.2.{i}", 1, timedelta(seconds=1))
    failed_before = {"X-Forwarded-For": "192.0.2.0"}
    refused = _login(client, "dana@client.example", PASSWORD, failed_before)
    assert_problem(refused, 429, "TOO_MANY_ATTEMPTS")
    assert_problem(_login(client, "dana@client.example", "guess", ATTACKER), 401)
    assert_problem(_login(client, "dana@client.example", "guess", ATTACKER), 429)
    assert _login(client, "dana@client.example", PASSWORD, OWNER).status_code == 200


def test_concurrent_wrong_attempts_cannot_exceed_the_limit(any_app, monkeypatch):
    app = any_app
    monkeypatch.setitem(app.config, "LOGIN_DELAY_BASE", 600)
    make_user(app, "dana@client.example")
    responses = at_once(
        8, lambda _: _login(app.test_client(), "dana@client.example", "guess", ATTACKER)
    )
    statuses = sorted(getattr(r, "status_code", r) for r in responses)
    assert statuses == [401] * 3 + [429] * 5, statuses


def test_no_hashing_slot_is_a_503_that_does_not_count_as_a_failure(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HASH_WAIT_SECONDS", 0)
    make_user(app, "dana@client.example")
    slots = app.extensions["identity.hash_slots"]
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        busy = _login(client, "dana@client.example", PASSWORD, OWNER)
    finally:
        for _ in range(taken):
            slots.release()
    assert_problem(busy, 503, "BUSY")
    assert busy.headers["Retry-After"]
    assert count(app, LoginFailure) == 0
    assert _login(client, "dana@client.example", PASSWORD, OWNER).status_code == 200
