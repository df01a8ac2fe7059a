"""Arrange steps of the identity tests: users and companies written directly, sign-in through
the API, and what the outbox holds."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from services.common.models import new_id
from services.common.sealing import link_keys, unseal
from services.identity.models import Company, Membership, OutboxEvent, User, db
from services.identity.passwords import hash_password

PASSWORD = "correct horse battery staple"


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # once: argon2 is slow on purpose


@dataclass
class Session:
    user_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.access_token}"}


def make_user(
    app: Flask,
    email: str,
    *,
    kind: str = "portal",
    role: str | None = None,
    status: str = "active",
    companies: tuple[tuple[str, str], ...] = (),
    name: str = "Someone",
) -> str:
    """A user as if created and activated earlier (no events: the outbox stays empty)."""
    with app.app_context():
        user = User(
            id=new_id(),
            email=email,
            name=name,
            locale="en",
            kind=kind,
            role=role,
            status=status,
            password_hash=password_hash() if status != "invited" else None,
        )
        db.session.add(user)
        for company_id, member_role in companies:
            db.session.add(
                Membership(user_id=user.id, company_id=company_id, role=member_role, active=True)
            )
        db.session.commit()
        return user.id


def make_company(app: Flask, name: str = "Acme", number: str | None = None) -> str:
    with app.app_context():
        company = Company(id=new_id(), name=name, number=number, members_see_each_other=False)
        db.session.add(company)
        db.session.commit()
        return company.id


def sign_in(client: FlaskClient, email: str, user_id: str, password: str = PASSWORD) -> Session:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    return Session(user_id, body["access_token"], body["refresh_token"])


def outbox(app: Flask) -> list[dict]:
    """The outbox rows as (type, subject, data) dicts, oldest first."""
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxEvent).order_by(OutboxEvent.created_at)).all()
        return [
            {"type": r.event_type, "subject": r.subject, "data": json.loads(r.payload)["data"]}
            for r in rows
        ]


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """The response is an RFC 9457 problem with this status (and code); returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    if code:
        assert body["code"] == code, body
    return body


def at_once(count_: int, call: Callable[[int], object]) -> list:
    """Run call(0) .. call(count_ - 1) in threads released together by a barrier; their results."""
    barrier = threading.Barrier(count_)
    results: list = [None] * count_

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = call(index)
        except Exception as exc:  # noqa: BLE001 - reported to the test as a result
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def open_link(sealed: str) -> str:
    """A link identity sealed for the mailer alone, opened with the tests' key."""
    return unseal(sealed, {"MAIL_LINK_KEYS": link_keys()})
