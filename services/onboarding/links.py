"""Signup links (one or more per group, revocable) and the throttling of guessed tokens."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from services.common.models import is_id, new_id, utcnow
from services.common.network import client_address
from services.common.pagination import paginate
from services.common.problems import ProblemError

from .groups import get_group, not_found
from .models import GuessAttempt, SignupLink, db


def token_hash(token: str) -> str:
    """What is stored of a bearer secret (signup link, resume token): its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def signup_url(token: str) -> str:
    return f"{current_app.config['PORTAL_WEB_URL']}/onboarding/signup?token={token}"


def create_link(group_id: str) -> dict:
    """A new signup link; its token is shown once, in this answer."""
    group = get_group(group_id)
    raw = new_token()
    link = SignupLink(id=new_id(), group_id=group.id, token_hash=token_hash(raw))
    db.session.add(link)
    db.session.commit()
    return {**link_view(link), "token": raw, "url": signup_url(raw)}


def link_view(link: SignupLink) -> dict:
    return {
        "id": link.id,
        "group_id": link.group_id,
        "created_at": link.created_at,
        "revoked_at": link.revoked_at,
    }


def list_links(group_id: str, page: int, page_size: int) -> dict:
    get_group(group_id)
    query = (
        sa.select(SignupLink)
        .where(SignupLink.group_id == group_id)
        .order_by(SignupLink.created_at.desc(), SignupLink.id)
    )
    page_ = paginate(db.session, query, page, page_size)
    return {**page_, "items": [link_view(link) for link in page_["items"]]}


def revoke_link(group_id: str, link_id: str) -> None:
    """The link stops working at once; requests already started with it go on."""
    link = db.session.get(SignupLink, link_id) if is_id(link_id) else None
    if link is None or link.group_id != group_id:
        raise not_found("signup link", link_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.commit()


def refuse_if_guessing() -> None:
    """429 once this address has presented too many unknown tokens within the window."""
    config = current_app.config
    since = utcnow() - timedelta(seconds=config["GUESS_WINDOW"])
    times = db.session.scalars(
        sa.select(GuessAttempt.at)
        .where(GuessAttempt.ip == client_address(), GuessAttempt.at > since)
        .order_by(GuessAttempt.at)
    ).all()
    if len(times) >= config["GUESS_MAX_PER_ADDRESS"]:
        wait = times[-config["GUESS_MAX_PER_ADDRESS"]] + timedelta(seconds=config["GUESS_WINDOW"])
        seconds = max(1, math.ceil((wait - utcnow()).total_seconds()))
        raise ProblemError(
            429,
            f"Too many links that do not work were tried from your network address; try again "
            f"in {math.ceil(seconds / 60)} minute(s).",
            code="TOO_MANY_ATTEMPTS",
            headers={"Retry-After": str(seconds)},
        )


def record_guess() -> None:
    """Count an unknown token against this address (committed even though the request fails)."""
    db.session.rollback()
    now = utcnow()
    window = timedelta(seconds=current_app.config["GUESS_WINDOW"])
    db.session.execute(sa.delete(GuessAttempt).where(GuessAttempt.at < now - window))
    db.session.add(GuessAttempt(id=new_id(), ip=client_address(), at=now))
    db.session.commit()
