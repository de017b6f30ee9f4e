"""Server side of Cognito's SRP-6a variant (USER_SRP_AUTH and DEVICE_SRP_AUTH proofs).

Pure math, no moto: the sandbox backend keeps an :class:`SrpState` in its auth session between
``InitiateAuth``/``DEVICE_SRP_AUTH`` (which answers with :func:`challenge_parameters`) and the
``PASSWORD_VERIFIER``/``DEVICE_PASSWORD_VERIFIER`` answer (checked with :func:`check_claim`).

The group parameters, hashing and padding helpers come from pycognito's client
(``pycognito.aws_srp``), so both sides pad and hash the same way:

- ``x = H(pad(salt) | H(identity_prefix + user_id + ":" + password))``, ``v = g^x mod N``
- ``k = H(pad(N) | pad(g))``, ``B = (k*v + g^b) mod N``, ``u = H(pad(A) | pad(B))``
- ``S = (A * v^u)^b mod N``, ``key = HKDF(pad(S), salt=pad(u), info="Caldera Derived Key")[:16]``
- signature = base64(HMAC-SHA256(key, identity_prefix + user_id + secret_block_bytes + timestamp))

``identity_prefix`` is the pool's short id (the part after ``_`` in ``us-east-1_AbC``) for users,
or the device group key for devices (whose ``user_id`` is the device key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import asdict, dataclass, field

from pycognito.aws_srp import (
    G_HEX,
    N_HEX,
    calculate_u,
    compute_hkdf,
    hash_sha256,
    hex_hash,
    hex_to_long,
    long_to_hex,
    pad_hex,
)

__all__ = [
    "SrpState",
    "challenge_parameters",
    "check_claim",
    "device_verifier_from_config",
    "new_salt_hex",
    "start",
    "user_verifier",
    "valid_timestamp",
]

_N = hex_to_long(N_HEX)
_G = hex_to_long(G_HEX)
_K = hex_to_long(hex_hash(pad_hex(_N) + pad_hex(_G)))

#: Size of the opaque SECRET_BLOCK the sandbox issues. Real Cognito's block is an encrypted
#: blob of roughly 1 KB; its content is never interpreted by clients, only echoed back.
SECRET_BLOCK_BYTES = 256

# "Tue Mar 4 09:05:07 UTC 2025": pycognito's format (``%a %b %d %H:%M:%S UTC %Y`` with the
# day's leading zero stripped). [UNVERIFIED] Real Cognito is reported (pycognito comment,
# "required by AWS Cognito") to refuse a zero-padded day; the sandbox does the same.
_TIMESTAMP_RE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([1-9]|[12][0-9]|3[01]) "
    r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] UTC [0-9]{4}"
)


@dataclass
class SrpState:
    """One SRP exchange in progress; JSON-serialisable (hex strings) for the auth session.

    ``b_hex`` is the server's private value and ``verifier_hex`` the password verifier: both
    are kept out of ``repr`` so they never show up in logs or journals.
    """

    b_hex: str = field(repr=False)
    B_hex: str
    A_hex: str
    salt_hex: str
    secret_block: str = field(repr=False)
    verifier_hex: str = field(repr=False)

    def to_dict(self) -> dict[str, str]:
        """Plain dict of hex strings (JSON-ready)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> SrpState:
        """Inverse of :meth:`to_dict`."""
        return cls(**data)


def new_salt_hex() -> str:
    """A fresh random 16-byte salt, as hex padded the way clients pad it."""
    return pad_hex(secrets.token_hex(16))


def user_verifier(pool_short_id: str, user_id_for_srp: str, password: str, salt_hex: str) -> str:
    """Password verifier ``v = g^x mod N`` for a user, as hex (what a server stores)."""
    return _verifier_hex(f"{pool_short_id}{user_id_for_srp}:{password}", salt_hex)


def device_verifier_from_config(password_verifier_b64: str, salt_b64: str) -> tuple[str, str]:
    """Decode ConfirmDevice's ``DeviceSecretVerifierConfig`` into ``(verifier_hex, salt_hex)``.

    Raises ``ValueError`` if either field is not valid base64 or is empty.
    """
    verifier = _b64decode(password_verifier_b64, "PasswordVerifier")
    salt = _b64decode(salt_b64, "Salt")
    if not verifier or not salt:
        raise ValueError("PasswordVerifier and Salt must not be empty")
    if int.from_bytes(verifier, "big") % _N == 0:
        raise ValueError("PasswordVerifier is not a valid SRP verifier")
    # Returned as sent: clients already pad both (pycognito ``pad_hex``), and the SALT echoed in
    # DEVICE_PASSWORD_VERIFIER must be exactly the salt the client hashed at ConfirmDevice.
    return verifier.hex(), salt.hex()


