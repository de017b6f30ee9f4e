"""Tests for cognito_mfa_kit.totp: key URI, QR, clocks, virtual authenticator, code checks."""

from __future__ import annotations

import base64
import io
import json
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP as CryptoTOTP
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from cognito_mfa_kit.totp import (
    Clock,
    HttpSandboxClock,
    OffsetClock,
    SystemClock,
    VirtualAuthenticator,
    is_six_digits,
    key_uri,
    normalise_code,
    normalise_secret,
    qr_png,
    qr_svg,
)

COGNITO_LIKE = base64.b32encode(bytes(range(32))).decode().rstrip("=")  # 52 chars, like Cognito
MOTO_STOCK = "asdfasdfasdf"  # moto 5.2.5 COGNITO_TOTP_MFA_SECRET: 56 bits, lower case


class FixedClock:
    def __init__(self, t: float) -> None:
        self.t = t

    def now(self) -> float:
        return self.t


def crypto_code(secret: str, t: float) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    totp = CryptoTOTP(key, 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303 - RFC 6238 TOTP is HMAC-SHA1
    return totp.generate(int(t)).decode()


# --------------------------------------------------------------------------- key URI


def test_key_uri_matches_google_example():
    uri = key_uri("HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ", "john.doe@email.com", "ACME Co")
    # Google's wiki example, with '@' percent-encoded (allowed: the account is URI-encoded).
    assert uri == (
        "otpauth://totp/ACME%20Co:john.doe%40email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
        "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
    )


def test_key_uri_default_issuer_and_round_trip():
    uri = key_uri(COGNITO_LIKE, "alice")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert unquote(parts.path) == "/Example Corp:alice"  # not Amplify UI's "AWSCognito" (lesson 02)
    q = parse_qs(parts.query)
    assert q == {
        "secret": [COGNITO_LIKE],
        "issuer": ["Example Corp"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }


def test_key_uri_space_is_percent20_and_slash_is_encoded():
    uri = key_uri(COGNITO_LIKE, "dept/bob smith", "My Org+Co")
    assert "+" not in uri.split("?")[0] and " " not in uri
    assert "My%20Org%2BCo:dept%2Fbob%20smith" in uri
    assert "issuer=My%20Org%2BCo" in uri
    assert urlsplit(uri).path.count("/") == 1


def test_key_uri_parsed_back_by_pyotp():
    uri = key_uri(COGNITO_LIKE, "carol@example.com", "Course Lab")
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == COGNITO_LIKE
    assert parsed.name == "carol@example.com"
    assert parsed.issuer == "Course Lab"


def test_key_uri_normalises_secret_and_accepts_short_secret():
    uri = key_uri("asdf asdf asdf", "x")
    assert "secret=ASDFASDFASDF&" in uri


def test_key_uri_without_issuer():
    uri = key_uri(COGNITO_LIKE, "dave", "")
    assert uri.startswith("otpauth://totp/dave?secret=")
    assert "issuer=" not in uri


@pytest.mark.parametrize(
    ("secret", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ABCDEFGH1", "'1'"),
        ("abc!defg", "'!'"),
        ("ABCDEFGHI", "9 base32 characters"),
    ],
)
def test_key_uri_rejects_bad_secret(secret, fragment):
    with pytest.raises(ValueError, match=r"secret|base32") as info:
        key_uri(secret, "alice")
    assert fragment in str(info.value)


def test_bad_secret_message_does_not_echo_secret():
    with pytest.raises(ValueError) as info:
        normalise_secret("SECRETVALUE8")
    assert "SECRETVALUE" not in str(info.value)


@pytest.mark.parametrize(("account", "issuer"), [("a:b", "X"), ("alice", "Acme:Corp"), ("", "X")])
def test_key_uri_rejects_bad_label(account, issuer):
    with pytest.raises(ValueError, match=r"':'|account name is empty"):
        key_uri(COGNITO_LIKE, account, issuer)


# --------------------------------------------------------------------------- QR


def test_qr_png_is_png_and_grows_with_data():
    small = qr_png(key_uri(COGNITO_LIKE, "a"))
    big = qr_png(key_uri(COGNITO_LIKE, "a" * 120, "Issuer " * 10))
    assert small[:8] == b"\x89PNG\r\n\x1a\n"
    w_small, h_small = Image.open(io.BytesIO(small)).size
    w_big, h_big = Image.open(io.BytesIO(big)).size
    assert w_small == h_small and w_big == h_big
    assert w_big > w_small


def test_qr_png_box_size_scales_image():
    uri = key_uri(COGNITO_LIKE, "a")
    w3 = Image.open(io.BytesIO(qr_png(uri, box_size=3))).size[0]
    w6 = Image.open(io.BytesIO(qr_png(uri, box_size=6))).size[0]
    assert w6 == 2 * w3
    with pytest.raises(ValueError):
        qr_png(uri, box_size=0)


def test_qr_svg_parses_with_a_path():
    svg = qr_svg(key_uri(COGNITO_LIKE, "alice"))
    root = ET.fromstring(svg)  # noqa: S314 - the kit's own SVG, not untrusted input
    assert root.tag.endswith("svg")
    paths = [el for el in root.iter() if el.tag.endswith("path")]
    assert paths and paths[0].get("d")
    assert len(qr_svg("x" * 300)) > len(svg) / 2  # still a QR, not an empty document


def test_qr_rejects_empty():
    with pytest.raises(ValueError):
        qr_svg("")


# --------------------------------------------------------------------------- clocks


def test_clocks_follow_protocol():
    for clock in (SystemClock(), OffsetClock(5), HttpSandboxClock("http://127.0.0.1:1")):
        assert isinstance(clock, Clock)


def test_offset_clock():
    clock = OffsetClock(120)
    before = time.time()
    got = clock.now()
    after = time.time()
    assert before + 120 <= got <= after + 120


@pytest.fixture
def sandbox_clock_server():
    state = {"offset": 90.0, "hits": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/_sandbox/clock":
                self.send_error(404)
                return
            state["hits"] += 1
            body = json.dumps({"now": time.time() + state["offset"], "offset": state["offset"]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", state
    server.shutdown()
    server.server_close()


def test_http_sandbox_clock_fetches_once_and_refreshes(sandbox_clock_server):
    url, state = sandbox_clock_server
    clock = HttpSandboxClock(url)
    assert state["hits"] == 0
    t = clock.now()
    assert abs(t - (time.time() + 90)) < 5
    clock.now()
    assert state["hits"] == 1
    state["offset"] = -600.0
    assert clock.refresh() == -600.0
    assert state["hits"] == 2
    assert abs(clock.now() - (time.time() - 600)) < 5


def test_http_sandbox_clock_follows_moves_made_elsewhere(sandbox_clock_server):
    """Another notebook moved the shared sandbox's clock: this one sees it once its reading is old."""
    url, state = sandbox_clock_server
    clock = HttpSandboxClock(url, max_age=0.2)
    assert abs(clock.now() - (time.time() + 90)) < 5
    state["offset"] = 400.0
    assert abs(clock.now() - (time.time() + 90)) < 5  # fresh reading: no request
    hits = state["hits"]
    time.sleep(0.3)
    assert abs(clock.now() - (time.time() + 400)) < 5
    assert state["hits"] == hits + 1


def test_a_read_in_flight_when_the_clock_is_put_back_does_not_undo_it():
    """A widget's ticker re-reads the pool's clock while the lesson's last cell puts it back on real time: the
    answer it gets, sent before the move, must not replace the offset the move reported (the view showed a code
    90 s ahead for up to five seconds: a real-time sign-in then looked wrong)."""
    import threading

    started, release = threading.Event(), threading.Event()

    def slow_fetch(url: str, timeout: float) -> dict[str, float]:
        started.set()
        release.wait(5)
        return {"now": time.time() + 90, "offset": 90.0}  # what the sandbox said before the move

    clock = HttpSandboxClock("http://127.0.0.1:1", pool="us-east-1_abc", fetch=slow_fetch)
    clock.seen(90.0)
    reader = threading.Thread(target=clock.refresh)
    reader.start()
    assert started.wait(5)
    clock.seen(0.0)  # the lesson put the clock back (its POST's answer)
    release.set()
    reader.join(5)
    assert clock.offset == 0.0
    assert abs(clock.now() - time.time()) < 1


def test_http_sandbox_clock_keeps_its_offset_when_a_reread_fails(sandbox_clock_server):
    url, _state = sandbox_clock_server
    clock = HttpSandboxClock(url, max_age=0.0)
    clock.now()
    clock.url = "http://127.0.0.1:9/_sandbox/clock"  # the sandbox went away
    clock.timeout = 0.5
    assert abs(clock.now() - (time.time() + 90)) < 5


def test_http_sandbox_clock_unreachable():
    clock = HttpSandboxClock("http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(ConnectionError, match="_sandbox/clock"):
        clock.now()


# --------------------------------------------------------------------------- authenticator


def test_rfc6238_vector():
    # RFC 6238 appendix B, SHA-1, key "12345678901234567890", 8 digits -> last 6 digits.
    secret = base64.b32encode(b"12345678901234567890").decode()
    auth = VirtualAuthenticator(secret)
    assert auth.code_at(59) == "287082"
    assert auth.code_at(1111111109) == "081804"
    assert auth.code_at(2000000000) == "279037"


@pytest.mark.parametrize(
    "secret", [MOTO_STOCK, "ASDFASDFASDF", "asdf asdf asdf", "ABCDEFGHIJ", "MZXW6==="]
)
def test_short_and_messy_secrets_match_cryptography(secret):
    auth = VirtualAuthenticator(secret)
    canonical = normalise_secret(secret)
    for t in (0, 59, 1_700_000_000, 1_700_000_029, 1_700_000_030):
        assert auth.code_at(t) == crypto_code(canonical, t)


def test_pyotp_itself_refuses_moto_secret():
    # The reason VirtualAuthenticator exists: stock pyotp 2.12 rejects the 56-bit secret.
    with pytest.raises(ValueError, match="112"):
        pyotp.TOTP(MOTO_STOCK)


@given(key=st.binary(min_size=1, max_size=40), t=st.integers(min_value=0, max_value=2**33))
def test_any_key_matches_cryptography(key, t):
    secret = base64.b32encode(key).decode().rstrip("=").lower()
    assert VirtualAuthenticator(secret).code_at(t) == crypto_code(secret, t)


def test_code_step_seconds_left_next_code_follow_clock():
    t0 = 1_699_999_980  # a multiple of 30: a step starts here
    assert t0 % 30 == 0
    clock = FixedClock(t0 + 5.7)
    auth = VirtualAuthenticator(COGNITO_LIKE, clock)
    assert auth.step() == t0 // 30
    assert auth.seconds_left() == 25
    assert auth.code() == crypto_code(COGNITO_LIKE, clock.t)
    assert auth.next_code() == crypto_code(COGNITO_LIKE, clock.t + 30)
    clock.t = t0 + 29.0  # 1 s left in this step
    assert auth.seconds_left() == 1
    step_before, next_before = auth.step(), auth.next_code()
    clock.t += 1  # a new step begins
    assert auth.seconds_left() == 30
    assert auth.step() == step_before + 1
    assert auth.code() == next_before == crypto_code(COGNITO_LIKE, clock.t)


def test_offset_clock_shifts_codes():
    fast = VirtualAuthenticator(COGNITO_LIKE, OffsetClock(60))
    t = time.time()
    expected = {crypto_code(COGNITO_LIKE, t + 60 + d) for d in (-1, 0, 1)}
    assert fast.code() in expected


def test_authenticator_repr_masks_secret_and_key_uri():
    auth = VirtualAuthenticator(COGNITO_LIKE, account_name="eve", issuer="Lab")
    assert COGNITO_LIKE[:8] not in repr(auth)
    assert "52 chars" in repr(auth)
    assert auth.key_uri() == key_uri(COGNITO_LIKE, "eve", "Lab")


def test_authenticator_rejects_bad_secret():
    with pytest.raises(ValueError, match="empty"):
        VirtualAuthenticator("")
    with pytest.raises(ValueError, match="base32"):
        VirtualAuthenticator("not-base32!")


def test_random_secret_matches_pyotp():
    secret = pyotp.random_base32(32)
    t = time.time()
    assert VirtualAuthenticator(secret).code_at(t) == pyotp.TOTP(secret).at(t)


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("text", "ok"),
    [("123456", True), ("000000", True), ("12345", False), ("1234567", False), ("123 456", False),
     ("12345a", False), ("١٢٣٤٥٦", False), ("", False)],
)
def test_is_six_digits(text, ok):
    assert is_six_digits(text) is ok


def test_normalise_code_strips_spaces():
    assert normalise_code(" 123 456 ") == "123456"
    assert normalise_code("12\t34 56") == "123456"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12345", "a code is 6 digits; got 5"),
        ("1234567", "a code is 6 digits; got 7"),
        ("12a456", "only digits"),
        ("12-456", "only digits"),
        ("١٢٣٤٥٦", "only digits"),
        ("", "got nothing"),
    ],
)
def test_normalise_code_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        normalise_code(text)


def test_secrets_module_codes_are_six_digits():
    auth = VirtualAuthenticator(base64.b32encode(secrets.token_bytes(20)).decode())
    assert is_six_digits(auth.code())
