"""Hub passwords: one per trainee, random, kept in the sheet (the hand-out) and checked against a salted hash.

>>> password = new_password()
>>> stored = hash_password(password)          # "scrypt$16384$8$1$<salt>$<hash>" (base64)
>>> check_password(password, stored)
True

The hub never keeps a password itself: the sheet carries it for the trainee to read (as it carries their temporary
Cognito password and their key, mode 0600), and the hub's settings carry only the scrypt hash (``hashlib.scrypt``,
RFC 7914, N=2^14, r=8, p=1: OWASP's minimum for scrypt), checked in constant time. No extra dependency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

#: scrypt's cost parameters (N, r, p) for new hashes; stored with each hash, so they can change later
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_SCHEME = "scrypt"
_KEY_BYTES = 32
# no look-alikes (0/O, 1/l/I): the sheet may be printed and typed by hand
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_password(length: int = 16) -> str:
    """A random hub password (~92 bits for 16 characters), easy to read off a printed sheet."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """The salted scrypt hash of ``password``, with its parameters: ``scrypt$N$r$p$salt$hash``."""
    salt = secrets.token_bytes(16) if salt is None else salt
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=_KEY_BYTES)
    return "$".join([_SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(key)])


def check_password(password: str, stored: str) -> bool:
    """True if ``password`` matches the hash ``stored``; False for anything else, a malformed hash included."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(key, validate=True)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt, validate=True), n=int(n),
                             r=int(r), p=int(p), dklen=len(expected), maxmem=2**26)
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(got, expected)
