"""TOTP rules of the sandbox, on each pool's clock, with pyotp.

Cognito facts implemented (reference §2, §3):
- a fresh random base32 secret per AssociateSoftwareToken, 52 characters (32 random bytes, unpadded);
- RFC 6238 codes: SHA-1, 6 digits, 30-second steps, accepted one step early or late, on the pool's clock;
- a code already used once (at VerifySoftwareToken or a sign-in) is refused with ExpiredCodeException;
- a malformed ``UserCode`` fails the model's constraints (length 6, pattern ``[0-9]+``) with Cognito's wording.
"""

from __future__ import annotations

import enum

import pyotp
from moto.cognitoidp.exceptions import InvalidParameterException

SECRET_LENGTH = 52  # base32 characters: 32 random bytes, as Cognito issues them
STEP_SECONDS = 30  # RFC 6238 default; Cognito does not expose it
VALID_WINDOW = 1  # steps either side: "within 30 seconds before or after the attempt"

REUSED_MESSAGE = "Your software token has already been used once."


class CodeCheck(enum.Enum):
    OK = "ok"
    MISMATCH = "mismatch"
    REUSED = "reused"


def new_secret() -> str:
    """A fresh secret as Cognito issues them (base32, 52 characters)."""
    return pyotp.random_base32(length=SECRET_LENGTH)


def check_code(secret: str, code: str, last_counter: int | None, now: float) -> tuple[CodeCheck, int | None]:
    """Check ``code`` against ``secret`` at time ``now`` (the user's pool's clock).

    Returns the outcome and, when OK, the time-step counter it matched (to be remembered as the last one used:
    a code of that step or an earlier one is then refused, as RFC 6238 §5.2 asks and Cognito does).
    """
    totp = pyotp.TOTP(secret)
    here = totp.timecode(now)
    for offset in (0, -1, 1):
        candidate = totp.at(now, counter_offset=offset)
        if _same(candidate, code):
            counter = here + offset
            if last_counter is not None and counter <= last_counter:
                return CodeCheck.REUSED, None
            return CodeCheck.OK, counter
    return CodeCheck.MISMATCH, None


def validate_user_code(code: object, member: str = "userCode") -> str:
    """Apply the service model's constraints on ``UserCode`` the way Cognito words its validation errors."""
    text = "" if code is None else str(code)
    problems = []
    if not text.isdigit() or not text.isascii():
        problems.append(
            f"Value '{text}' at '{member}' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [0-9]+"
        )
    if len(text) < 6:
        problems.append(
            f"Value '{text}' at '{member}' failed to satisfy constraint: "
            "Member must have length greater than or equal to 6"
        )
    elif len(text) > 6:
        problems.append(
            f"Value '{text}' at '{member}' failed to satisfy constraint: "
            "Member must have length less than or equal to 6"
        )
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise InvalidParameterException(f"{count} validation {noun} detected: " + "; ".join(problems))
    return text


def _same(a: str, b: str) -> bool:
    return pyotp.utils.strings_equal(a, b)

