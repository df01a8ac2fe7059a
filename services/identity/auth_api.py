"""Sign-in endpoints (login, refresh, logout, invitations, password reset) and the JWKS."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from services.common.network import client_address

from . import invitations, password_reset, schemas, service
from .tokens import TokenPair, client_fingerprint, keyring

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign-in and who am I")
jwks_blp = Blueprint("jwks", __name__, description="Public keys that verify access tokens")

LOGIN = schemas.LoginSchema()
REFRESH = schemas.RefreshSchema()
ACCEPT = schemas.AcceptInvitationSchema()
INSPECT = schemas.InspectInvitationSchema()
INVITATION_INFO = schemas.InvitationInfoSchema()
RESET_REQUEST = schemas.PasswordResetRequestSchema()
RESET_CONFIRM = schemas.PasswordResetConfirmSchema()
TOKEN_PAIR = schemas.TokenPairSchema()

# Tokens must not be kept by any cache between the client and us (RFC 6749 section 5.1).
NO_STORE = {"Cache-Control": "no-store"}


@blp.before_request
def _signing_key_ready() -> None:
    # Load (or create, on a fresh deployment) the signing key before the use case writes
    # anything: creating it takes its own transaction, which SQLite would make wait behind ours.
    keyring().signing_key()


@blp.post("/auth/login")
@blp.arguments(LOGIN)
@blp.response(200, TOKEN_PAIR)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def login(body: dict) -> tuple[TokenPair, dict]:
    """Sign in with e-mail and password."""
    return service.login(body["email"], body["password"], client_address()), NO_STORE


@blp.post("/auth/refresh")
@blp.arguments(REFRESH)
@blp.response(200, TOKEN_PAIR)
@blp.alt_response(401, response="UNAUTHORIZED")
def refresh(body: dict) -> tuple[TokenPair, dict]:
    """Exchange a refresh token for a new pair; the old refresh token stops working."""
    client = client_fingerprint(client_address(), request.headers.get("User-Agent", ""))
    return service.refresh(body["refresh_token"], client), NO_STORE


@blp.post("/auth/logout")
@blp.arguments(REFRESH)
@blp.response(204)
def logout(body: dict) -> None:
    """Sign out: the refresh token and every token rotated from it stop working."""
    service.logout(body["refresh_token"])


@blp.post("/auth/invitations/inspect")
@blp.arguments(INSPECT)
@blp.response(200, INVITATION_INFO)
@blp.alt_response(400, response="BAD_REQUEST")
def inspect_invitation(body: dict) -> tuple[dict, dict]:
    """Who an invitation link is for, who sent it and for which companies (POST: no token in a
    URL); 400 INVITATION_INVALID when it can no longer be accepted."""
    return invitations.inspect(body["token"]), NO_STORE


@blp.post("/auth/invitations/accept")
@blp.arguments(ACCEPT)
@blp.response(200, TOKEN_PAIR)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def accept_invitation(body: dict) -> tuple[TokenPair, dict]:
    """Choose a password from an invitation link; answers a token pair (signed in)."""
    return invitations.accept(body["token"], body["password"]), NO_STORE


@blp.post("/auth/password-reset")
@blp.arguments(RESET_REQUEST)
@blp.response(202)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def request_password_reset(body: dict) -> dict:
    """E-mail a link to choose a new password. The answer is the same whether or not the address
    belongs to an account."""
    password_reset.request_reset(body["email"], client_address())
    return {}


@blp.post("/auth/password-reset/confirm")
@blp.arguments(RESET_CONFIRM)
@blp.response(200, TOKEN_PAIR)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def confirm_password_reset(body: dict) -> tuple[TokenPair, dict]:
    """Choose a new password with a reset link; answers a token pair (signed in) and signs the
    person out everywhere else. 400 RESET_TOKEN_INVALID when the link is expired or used."""
    return password_reset.confirm_reset(body["token"], body["password"]), NO_STORE


@jwks_blp.get("/.well-known/jwks.json")
@jwks_blp.response(200)
def jwks() -> tuple[dict, dict]:
    """The public keys (Ed25519, EdDSA) that verify access tokens."""
    return keyring().jwks(), {"Cache-Control": "public, max-age=300"}
