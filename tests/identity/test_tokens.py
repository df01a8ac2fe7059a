"""Access tokens identity will not accept, and the public keys it serves."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.identity import create_app
from services.identity.keys import KeyRing
from services.identity.models import SigningKey

from .helpers import assert_problem, count


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict, claims: dict, sign=lambda _: b"") -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


def _claims(admin, **changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": "portal-identity",
        "aud": "portal",
        "sub": admin.user_id,
        "kind": "staff",
        "role": "admin",
        "email": "admin@firm.example",
        "iat": now,
        "exp": now + 600,
        "jti": "test",
    }
    return {**claims, **changes}


def _signed(app, claims: dict, **header) -> str:
    with app.app_context():
        key = app.extensions["identity.keys"].signing_key()
    headers = {"kid": key.kid, "typ": "at+jwt", **header}
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers=headers)


def _me(client, token: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_a_token_signed_with_our_key_is_accepted(app, client, admin):
    assert _me(client, _signed(app, _claims(admin))).status_code == 200


def test_tampered_token_is_401(client, admin):
    header, payload, signature = admin.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged = _b64(json.dumps({**claims, "email": "someone@else.example"}).encode())
    assert_problem(_me(client, f"{header}.{forged}.{signature}"), 401, "INVALID_TOKEN")


def test_expired_token_is_401(app, client, admin):
    old = int(time.time()) - 3600
    token = _signed(app, _claims(admin, iat=old, exp=old + 900))
    assert_problem(_me(client, token), 401, "TOKEN_EXPIRED")


def test_unsigned_alg_none_token_is_401(client, admin):
    token = _forge({"alg": "none", "typ": "at+jwt"}, _claims(admin))
    assert_problem(_me(client, token), 401, "INVALID_TOKEN")


def test_hs256_token_keyed_with_our_public_key_is_401(app, client, admin):
    jwk = client.get("/.well-known/jwks.json").get_json()["keys"][0]
    public = base64.urlsafe_b64decode(jwk["x"] + "==")
    for secret in (public, json.dumps(jwk).encode(), jwk["x"].encode()):
        token = _forge(
            {"alg": "HS256", "typ": "at+jwt", "kid": jwk["kid"]},
            _claims(admin),
            lambda data, secret=secret: hmac.new(secret, data, hashlib.sha256).digest(),
        )
        assert_problem(_me(client, token), 401, "INVALID_TOKEN")


@pytest.mark.parametrize("changes", [{"aud": "elsewhere"}, {"iss": "someone-else"}])
def test_token_for_another_audience_or_issuer_is_401(app, client, admin, changes):
    assert_problem(_me(client, _signed(app, _claims(admin, **changes))), 401, "INVALID_TOKEN")


def test_token_signed_by_a_key_we_do_not_know_is_401(client, admin):
    stranger = Ed25519PrivateKey.generate()
    for kid in ("unknown", "", "\u0000", "A" * 43):
        headers = {"kid": kid, "typ": "at+jwt"}
        token = jwt.encode(_claims(admin), stranger, algorithm="EdDSA", headers=headers)
        assert_problem(_me(client, token), 401, "INVALID_TOKEN")
    for kid in (42, ["a"], {"a": 1}):
        token = _forge({"alg": "EdDSA", "typ": "at+jwt", "kid": kid}, _claims(admin))
        assert_problem(_me(client, token), 401, "INVALID_TOKEN")


def test_token_of_another_type_is_401(app, client, admin):
    assert_problem(_me(client, _signed(app, _claims(admin), typ="JWT")), 401, "INVALID_TOKEN")


def test_jwks_serves_the_public_key_that_verifies_tokens(app, client, admin):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    keys = response.get_json()["keys"]
    kid = jwt.get_unverified_header(admin.access_token)["kid"]
    (jwk,) = [k for k in keys if k["kid"] == kid]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA"
    assert "d" not in jwk  # never the private half
    claims = jwt.decode(
        admin.access_token,
        jwt.PyJWK(jwk).key,
        algorithms=["EdDSA"],
        audience="portal",
        issuer="portal-identity",
    )
    assert claims["sub"] == admin.user_id


def test_two_workers_generating_the_first_key_agree_on_one(new_database, amqp_url):
    app = create_app(SQLALCHEMY_DATABASE_URI=new_database("identity"), AMQP_URL=amqp_url)
    with app.app_context():
        # Two processes that each found no key (the race path itself): both insert, the loser
        # re-reads the winner's.
        first = KeyRing()._generate()
        second = KeyRing()._generate()
        assert first.kid == second.kid
    assert count(app, SigningKey) == 1
    keys = app.test_client().get("/.well-known/jwks.json").get_json()["keys"]
    assert [k["kid"] for k in keys] == [first.kid]


def test_a_key_from_the_environment_replaces_the_database(new_database, amqp_url):
    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    app = create_app(
        SQLALCHEMY_DATABASE_URI=new_database("identity"), AMQP_URL=amqp_url, SIGNING_KEY_PEM=pem
    )
    client = app.test_client()
    keys = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert len(keys) == 1
    with app.app_context():
        assert app.extensions["identity.keys"].signing_key().kid == keys[0]["kid"]
    assert count(app, SigningKey) == 0
