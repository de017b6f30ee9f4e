"""A virtual passkey: a software WebAuthn authenticator that makes attestations ("none" format) and assertions with an
ES256 key, as a browser and a platform authenticator would (W3C WebAuthn Level 2 §6.1 authenticator data, §6.5.4
attested credential data, §8.7 "none" attestation) — for lessons and tests without a browser, as
:class:`~cognito_mfa_kit.totp.VirtualAuthenticator` stands in for a phone. The sandbox (and Cognito) check what it
makes with a WebAuthn library (the sandbox: ``webauthn``).

>>> key = VirtualPasskey()
>>> credential = key.create(creation_options, "https://login.example.com")     # → CompleteWebAuthnRegistration
>>> assertion = key.get(request_options, "https://login.example.com")          # → WEB_AUTHN's CREDENTIAL

The private key never leaves the object and ``repr`` shows only the credential id.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class VirtualPasskey:
    """One credential (made by :meth:`create`) of one authenticator; ``user_verifying=False`` is an authenticator
    that can't verify the user (no PIN or biometrics: the UV flag stays off)."""

    def __init__(self, *, user_verifying: bool = True) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.user_verifying = user_verifying
        self.counter = 0
        self.user_handle: bytes = b""

    def __repr__(self) -> str:
        return f"VirtualPasskey(credential_id={b64url(self.credential_id)[:10]}…, user_verifying={self.user_verifying})"

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _auth_data(self, rp_id: str, *, attested: bool) -> bytes:
        flags = UP | (UV if self.user_verifying else 0) | (AT if attested else 0)
        self.counter += 1
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.counter)
        if attested:
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_key()
        return data

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def create(self, options: dict[str, Any], origin: str, *, rp_id: str | None = None) -> dict[str, Any]:
        """navigator.credentials.create(): the RegistrationResponseJSON for CredentialCreationOptions (``rp_id``:
        make it for another relying party, to show the refusal)."""
        self.user_handle = unb64url(options["user"]["id"])
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        auth_data = self._auth_data(rp_id or options["rp"]["id"], attested=True)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                         "transports": ["internal"]},
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
        }

    def get(self, options: dict[str, Any], origin: str, *, key: Any = None) -> dict[str, Any]:
        """navigator.credentials.get(): the AuthenticationResponseJSON for CredentialRequestOptions (``key``:
        sign with another key, to forge)."""
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._auth_data(options["rpId"], attested=False)
        signature = (key or self.key).sign(auth_data + hashlib.sha256(client_data).digest(),
                                           ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                         "signature": b64url(signature), "userHandle": b64url(self.user_handle)},
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
        }
