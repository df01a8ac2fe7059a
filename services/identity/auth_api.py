"""Sign-in endpoints (login, refresh, logout, invitation acceptance, /me) and the JWKS."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.common.auth import current_caller, signed_in
from services.common.network import client_address

from . import schemas, service
from .tokens import TokenPair, keyring

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign-in and who am I")
jwks_blp = Blueprint("jwks", __name__, description="Public keys that verify access tokens")

LOGIN = schemas.LoginSchema()
REFRESH = schemas.RefreshSchema()
ACCEPT = schemas.AcceptInvitationSchema()
TOKEN_PAIR = schemas.TokenPairSchema()
ME = schemas.MeSchema()

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
def login(body: dict) -> tuple[TokenPair, dict]:
    """Sign in with e-mail and password."""
    return service.login(body["email"], body["password"], client_address()), NO_STORE


@blp.post("/auth/refresh")
@blp.arguments(REFRESH)
@blp.response(200, TOKEN_PAIR)
@blp.alt_response(401, response="UNAUTHORIZED")
def refresh(body: dict) -> tuple[TokenPair, dict]:
    """Exchange a refresh token for a new pair; the old refresh token stops working."""
    return service.refresh(body["refresh_token"]), NO_STORE


@blp.post("/auth/logout")
@blp.arguments(REFRESH)
@blp.response(204)
def logout(body: dict) -> None:
    """Sign out: the refresh token and every token rotated from it stop working."""
    service.logout(body["refresh_token"])


@blp.post("/auth/invitations/accept")
@blp.arguments(ACCEPT)
@blp.response(200, TOKEN_PAIR)
@blp.alt_response(400, response="BAD_REQUEST")
def accept_invitation(body: dict) -> tuple[TokenPair, dict]:
    """Choose a password from an invitation link; answers a token pair (signed in)."""
    return service.accept_invitation(body["token"], body["password"]), NO_STORE


@blp.get("/me")
@signed_in
@blp.response(200, ME)
@blp.alt_response(401, response="UNAUTHORIZED")
def me() -> dict:
    """The signed-in user, with the companies a portal user belongs to."""
    return service.me(current_caller())


@jwks_blp.get("/.well-known/jwks.json")
@jwks_blp.response(200)
def jwks() -> tuple[dict, dict]:
    """The public keys (Ed25519, EdDSA) that verify access tokens."""
    return keyring().jwks(), {"Cache-Control": "public, max-age=300"}
