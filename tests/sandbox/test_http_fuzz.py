"""HTTP fuzz of a real sandbox server (a ``cognito-mfa-kit sandbox`` subprocess on loopback): no input gets a 5xx or
kills the server, every answer is well-formed HTTP whose error body is JSON with a named ``__type``, the server logs
nothing (no traceback, no request lines), and its memory stays bounded under a burst of large and chunked bodies.

Three generators (hypothesis, bounded in count; each request has a short socket timeout):
- raw HTTP: methods, paths, versions, headers and framings (Content-Length right or wrong, chunked, none), bodies;
- JSON bodies for every cognito-idp operation, from its input shape in the service model: mostly well-typed values
  (some naming a real pool, app client, user, access token), sometimes wrong types, missing or unknown members;
- arbitrary JSON documents to every operation.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import boto3
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.core.utils import camelcase_to_underscores

from cognito_mfa_kit.sandbox import protocol
from cognito_mfa_kit.sandbox.responses import SandboxResponse

PREFIX = "AWSCognitoIdentityProviderService"
PASSWORD = "Fuzz-Pass-123!"


def _settings(examples: int) -> settings:
    """Bounded: ``examples`` requests, no per-example deadline (a socket timeout bounds each), no saved examples."""
    return settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@dataclass
class Server:
    url: str
    host: str
    port: int
    proc: subprocess.Popen[str]
    stderr_path: str
    known: dict[str, list[str]]

    def stderr(self) -> str:
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    stderr = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)  # noqa: SIM115 - the server's, while it runs
    proc = subprocess.Popen([sys.executable, "-m", "cognito_mfa_kit", "sandbox", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=stderr, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    parsed = urlparse(url)
    known = _seed(url)
    box = Server(url, parsed.hostname or "127.0.0.1", parsed.port or 0, proc, stderr.name, known)
    yield box
    proc.terminate()
    proc.wait(timeout=10)
    os.unlink(stderr.name)


def _seed(url: str) -> dict[str, list[str]]:
    """A pool, app client, user and tokens, so that fuzzed calls reach past "does not exist"."""
    cognito = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1",
                           aws_access_key_id="fuzz", aws_secret_access_key="fuzz")
    pool = cognito.create_user_pool(PoolName="fuzz")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="fuzz",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                           "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool, Username="fuzzer", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "fuzzer@example.com"}])
    cognito.admin_set_user_password(UserPoolId=pool, Username="fuzzer", Password=PASSWORD, Permanent=True)
    tokens = cognito.admin_initiate_auth(UserPoolId=pool, ClientId=client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": "fuzzer", "PASSWORD": PASSWORD})
    result = tokens["AuthenticationResult"]
    return {"UserPoolId": [pool], "ClientId": [client], "Username": ["fuzzer"], "AccessToken": [result["AccessToken"]],
            "RefreshToken": [result["RefreshToken"]], "Token": [result["RefreshToken"]], "Password": [PASSWORD]}


# ------------------------------------------------------------------------------------------------- HTTP client
class Malformed(AssertionError):
    pass


def _exchange(server: Server, request: bytes, *, head: bool = False) -> tuple[int, dict[str, str], bytes]:
    """Send one raw request (then half-close), read exactly one final answer; fail on anything malformed."""
    with socket.create_connection((server.host, server.port), timeout=15) as sock:
        try:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may refuse early (a 413 before the body) and hang up; its answer is still readable
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    raise Malformed(f"no complete answer; got {data[:200]!r} for {request[:200]!r}")
                data += chunk
            head_bytes, _, rest = data.partition(b"\r\n\r\n")
            lines = head_bytes.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ", 2)
            if len(parts) < 2 or parts[0] != "HTTP/1.1" or not parts[1].isdigit():
                raise Malformed(f"bad status line {lines[0]!r}")
            status = int(parts[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if not sep or not name or name != name.strip():
                    raise Malformed(f"bad header line {line!r}")
                headers[name.lower()] = value.strip()
            if status == 100:  # an interim answer to Expect: 100-continue
                data = rest
                continue
            break
        if "content-length" not in headers or not headers["content-length"].isdigit():
            raise Malformed(f"no Content-Length in {headers}")
        length = int(headers["content-length"])
        body = rest
        if not head:
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    raise Malformed("the body is shorter than its Content-Length")
                body += chunk
            body = body[:length]
        return status, headers, body


def _check(status: int, headers: dict[str, str], body: bytes, *, head: bool = False, what: Any = None) -> None:
    assert status < 500, f"HTTP {status} for {what!r}: {body[:500]!r}"
    if status >= 400 and not head:
        payload = json.loads(body)
        assert isinstance(payload, dict) and isinstance(payload.get("__type"), str) and payload["__type"], payload
        assert isinstance(payload.get("message"), str), payload


def _post_json(server: Server, operation: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    request = (f"POST / HTTP/1.1\r\nHost: {server.host}\r\nContent-Type: application/x-amz-json-1.1\r\n"
               f"X-Amz-Target: {PREFIX}.{operation}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
               ).encode() + body
    return _exchange(server, request)


def _still_serves(server: Server) -> None:
    assert server.proc.poll() is None, "the sandbox died"
    status, _, body = _post_json(server, "ListUserPools", b'{"MaxResults": 5}')
    assert status == 200 and "UserPools" in json.loads(body)


# ------------------------------------------------------------------------------------------------- raw HTTP
_TOKEN = st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"), min_size=1, max_size=20)
_VALUE = st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\r\n"), max_size=60)
_TARGETS = st.sampled_from([f"{PREFIX}.ListUserPools", f"{PREFIX}.GetUser", f"{PREFIX}.InitiateAuth",
                            f"{PREFIX}.Nope", "ListUserPools", ""])
_HEADER = st.one_of(
    st.tuples(st.just("X-Amz-Target"), _TARGETS),
    st.tuples(st.just("Content-Type"), st.sampled_from(["application/x-amz-json-1.1", "application/json",
                                                        "text/plain", "application/x-www-form-urlencoded", ""])),
    st.tuples(st.sampled_from(["Content-Length", "Transfer-Encoding", "Expect", "Connection", "Host",
                               "Authorization", "Content-Encoding", "X-Amz-Date"]), _VALUE),
    st.tuples(_TOKEN, _VALUE),
)
_JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                            lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids,
                                                                                     max_size=4),
                            max_leaves=20)
_BODY = st.one_of(st.binary(max_size=2048), st.text(max_size=500).map(str.encode),
                  _JSON_VALUES.map(lambda v: json.dumps(v).encode()))


@st.composite
def raw_requests(draw: Any) -> tuple[bytes, bool]:
    method = draw(st.sampled_from(["POST", "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]) | _TOKEN)
    path = draw(st.sampled_from(["/", "/_sandbox/health", "/_sandbox/clock", "/_sandbox/clock?pool=x",
                                 "/_sandbox/messages", "/_sandbox/nope", "/us-east-1_x/.well-known/jwks.json",
                                 "/us-east-1_x/.well-known/openid-configuration", "/nope", "*"])
                | st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40).map(lambda t: "/" + t))
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "HTTP/0.9"]))
    headers = draw(st.lists(_HEADER, max_size=8))
    body = draw(_BODY)
    framing = draw(st.sampled_from(["length", "length", "wrong-length", "chunked", "bad-chunked", "none"]))
    lines = [f"{method} {path} {version}", "Host: fuzz"] + [f"{k}: {v}" for k, v in headers]
    if framing == "length":
        lines.append(f"Content-Length: {len(body)}")
    elif framing == "wrong-length":
        lines.append(f"Content-Length: {draw(st.integers(0, 10**12))}")
    elif framing in ("chunked", "bad-chunked"):
        lines.append("Transfer-Encoding: chunked")
        cut = draw(st.integers(0, len(body)))
        parts = [body[:cut], body[cut:]]
        body = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts if p) + b"0\r\n\r\n"
        if framing == "bad-chunked":
            body = draw(st.binary(max_size=20)) + body
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    return request, method == "HEAD"


@_settings(250)
@given(raw_requests())
def test_raw_http_never_gets_a_5xx_or_a_malformed_answer(server, example):
    request, head = example
    status, headers, body = _exchange(server, request, head=head)
    _check(status, headers, body, head=head, what=request[:300])
    assert server.proc.poll() is None


# ------------------------------------------------------------------------------------------------- model-driven JSON
_EMULATED = sorted(name for name in protocol.operations() if camelcase_to_underscores(name) in dir(SandboxResponse))
_JUNK = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8) \
    | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)


def _string(shape: Any, known: dict[str, list[str]], name: str, valid: bool) -> st.SearchStrategy[str]:
    meta = shape.metadata
    low, high = meta.get("min", 0), min(meta.get("max", 64), 64)
    if shape.enum:
        values = st.sampled_from(shape.enum)
        return values if valid else values | st.text(max_size=20)
    options: list[st.SearchStrategy[str]] = []
    if name in known:
        options.append(st.sampled_from(known[name]))
    pattern = meta.get("pattern")
    try:
        compiled = re.compile(pattern, re.ASCII) if pattern else None
    except re.error:
        compiled = None
    if compiled is not None:
        options.append(st.from_regex(compiled, fullmatch=True).filter(lambda t: low <= len(t) <= max(high, low)))
    else:
        options.append(st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF), min_size=low,
                               max_size=max(high, low)))
    if not valid:
        options.append(st.text(max_size=40))
    return st.one_of(*options)


def _strategy(shape: Any, known: dict[str, list[str]], valid: bool, name: str = "", depth: int = 0
              ) -> st.SearchStrategy[Any]:
    """Values for ``shape``: well-formed ones (``valid``: the model's types and constraints, real ids where a member
    names one) or noisy ones (wrong types, out-of-range values, missing members)."""
    kind = shape.type_name
    if shape.metadata.get("document"):  # any JSON value at all (a scalar as well as an object)
        return _JSON_VALUES
    if kind == "structure":
        if depth > 3:
            return st.just({})
        members = shape.members
        required = {k: _strategy(members[k], known, valid, k, depth + 1) for k in shape.required_members}
        optional = {k: _strategy(v, known, valid, k, depth + 1) for k, v in members.items() if k not in required}
        proper: st.SearchStrategy[Any] = st.fixed_dictionaries(required, optional=optional) if valid else \
            st.fixed_dictionaries({}, optional={**required, **optional})
    elif kind == "list":
        meta = shape.metadata
        proper = st.lists(_strategy(shape.member, known, valid, name, depth + 1), min_size=meta.get("min", 0),
                          max_size=max(min(meta.get("max", 3), 3), meta.get("min", 0)))
    elif kind == "map":
        proper = st.dictionaries(_string(shape.key, known, "", valid),
                                 _strategy(shape.value, known, valid, name, depth + 1), max_size=3)
    elif kind == "string":
        proper = _string(shape, known, name, valid)
    elif kind in ("integer", "long"):
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max", 10**6)
        proper = st.integers(low, high) if valid else st.integers(low - 1, high + 1)
    elif kind == "boolean":
        proper = st.booleans()
    elif kind == "blob":
        proper = st.binary(max_size=32).map(lambda b: base64.b64encode(b).decode())
    elif kind == "timestamp":
        proper = st.integers(0, 2**33)
    else:
        proper = st.none()
    return proper if valid else st.one_of(proper, proper, proper, _JUNK)


#: Calls that would delete or sign out the seeded pool, client or user: fuzzed with made-up names only, so that the
#: other calls keep reaching past "does not exist".
DESTRUCTIVE = {"DeleteUserPool", "DeleteUserPoolClient", "AdminDeleteUser", "DeleteUser", "GlobalSignOut",
               "AdminUserGlobalSignOut", "RevokeToken", "AdminDisableUser", "AdminSetUserPassword", "ChangePassword",
               "UpdateUserPoolClient", "AdminResetUserPassword"}


@st.composite
def cognito_calls(draw: Any, known: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(_EMULATED))
    shape = protocol.operations()[operation].input_shape
    valid = draw(st.integers(0, 9)) < 7
    names = {} if operation in DESTRUCTIVE else known
    params = draw(_strategy(shape, names, valid)) if shape is not None else {}
    if not isinstance(params, dict):
        params = {"Value": params}
    if draw(st.booleans()):
        params[draw(st.text(max_size=10))] = draw(_JUNK)  # a member the model doesn't know
    return operation, params


def test_model_driven_json_never_gets_a_5xx(server):
    @_settings(400)
    @given(cognito_calls(server.known))
    def run(call: tuple[str, dict[str, Any]]) -> None:
        operation, params = call
        status, headers, body = _post_json(server, operation, json.dumps(params).encode())
        _check(status, headers, body, what=(operation, params))

    run()
    _still_serves(server)


@_settings(150)
@given(st.sampled_from(_EMULATED), _BODY)
def test_any_json_document_to_any_operation_never_gets_a_5xx(server, operation, body):
    status, headers, answer = _post_json(server, operation, body)
    _check(status, headers, answer, what=(operation, body[:300]))


# ------------------------------------------------------------------------------------------------- memory, quiet
def test_memory_stays_bounded_under_large_and_chunked_bodies(server):
    process = psutil.Process(server.proc.pid)
    big = b'{"MaxResults": 1}'.ljust(1024 * 1024 - 64, b" ")

    def burst(rounds: int) -> None:
        for i in range(rounds):
            if i % 3 == 0:  # at the cap: read and served
                status, _, _ = _post_json(server, "ListUserPools", big)
                assert status == 200
            elif i % 3 == 1:  # chunked, over the cap
                head = (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {PREFIX}.ListUserPools\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n").encode()
                chunk = b"40000\r\n" + b" " * 0x40000 + b"\r\n"
                status, _headers, body = _exchange(server, head + chunk * 5 + b"0\r\n\r\n")
                assert status == 413, body
            else:  # a Content-Length far over the cap
                request = (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {PREFIX}.ListUserPools\r\n"
                           "Content-Length: 100000000000\r\n\r\n").encode() + b" " * 65536
                assert _exchange(server, request)[0] == 413

    burst(30)  # warm up: the allocator's pools
    before = process.memory_info().rss
    burst(150)
    time.sleep(0.5)
    grown = process.memory_info().rss - before
    assert grown < 16 * 1024 * 1024, f"RSS grew by {grown / 2**20:.1f} MiB over 150 large requests"
    _still_serves(server)


def test_the_server_stayed_quiet(server):
    """Last in this module: after all of the above, the sandbox logged no traceback and no request line."""
    _still_serves(server)
    log = server.stderr()
    lines = [line for line in log.splitlines() if line.strip() and not line.startswith("Cognito sandbox ready")]
    assert lines == [], log[-3000:]
