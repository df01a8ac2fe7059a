"""Who is calling: access tokens verified from identity's JWKS, and the endpoint guards.

Every service verifies tokens itself; the gateway in front is not trusted to have done it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import jwt
from flask import current_app, g, request

from .openapi_access import ACCESS_ATTRIBUTE
from .problems import ProblemError

ALGORITHMS = ["EdDSA"]  # allow-list: never "none", never a symmetric algorithm
TOKEN_TYPE = "at+jwt"  # noqa: S105 - RFC 9068 access-token header type, not a secret


@dataclass(frozen=True)
class Caller:
    """The identity a request acts for, built from verified token claims only."""

    kind: str  # "staff", "portal" or "link"
    user_id: str
    email: str = ""
    role: str | None = None  # staff: "admin" or "agent"
    companies: dict[str, str] = field(default_factory=dict)  # portal: company id -> role
    # Link sessions: {"company": id, "type": "company" | "site" | "intervention", "id": id}.
    scope: dict | None = None
    link_id: str | None = None  # link sessions: the secure link they were opened from
    session_id: str | None = None  # the sign-in (refresh-token family) the token came from

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_admin(self) -> bool:
        return self.kind == "staff" and self.role == "admin"


class TokenVerifier:
    """Checks signature, algorithm, `typ`, `iss`, `aud` and `exp`; keys come from a resolver
    (identity resolves its own keys) or from a JWKS URL fetched once and cached."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        key_resolver: Callable[[str], object] | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._resolve = key_resolver
        self._jwks = jwt.PyJWKClient(jwks_url, lifespan=300, timeout=3) if jwks_url else None

    def _key(self, token: str) -> object:
        if self._resolve is not None:
            kid = jwt.get_unverified_header(token).get("kid", "")
            key = self._resolve(kid)
            if key is None:
                raise jwt.InvalidTokenError("unknown signing key")
            return key
        try:
            return self._jwks.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError as exc:
            raise ProblemError(
                503,
                "The identity service cannot be reached to check the token; try again.",
                code="IDENTITY_UNAVAILABLE",
            ) from exc

    def verify(self, token: str) -> dict:
        header = jwt.get_unverified_header(token)
        if header.get("alg") not in ALGORITHMS or header.get("typ") != TOKEN_TYPE:
            raise jwt.InvalidTokenError("unexpected token algorithm or type")
        return jwt.decode(
            token,
            self._key(token),
            algorithms=ALGORITHMS,
            audience=self.audience,
            issuer=self.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )


def caller_from_claims(claims: dict) -> Caller:
    if claims.get("kind") == "link":
        scope = claims.get("scope") or {}
        return Caller(
            kind="link",
            user_id=claims["sub"],
            scope={"company": claims["company"], "type": scope["type"], "id": scope["id"]},
            link_id=claims["link"],
        )
    return Caller(
        kind=claims.get("kind", ""),
        user_id=claims["sub"],
        email=claims.get("email", ""),
        role=claims.get("role"),
        companies={c["id"]: c["role"] for c in claims.get("companies", [])},
        scope=claims.get("scope"),
        session_id=claims.get("sid"),
    )


def _unauthorized(detail: str, code: str) -> ProblemError:
    return ProblemError(401, detail, code=code, headers={"WWW-Authenticate": "Bearer"})


def current_caller() -> Caller:
    """The verified caller of this request; 401 problem when there is none."""
    if "caller" in g:
        return g.caller
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized(
            "Sign in first: send 'Authorization: Bearer <access token>'.", "AUTHENTICATION_REQUIRED"
        )
    try:
        claims = current_app.extensions["portal"].verifier.verify(token.strip())
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized(
            "Your session has expired; refresh it or sign in again.", "TOKEN_EXPIRED"
        ) from exc
    except jwt.PyJWTError as exc:
        raise _unauthorized(
            "The access token is not valid; sign in again.", "INVALID_TOKEN"
        ) from exc
    try:
        caller = caller_from_claims(claims)
    except (KeyError, TypeError) as exc:
        raise _unauthorized(
            "The access token is not valid; sign in again.", "INVALID_TOKEN"
        ) from exc
    parts = current_app.extensions["portal"]
    # Access tokens live for minutes; identity announces a disabled account at once, and each
    # service's replica of that announcement ends the tokens already issued.
    if parts.account_disabled is not None and parts.account_disabled(caller.user_id):
        raise _unauthorized(
            "This account has been disabled; ask the firm to enable it again.", "ACCOUNT_DISABLED"
        )
    # Likewise a link session: the service's replica of identity's revocations ends it at its
    # next request.
    revoked = parts.link_revoked
    if caller.kind == "link" and revoked is not None and revoked(caller.link_id):
        raise _unauthorized(
            "This link has been revoked; ask the firm for a new one.", "LINK_REVOKED"
        )
    g.caller = caller
    return g.caller


def _marked(wrapper: Callable, access: str) -> Callable:
    """The guard's kind, read by the OpenAPI document (openapi_access.py)."""
    setattr(wrapper, ACCESS_ATTRIBUTE, access)
    return wrapper


def signed_in(view: Callable) -> Callable:
    """Guard for endpoints any signed-in caller may use (staff, portal user or link session)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        current_caller()
        return view(*args, **kwargs)

    return _marked(wrapper, "any")


def staff_required(*roles: str) -> Callable:
    """Guard for `/api/v1/...` staff endpoints; portal and link tokens get 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            caller = current_caller()
            if not caller.is_staff:
                raise ProblemError(
                    403, "This endpoint is for the firm's staff only.", code="STAFF_ONLY"
                )
            if roles and caller.role not in roles:
                raise ProblemError(
                    403, f"This action needs the {' or '.join(roles)} role.", code="ROLE_REQUIRED"
                )
            return view(*args, **kwargs)

        return _marked(wrapper, "staff")

    return decorator


def portal_required(view: Callable) -> Callable:
    """Guard for `/api/v1/portal/...`: portal users only (link sessions where a view allows)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        caller = current_caller()
        if caller.kind != "portal":
            raise ProblemError(403, "This endpoint is for client portal users.", code="PORTAL_ONLY")
        return view(*args, **kwargs)

    return _marked(wrapper, "portal")


def customer_required(view: Callable) -> Callable:
    """Guard for portal endpoints that secure-link sessions may use too (each view then
    limits what it shows to the caller's companies or the link's scope)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        caller = current_caller()
        if caller.kind not in ("portal", "link"):
            raise ProblemError(
                403, "This endpoint is for the firm's customers.", code="PORTAL_ONLY"
            )
        return view(*args, **kwargs)

    return _marked(wrapper, "customer")
