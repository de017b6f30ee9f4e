"""TOTP for Cognito software-token MFA: key URI, QR code, clocks and a virtual authenticator.

Cognito's TOTP is plain RFC 6238: SHA-1, 6 digits, 30-second steps, and it accepts a code from the
current step or one step either side (about ±30 s of clock skew). Codes come from pyotp; QR codes
from qrcode (+ pillow for PNG).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, runtime_checkable
from urllib.parse import quote

import pyotp

__all__ = [
    "DEFAULT_ISSUER",
    "DIGITS",
    "PERIOD",
    "Clock",
    "HttpSandboxClock",
    "OffsetClock",
    "SystemClock",
    "VirtualAuthenticator",
    "is_six_digits",
    "key_uri",
    "normalise_code",
    "normalise_secret",
    "qr_png",
    "qr_svg",
]

PERIOD = 30
DIGITS = 6
DEFAULT_ISSUER = "Example Corp"  # the course's product name: lesson 02 advises against Amplify UI's "AWSCognito"

_BASE32 = re.compile(r"[A-Z2-7]+")
# Unpadded base32 lengths that decode to whole bytes: 8n + {0, 2, 4, 5, 7} characters.
_VALID_REMAINDERS = {0, 2, 4, 5, 7}
_SIX_DIGITS = re.compile(r"[0-9]{6}")


def _mask(secret: str) -> str:
    return f"****({len(secret)} chars)"


def normalise_secret(secret: str) -> str:
    """Return ``secret`` as canonical base32: upper case, no spaces, no ``=`` padding.

    Raises ``ValueError`` (naming what is wrong, never echoing the secret) if it is empty, has
    characters outside A–Z/2–7, or has a length that cannot be base32.
    """
    if not isinstance(secret, str):
        raise ValueError(f"a TOTP secret is a base32 string; got {type(secret).__name__}")
    cleaned = re.sub(r"\s+", "", secret).rstrip("=").upper()
    if not cleaned:
        raise ValueError("the TOTP secret is empty")
    if not _BASE32.fullmatch(cleaned):
        bad = sorted({c for c in cleaned if not ("A" <= c <= "Z" or "2" <= c <= "7")})
        raise ValueError(
            "a TOTP secret is base32 (letters A-Z and digits 2-7 only); "
            f"it contains {', '.join(repr(c) for c in bad)}"
        )
    if len(cleaned) % 8 not in _VALID_REMAINDERS:
        raise ValueError(
            f"a TOTP secret of {len(cleaned)} base32 characters is not valid base32 "
            "(it looks truncated: check you copied the whole secret)"
        )
    try:
        base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except binascii.Error as exc:  # pragma: no cover - excluded by the checks above
        raise ValueError(f"the TOTP secret is not valid base32: {exc}") from None
    return cleaned


def _check_label_part(value: str, what: str) -> None:
    if ":" in value:
        raise ValueError(
            f"the {what} must not contain ':' (it separates issuer and account in the label); "
            f"got {value!r}"
        )


def key_uri(secret: str, account_name: str, issuer: str = DEFAULT_ISSUER) -> str:
    """Google Authenticator key URI for ``secret``, e.g. to put in a QR code.

    ``otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30``;
    issuer and account are percent-encoded (a space is ``%20``, never ``+``). An empty ``issuer``
    leaves it out (the label is then just the account, as in AWS's own examples).

    Built on ``urllib.parse.quote`` rather than pyotp's ``provisioning_uri`` because pyotp 2.12.1
    (a) drops ``algorithm``/``digits``/``period`` when they are the defaults, (b) quotes the label
    with ``safe='/'`` so a ``/`` in an account would split the URI path, and (c) refuses the short
    secrets some backends issue (moto's stock ``asdfasdfasdf``) in its constructor.
    """
    canonical = normalise_secret(secret)
    if not isinstance(account_name, str) or not account_name.strip():
        raise ValueError("the account name is empty (use the user's name or email)")
    _check_label_part(account_name, "account name")
    _check_label_part(issuer or "", "issuer")
    label = quote(account_name, safe="")
    params = [f"secret={canonical}"]
    if issuer:
        label = f"{quote(issuer, safe='')}:{label}"
        params.append(f"issuer={quote(issuer, safe='')}")
    params += ["algorithm=SHA1", f"digits={DIGITS}", f"period={PERIOD}"]
    return f"otpauth://totp/{label}?{'&'.join(params)}"


def _qr(uri: str, box_size: int) -> Any:
    import qrcode
    import qrcode.constants

    if not isinstance(uri, str) or not uri:
        raise ValueError("nothing to encode: the URI is empty")
    if box_size < 1:
        raise ValueError(f"box_size must be at least 1; got {box_size}")
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4
    )
    qr.add_data(uri)
    qr.make(fit=True)
    return qr


def qr_png(uri: str, *, box_size: int = 6) -> bytes:
    """The QR code of ``uri`` as PNG bytes (``box_size`` pixels per module, 4-module quiet zone)."""
    from qrcode.image.pil import PilImage

    img = _qr(uri, box_size).make_image(image_factory=PilImage)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as a standalone SVG document (a single ``<path>``)."""
    from qrcode.image.svg import SvgPathImage

    img = _qr(uri, 10).make_image(image_factory=SvgPathImage)
    data = img.to_string(encoding="unicode")
    return data if isinstance(data, str) else data.decode("utf-8")


# --------------------------------------------------------------------------- clocks


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the time in epoch seconds."""

    def now(self) -> float: ...


class SystemClock:
    """This machine's clock."""

    def now(self) -> float:
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class OffsetClock:
    """This machine's clock shifted by ``offset_seconds`` (e.g. a phone running fast)."""

    def __init__(self, offset_seconds: float) -> None:
        self.offset_seconds = float(offset_seconds)

    def now(self) -> float:
        return time.time() + self.offset_seconds

    def __repr__(self) -> str:
        return f"OffsetClock({self.offset_seconds:+g})"


#: ``fetch(url, timeout)`` → the JSON answer of a GET (e.g. signed for a sandbox that checks credentials)
Fetch = Callable[[str, float], Any]


def _plain_get(url: str, timeout: float) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - the sandbox's http URL
        return json.loads(resp.read().decode("utf-8"))


class HttpSandboxClock:
    """A sandbox clock: ``time.time() + offset``, the offset read from ``GET <endpoint>/_sandbox/clock`` (JSON
    ``{"now": <epoch>, "offset": <seconds>}``), or ``?pool=<id>`` for a user pool's own clock.

    The offset is fetched on first use, on :meth:`refresh`, and again by ``now()`` once it is older
    than ``max_age`` seconds: every notebook of a course shares one sandbox, and another notebook may
    have moved the clock. If that re-read fails, the last known offset stays in use; only the first
    read raises ``ConnectionError`` when the sandbox cannot be reached.
    """

    def __init__(
        self,
        endpoint_url: str,
        *,
        pool: str | None = None,
        timeout: float = 2.0,
        max_age: float = 5.0,
        fetch: Fetch | None = None,
    ) -> None:
        self.pool = pool
        self.url = endpoint_url.rstrip("/") + "/_sandbox/clock" + (f"?pool={quote(pool, safe='')}" if pool else "")
        self.timeout = timeout
        self.max_age = max_age
        self._fetch = fetch or _plain_get
        self._offset: float | None = None
        self._read_at = 0.0
        # Bumped by seen(): a read that was already on its way when the clock moved is older than what seen() took
        # (a widget's ticker re-reading while a lesson puts the clock back) and must not overwrite it.
        self._moves = 0
        self._lock = threading.Lock()

    def refresh(self) -> float:
        """Re-read the clock's offset and return it."""
        with self._lock:
            moves = self._moves
        try:
            data = self._fetch(self.url, self.timeout)
        except (OSError, ValueError) as exc:
            raise ConnectionError(f"could not read the sandbox clock at {self.url}: {exc}") from exc
        if isinstance(data, dict) and isinstance(data.get("offset"), (int, float)):
            offset = float(data["offset"])
        elif isinstance(data, dict) and isinstance(data.get("now"), (int, float)):
            offset = float(data["now"]) - time.time()
        else:
            raise ConnectionError(f"unexpected answer from {self.url}: {data!r}")
        with self._lock:
            if self._moves == moves or self._offset is None:  # else: the clock moved meanwhile, seen() knows better
                self._offset, self._read_at = offset, time.monotonic()
            assert self._offset is not None  # noqa: S101 - narrows the type: set above or by seen()
            return self._offset

    @property
    def offset(self) -> float:
        """Seconds this clock runs ahead of this machine (fetched on first use)."""
        if self._offset is None:
            self.refresh()
        assert self._offset is not None  # noqa: S101 - narrows the type: set by the read above
        return self._offset

    def now(self) -> float:
        if self._offset is not None and time.monotonic() - self._read_at > self.max_age:
            try:
                self.refresh()
            except ConnectionError:
                self._read_at = time.monotonic()  # keep the last offset; try again later
        return time.time() + self.offset

    def __repr__(self) -> str:
        off = "?" if self._offset is None else f"{self._offset:+g}"
        return f"HttpSandboxClock({self.url!r}, offset={off})"

    def seen(self, offset: float) -> None:
        """Take an offset the caller just read (e.g. from its own POST), without another request; a read already
        under way (another thread's) does not overwrite it."""
        with self._lock:
            self._moves += 1
            self._offset, self._read_at = float(offset), time.monotonic()


# --------------------------------------------------------------------------- authenticator


class _AnyLengthTOTP(pyotp.TOTP):
    """pyotp's TOTP without its 112-bit minimum key length.

    pyotp >= 2.12 checks ``len(decoded) * 8 >= min_secret_length_bits`` (112) in ``byte_secret()``
    and in the constructor; that rule is for *issuing* secrets. A virtual authenticator must replay
    whatever secret the backend issued (Cognito's are 256-bit; moto's stock one is 56-bit), so it
    lowers the floor through pyotp's documented class attribute. HMAC and truncation stay pyotp's.
    """

    min_secret_length_bits: ClassVar[int] = 8


class VirtualAuthenticator:
    """An authenticator app in Python: gives the codes a phone would show for ``secret``.

    Accepts secrets in any case, with spaces or ``=`` padding, and short ones (see
    :class:`_AnyLengthTOTP`). Time comes from ``clock`` (default: this machine).
    """

    def __init__(
        self,
        secret: str,
        clock: Clock | None = None,
        *,
        account_name: str = "trainee",
        issuer: str = DEFAULT_ISSUER,
    ) -> None:
        self._secret = normalise_secret(secret)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.account_name = account_name
        self.issuer = issuer
        self._totp = _AnyLengthTOTP(self._secret, digits=DIGITS, interval=PERIOD)

    @property
    def secret(self) -> str:
        """The canonical base32 secret (handle with care: it is the second factor)."""
        return self._secret

    def code_at(self, t: float) -> str:
        """The 6-digit code for epoch time ``t``."""
        return self._totp.at(t)

    def code(self) -> str:
        """The code shown now (by ``clock``)."""
        return self.code_at(self.clock.now())

    def next_code(self) -> str:
        """The code of the next 30-second step (what the app shows after the countdown)."""
        return self._totp.at(self.clock.now(), counter_offset=1)

    def step(self) -> int:
        """The RFC 6238 counter now: ``floor(now / 30)``."""
        return self._totp.timecode(self.clock.now())

    def seconds_left(self) -> int:
        """Whole seconds until the code changes (1–30)."""
        return PERIOD - int(self.clock.now()) % PERIOD

    def key_uri(self) -> str:
        """The key URI for this authenticator's secret, account name and issuer."""
        return key_uri(self._secret, self.account_name, self.issuer)

    def __repr__(self) -> str:
        return (
            f"VirtualAuthenticator(secret={_mask(self._secret)!s}, account_name="
            f"{self.account_name!r}, issuer={self.issuer!r}, clock={self.clock!r})"
        )


# --------------------------------------------------------------------------- codes


def is_six_digits(s: str) -> bool:
    """True if ``s`` is exactly six ASCII digits (no spaces)."""
    return isinstance(s, str) and bool(_SIX_DIGITS.fullmatch(s))


def normalise_code(s: str) -> str:
    """Strip whitespace from a typed code ("123 456" → "123456") and check it is 6 digits.

    Raises ``ValueError`` saying what is wrong: "only digits…" or "a code is 6 digits; got 5".
    """
    if not isinstance(s, str):
        raise ValueError(f"a code is text of 6 digits; got {type(s).__name__}")
    code = re.sub(r"\s+", "", s)
    if not code:
        raise ValueError("a code is 6 digits; got nothing")
    bad = sorted({c for c in code if not "0" <= c <= "9"})
    if bad:
        raise ValueError(f"only digits in a code; found {', '.join(repr(c) for c in bad)}")
    if len(code) != DIGITS:
        raise ValueError(f"a code is {DIGITS} digits; got {len(code)}")
    return code
