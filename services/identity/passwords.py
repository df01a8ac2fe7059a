"""Passwords: argon2id hashing bounded per process, a check that costs the same whether or not a
user exists, and the strength policy (zxcvbn) applied wherever a password is chosen."""

from __future__ import annotations

import contextlib
import functools
import secrets
import threading
from collections.abc import Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from zxcvbn import zxcvbn

from services.common.problems import VALIDATION_DETAIL, ProblemError

# OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): 16 concurrent sign-ins fit identity's
# memory limit, which argon2-cffi's default (64 MiB each) did not. Older hashes keep verifying and
# are rehashed with these parameters at the next sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# zxcvbn's cost grows with the length (4.5 refuses more than 72 characters); what is beyond
# this adds strength it cannot measure anyway.
_ESTIMATED_PREFIX = 72


@contextlib.contextmanager
def _hashing_slot() -> Iterator[None]:
    """Wait for one of the process's hashing slots (IDENTITY_HASH_CONCURRENCY), so that a burst of
    sign-ins queues instead of multiplying argon2's memory; 503 when the wait is too long."""
    if not has_app_context():  # a command or a test helper outside any app: nothing to share
        yield
        return
    slots: threading.BoundedSemaphore = current_app.extensions["identity.hash_slots"]
    if not slots.acquire(timeout=current_app.config["HASH_WAIT_SECONDS"]):
        raise ProblemError(
            503,
            "Too many sign-ins at this moment; try again in a few seconds.",
            code="BUSY",
            headers={"Retry-After": "2"},
        )
    try:
        yield
    finally:
        slots.release()


def hashing_slots(concurrency: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(max(1, concurrency))


def hash_password(password: str) -> str:
    with _hashing_slot():
        return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash (unknown or not yet activated user) the check
    runs against a dummy hash, so that timing does not tell whether the account exists."""
    with _hashing_slot():
        try:
            return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)


def weaknesses(password: str, user_inputs: list[str], min_score: int) -> list[str]:
    """Why this password is too easy to guess (empty when it is strong enough): zxcvbn's own
    feedback, knowing the person's e-mail and name so that neither counts as strength."""
    inputs = [part for value in user_inputs for part in _words(value)]
    result = zxcvbn(password[:_ESTIMATED_PREFIX], user_inputs=inputs)
    if result["score"] >= min_score:
        return []
    feedback = result["feedback"]
    reasons = [feedback["warning"]] if feedback.get("warning") else []
    reasons += feedback.get("suggestions") or []
    return (
        ["This password is too easy to guess.", *reasons]
        if reasons
        else ["This password is too easy to guess; add a few uncommon words."]
    )


def _words(value: str) -> list[str]:
    """An e-mail or a name, whole, run together and in its parts: "Ann Lee" -> "Ann Lee",
    "AnnLee", "Ann", "Lee"; "ann.lee@acme.example" -> ..., "annlee", "ann", "lee", "acme"."""
    local = value.split("@")[0]
    parts = [value]
    for separator in "@._- ":
        parts = [piece for part in parts for piece in part.split(separator)]
    run_together = "".join(char for char in local if char.isalnum())
    return [value, run_together, *(part for part in parts if len(part) > 2)]


def ensure_strong(password: str, user_inputs: list[str], field: str = "password") -> None:
    """422 with errors[field] saying why, when the password is too easy to guess."""
    reasons = weaknesses(password, user_inputs, current_app.config["PASSWORD_MIN_SCORE"])
    if reasons:
        raise ProblemError(
            422, VALIDATION_DETAIL, code="VALIDATION_FAILED", errors={field: reasons}
        )
