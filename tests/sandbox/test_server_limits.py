"""The sandbox's HTTP server under what a class network may send it: body and header caps (by Content-Length and
chunked), slow clients, too many connections, IPv6, and a stop that frees the port. Raw sockets on loopback."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from cognito_mfa_kit.sandbox.app import SandboxApp
from cognito_mfa_kit.sandbox.httpserver import MAX_BODY, SandboxServer

TARGET = "AWSCognitoIdentityProviderService.ListUserPools"


@pytest.fixture()
def server() -> Iterator[SandboxServer]:
    box = SandboxServer("127.0.0.1", 0, SandboxApp(), idle_timeout=2, request_timeout=1, max_connections=8).start()
    yield box
    box.stop()


def _connect(server: SandboxServer) -> socket.socket:
    host, port = server._server.server_address[:2]
    return socket.create_connection((host, port), timeout=10)


def _read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP answer: status, headers (lower-case), body by its Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed without an answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return status, headers, body[:length]


def _error(sock: socket.socket) -> tuple[int, str, dict[str, str]]:
    status, headers, body = _read_answer(sock)
    assert headers["content-type"] == "application/x-amz-json-1.1"
    payload = json.loads(body)
    assert set(payload) == {"__type", "message"} and payload["message"]
    return status, payload["__type"], headers


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionError:
        return True


def _request(body: bytes = b'{"MaxResults": 1}', *, extra: str = "", length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return (f"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {TARGET}\r\n"
            f"Content-Length: {size}\r\n{extra}\r\n").encode() + body


def _still_serves(server: SandboxServer) -> None:
    with _connect(server) as sock:
        sock.sendall(_request())
        status, _, body = _read_answer(sock)
        assert status == 200 and "UserPools" in json.loads(body)


def test_a_huge_content_length_is_413_without_reading_it(server):
    with _connect(server) as sock:
        sock.sendall(_request(b"", length=100_000_000_000))
        status, kind, headers = _error(sock)
        assert (status, kind) == (413, "RequestEntityTooLargeException")
        assert headers["connection"] == "close" and _closed(sock)
    _still_serves(server)


def test_a_body_one_byte_over_the_cap_is_413_and_one_at_the_cap_is_read(server):
    with _connect(server) as sock:
        sock.sendall(_request(b" " * (MAX_BODY + 1)))
        assert _error(sock)[:2] == (413, "RequestEntityTooLargeException")
    with _connect(server) as sock:
        body = b'{"MaxResults": 1}'.ljust(MAX_BODY, b" ")
        sock.sendall(_request(body))
        status, _, answer = _read_answer(sock)
        assert status == 200 and "UserPools" in json.loads(answer)


def _chunked(*chunks: bytes, trailer: bytes = b"") -> bytes:
    framed = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks)
    return (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {TARGET}\r\nTransfer-Encoding: chunked\r\n\r\n").encode() \
        + framed + b"0\r\n" + trailer + b"\r\n"


def test_a_chunked_body_is_read_and_the_connection_kept(server):
    with _connect(server) as sock:
        for _ in range(2):
            sock.sendall(_chunked(b'{"MaxRes', b'ults": 1}', trailer=b"X-Trailer: yes\r\n"))
            status, headers, body = _read_answer(sock)
            assert status == 200 and "UserPools" in json.loads(body) and headers.get("connection") != "close"


def test_a_chunked_body_over_the_cap_is_413(server):
    piece = b" " * (256 * 1024)
    with _connect(server) as sock:
        sock.sendall(_chunked(*[piece] * 5))
        assert _error(sock)[:2] == (413, "RequestEntityTooLargeException")
    _still_serves(server)


@pytest.mark.parametrize("framing", [
    b"zz\r\nabc\r\n0\r\n\r\n",  # not hexadecimal
    b"5\r\nab\r\n0\r\n\r\n",  # shorter than its size
    b"123456789\r\n",  # a size too long to be real
])
def test_a_malformed_chunked_body_is_400(server, framing):
    head = f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {TARGET}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    with _connect(server) as sock:
        sock.sendall(head + framing)
        assert _error(sock)[:2] == (400, "BadRequestException")
    _still_serves(server)


def test_expect_100_continue_with_a_body_too_large_is_refused_before_it_is_sent(server):
    with _connect(server) as sock:
        sock.sendall(_request(b"", length=MAX_BODY + 1, extra="Expect: 100-continue\r\n"))
        status, kind, _ = _error(sock)  # a final answer, not "100 Continue"
        assert (status, kind) == (413, "RequestEntityTooLargeException")


@pytest.mark.parametrize(("extra", "status", "kind"), [
    ("X-Big: " + "a" * (70 * 1024) + "\r\n", 431, "RequestHeaderFieldsTooLargeException"),
    ("".join(f"X-H{i}: v\r\n" for i in range(150)), 431, "RequestHeaderFieldsTooLargeException"),
    ("Transfer-Encoding: gzip\r\n", 400, "BadRequestException"),
    ("Content-Length: 5\r\n", 400, "BadRequestException"),  # two different lengths
    ("X-Folded: a\r\n  b\r\n", 400, "BadRequestException"),  # obs-fold (RFC 9112 §5.2: refused)
    ("X-Bell: a\x07b\r\n", 400, "BadRequestException"),  # a control character in a value
    ("Bad Name: v\r\n", 400, "BadRequestException"),  # a space in a field-name
    (" X-Leading: v\r\n", 400, "BadRequestException"),
])
def test_header_limits_and_bad_framing(server, extra, status, kind):
    with _connect(server) as sock:
        sock.sendall(_request(extra=extra))
        assert _error(sock)[:2] == (status, kind)
    _still_serves(server)


def test_headers_end_only_at_the_empty_line(server):
    with _connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Tar")  # and the client stops sending
        sock.shutdown(socket.SHUT_WR)
        assert _error(sock)[:2] == (400, "BadRequestException")
    _still_serves(server)


def test_a_header_name_with_an_underscore_is_not_read_as_its_dashed_twin(server):
    with _connect(server) as sock:  # (were it read, the two would be joined: "…ListUserPools,…DeleteUserPool")
        sock.sendall(_request(extra="X_Amz_Target: AWSCognitoIdentityProviderService.DeleteUserPool\r\n"))
        status, _, body = _read_answer(sock)
        assert status == 200 and "UserPools" in json.loads(body)  # ListUserPools, as the dashed header says


@pytest.mark.parametrize(("version", "connection", "kept"), [
    ("HTTP/1.1", "", True), ("HTTP/1.1", "Connection: close\r\n", False),
    ("HTTP/1.1", "Connection: TE, close\r\n", False), ("HTTP/1.0", "", False),
    ("HTTP/1.0", "Connection: keep-alive\r\n", True),
])
def test_keep_alive_follows_the_version_and_the_connection_header(server, version, connection, kept):
    with _connect(server) as sock:
        sock.sendall(_request(extra=connection).replace(b"HTTP/1.1", version.encode(), 1))
        status, headers, _ = _read_answer(sock)
        assert status == 200 and (headers.get("connection") == "close") is not kept
        if kept:
            sock.sendall(_request())
            assert _read_answer(sock)[0] == 200
        else:
            assert _closed(sock)


@pytest.mark.parametrize(("line", "status"), [
    (b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n", 414),
    (b"POST / HTTP/2.0\r\n\r\n", 400),
    (b"garbage\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nno colon here\r\n\r\n", 400),
])
def test_malformed_request_lines_are_4xx_json(server, line, status):
    with _connect(server) as sock:
        sock.sendall(line)
        assert _error(sock)[0] == status
    _still_serves(server)


def test_headers_sent_byte_by_byte_time_out_and_free_the_thread(server):
    with _connect(server) as sock:
        request = _request()
        started = time.monotonic()
        try:
            for byte in request[:40]:
                sock.sendall(bytes([byte]))
                time.sleep(0.2)
                if time.monotonic() - started > 5:
                    break
        except OSError:
            pass  # the server hung up mid-way
        status, kind, _ = _error(sock)
        assert (status, kind) == (408, "RequestTimeoutException")
        assert _closed(sock)
    _wait_for(lambda: server.open_connections == 0)
    _still_serves(server)


def test_a_body_never_finished_times_out(server):
    with _connect(server) as sock:
        sock.sendall(_request(b'{"Max', length=100))
        assert _error(sock)[:2] == (408, "RequestTimeoutException")
    _wait_for(lambda: server.open_connections == 0)


def test_an_idle_kept_alive_connection_is_closed_after_the_idle_timeout(server):
    with _connect(server) as sock:
        sock.sendall(_request())
        assert _read_answer(sock)[0] == 200
        assert server.open_connections == 1
        _wait_for(lambda: server.open_connections == 0)
        assert _closed(sock)  # without an answer: nothing was asked


def test_connections_beyond_the_cap_are_hung_up_on(server):
    held = [_connect(server) for _ in range(8)]
    try:
        for sock in held:
            sock.sendall(_request())
            assert _read_answer(sock)[0] == 200
        extra = _connect(server)
        extra.settimeout(5)
        assert _closed(extra)
        extra.close()
    finally:
        for sock in held:
            sock.close()
    _wait_for(lambda: server.open_connections == 0)
    _still_serves(server)


def test_stop_frees_the_port_at_once():
    box = SandboxServer("127.0.0.1", 0).start()
    port = box._server.server_address[1]
    kept = _connect(box)
    kept.sendall(_request())
    assert _read_answer(kept)[0] == 200
    box.stop()
    assert _closed(kept)
    again = SandboxServer("127.0.0.1", port).start()  # the same port, at once
    try:
        assert again.endpoint_url == f"http://127.0.0.1:{port}"
    finally:
        again.stop()
        kept.close()


def test_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        box = SandboxServer("::1", 0).start()
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback: {exc}")
    try:
        assert box.endpoint_url.startswith("http://[::1]:")
        port = box._server.server_address[1]
        with socket.create_connection(("::1", port), timeout=10) as sock:
            sock.sendall(_request())
            assert _read_answer(sock)[0] == 200
    finally:
        box.stop()


def _wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.05)
