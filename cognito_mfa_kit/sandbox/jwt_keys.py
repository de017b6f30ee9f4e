"""Each pool's RS256 signing key and its JWKS, as Cognito publishes at ``/<pool-id>/.well-known/jwks.json``."""

from __future__ import annotations

import json
import secrets
from functools import cached_property
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class PoolKey:
    """An RSA key with a key id; generated on first use, kept as PEM in the sandbox state."""

    def __init__(self, pem: str | None = None, kid: str | None = None) -> None:
        self._pem = pem
        self.kid = kid or secrets.token_urlsafe(32)

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        if self._pem is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self._pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()
            return key
        loaded = serialization.load_pem_private_key(self._pem.encode(), password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)  # noqa: S101 - narrows the type: the key generated above
        return loaded

    @property
    def pem(self) -> str:
        self.private_key  # noqa: B018 - generate on first use
        assert self._pem is not None  # noqa: S101 - narrows the type: the key generated above
        return self._pem

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def jwk(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {"alg": "RS256", "e": public["e"], "kid": self.kid, "kty": "RSA", "n": public["n"],
                "use": "sig"}
