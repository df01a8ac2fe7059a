"""Ed25519 signing keys: the one that signs access tokens, the public keys and the JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm
from sqlalchemy.exc import IntegrityError

from .models import SigningKey, db

KID_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of a SHA-256 thumbprint
# A kid never changes key, but a deleted key must stop verifying: re-read after this long.
PUBLIC_KEY_CACHE_SECONDS = 300


@dataclass(frozen=True)
class KeyPair:
    kid: str
    private_key: Ed25519PrivateKey
    jwk: dict


def _describe(private_key: Ed25519PrivateKey) -> KeyPair:
    jwk = OKPAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    # RFC 7638 thumbprint: the same key always gets the same kid, wherever it is stored.
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return KeyPair(kid, private_key, {**jwk, "kid": kid, "alg": "EdDSA", "use": "sig"})


def _load_pem(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("IDENTITY_SIGNING_KEY_PEM must hold an Ed25519 private key")
    return key


class KeyRing:
    """Per-app access to signing keys; `public_key` is the TokenVerifier's key resolver.

    With IDENTITY_SIGNING_KEY_PEM set, that key is the only one; otherwise the keys live in the
    database and the first is generated on first use.
    """

    def __init__(self, pem: str = "") -> None:
        self._fixed = _describe(_load_pem(pem)) if pem else None
        self._active: KeyPair | None = self._fixed
        self._public: dict[str, tuple[float, Ed25519PublicKey]] = {}

    def signing_key(self) -> KeyPair:
        if self._active is None:
            self._active = self._read_active() or self._generate()
        return self._active

    def public_key(self, kid: str) -> Ed25519PublicKey | None:
        if self._fixed is not None:
            return self._fixed.private_key.public_key() if kid == self._fixed.kid else None
        cached = self._public.get(kid) if isinstance(kid, str) else None
        if cached and time.monotonic() - cached[0] < PUBLIC_KEY_CACHE_SECONDS:
            return cached[1]
        # The kid comes from an unverified header: only a thumbprint-shaped string may be looked up.
        row = db.session.get(SigningKey, kid) if KID_PATTERN.fullmatch(str(kid)) else None
        if row is None:
            return None
        key = OKPAlgorithm.from_jwk(row.public_jwk)
        self._public[kid] = (time.monotonic(), key)
        return key

    def jwks(self) -> dict:
        if self._fixed is not None:
            return {"keys": [self._fixed.jwk]}
        self.signing_key()  # a fresh deployment publishes its key before it signs anything
        rows = db.session.scalars(sa.select(SigningKey).order_by(SigningKey.created_at)).all()
        return {"keys": [json.loads(row.public_jwk) for row in rows]}

    @staticmethod
    def _read_active() -> KeyPair | None:
        row = db.session.scalars(sa.select(SigningKey).where(SigningKey.active)).first()
        return _describe(_load_pem(row.private_key_pem)) if row else None

    def _generate(self) -> KeyPair:
        pair = _describe(Ed25519PrivateKey.generate())
        pem = pair.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        # Own transaction, so the request's pending work is neither committed nor rolled back.
        try:
            with db.engine.begin() as connection:
                connection.execute(
                    sa.insert(SigningKey).values(
                        kid=pair.kid,
                        private_key_pem=pem,
                        public_jwk=json.dumps(pair.jwk),
                        active=True,
                    )
                )
        except IntegrityError:
            pass  # another worker inserted the active key first: the re-read below finds it
        # The request session may hold a snapshot from before the insert; read afresh.
        with db.engine.connect() as connection:
            row = connection.execute(
                sa.select(SigningKey.private_key_pem).where(SigningKey.active)
            ).first()
        return _describe(_load_pem(row.private_key_pem))