def start(verifier_hex: str, salt_hex: str, srp_a_hex: str) -> SrpState:
    """Begin an exchange for the client's ``SRP_A``: pick ``b``, compute ``B``, issue a block.

    Raises ``ValueError`` if ``SRP_A`` is not hex or ``A mod N == 0`` (SRP-6a safety check).
    """
    try:
        big_a = hex_to_long(srp_a_hex)
    except (TypeError, ValueError) as exc:
        raise ValueError("SRP_A is not a hexadecimal number") from exc
    if big_a % _N == 0:
        raise ValueError("SRP_A mod N must not be zero")
    v = hex_to_long(verifier_hex)
    while True:
        b = secrets.randbits(1024) % _N
        big_b = (_K * v + pow(_G, b, _N)) % _N
        if b and big_b and calculate_u(big_a, big_b) != 0:
            break
    return SrpState(
        b_hex=long_to_hex(b),
        B_hex=long_to_hex(big_b),
        A_hex=long_to_hex(big_a),
        salt_hex=salt_hex,
        secret_block=base64.standard_b64encode(secrets.token_bytes(SECRET_BLOCK_BYTES)).decode(),
        verifier_hex=verifier_hex,
    )


def challenge_parameters(state: SrpState) -> dict[str, str]:
    """The SRP part of a PASSWORD_VERIFIER / DEVICE_PASSWORD_VERIFIER challenge.

    The backend adds ``USERNAME``, ``USER_ID_FOR_SRP`` (or ``DEVICE_KEY``) itself.
    """
    return {"SALT": state.salt_hex, "SRP_B": state.B_hex, "SECRET_BLOCK": state.secret_block}


def valid_timestamp(timestamp: str) -> bool:
    """True if ``timestamp`` has Cognito's shape, e.g. ``"Tue Mar 4 09:05:07 UTC 2025"``."""
    return _TIMESTAMP_RE.fullmatch(timestamp) is not None


def check_claim(
    state: SrpState,
    *,
    identity_prefix: str,
    user_id: str,
    signature_b64: str,
    secret_block: str,
    timestamp: str,
) -> bool:
    """Check a ``PASSWORD_CLAIM_SIGNATURE`` against the exchange in ``state``.

    ``identity_prefix`` is the pool short id (user SRP) or the device group key (device SRP);
    ``user_id`` is ``USER_ID_FOR_SRP`` or the device key. ``secret_block`` is the client's
    ``PASSWORD_CLAIM_SECRET_BLOCK`` and must be the one this exchange issued. Returns False
    (never raises) for any malformed input. Only the timestamp's format is checked, not its
    distance from the server clock.
    """
    if not hmac.compare_digest(secret_block.encode(), state.secret_block.encode()):
        return False
    if not valid_timestamp(timestamp):
        return False
    try:
        claimed = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        message = (
            identity_prefix.encode("utf-8")
            + user_id.encode("utf-8")
            + base64.standard_b64decode(state.secret_block)
            + timestamp.encode("utf-8")
        )
    except UnicodeEncodeError:
        return False
    expected = hmac.new(_session_key(state), message, hashlib.sha256).digest()
    return hmac.compare_digest(claimed, expected)


def _session_key(state: SrpState) -> bytes:
    """HKDF-derived 16-byte key from the shared secret ``S = (A * v^u)^b mod N``."""
    big_a = hex_to_long(state.A_hex)
    big_b = hex_to_long(state.B_hex)
    v = hex_to_long(state.verifier_hex)
    b = hex_to_long(state.b_hex)
    u = calculate_u(big_a, big_b)
    s = pow(big_a * pow(v, u, _N), b, _N)
    return compute_hkdf(
        bytearray.fromhex(pad_hex(s)),
        bytearray.fromhex(pad_hex(long_to_hex(u))),
    )


def _verifier_hex(identity: str, salt_hex: str) -> str:
    identity_hash = hash_sha256(identity.encode("utf-8"))
    x = hex_to_long(hex_hash(pad_hex(salt_hex) + identity_hash))
    return pad_hex(pow(_G, x, _N))


def _b64decode(value: str, name: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{name} is not valid base64") from exc
