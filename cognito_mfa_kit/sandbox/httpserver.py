"""The sandbox's HTTP server: HTTP/1.1 with keep-alive, serving :class:`~.app.SandboxApp` on loopback by default.

Hand-written on ``http.server`` because it answers a lesson's calls faster than waitress or cheroot would
(docs/benchmarks.md, "HTTP server"), and hardened against what a class network may send it:

- a body is read only up to :data:`MAX_BODY` (1 MiB), by ``Content-Length`` or chunked alike: larger → 413, and the
  connection is closed without reading the rest (an ``Expect: 100-continue`` client is refused before it sends);
- a request line over :data:`MAX_LINE`, a header block over :data:`MAX_HEADER_BYTES` or more than
  :data:`MAX_HEADERS` headers → 414 / 431;
- a kept-alive connection waits :data:`IDLE_TIMEOUT` seconds for its next request; once a request has begun, the
  client has :data:`REQUEST_TIMEOUT` seconds to send all of it (headers byte by byte or a body never finished: 408,
  and the connection and its thread are freed; checked at each read, so a client trickling bytes is cut within
  twice that);
- one thread per connection, at most :data:`MAX_CONNECTIONS` at once (more are hung up on at once).

Every refusal is HTTP with a JSON body of a named ``__type``, like the service's own errors; no per-request log
lines, and clients that hang up are not an error.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from . import protocol
from .app import SandboxApp

#: Seconds an idle kept-alive connection stays open, waiting for its next request.
IDLE_TIMEOUT = 120
#: Seconds a client has to send a whole request (line, headers and body) once its first byte arrived.
REQUEST_TIMEOUT = 30
#: The largest request body the sandbox reads (Cognito requests are a few KB).
MAX_BODY = 1024 * 1024
#: The longest request line, and header line (bytes).
MAX_LINE = 16 * 1024
#: The most header bytes, and headers, of one request.
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADERS = 100
#: Connections served at once (a thread each). A class of 30 trainees keeps a few kept-alive connections each
#: (a kernel's boto3 client, the AWS CLI, a browser): ~100 in use, idle ones closed after IDLE_TIMEOUT.
MAX_CONNECTIONS = 256

#: [UNVERIFIED] the names of the HTTP-level refusals: AWS's front end answers these before the service does.
HTTP_ERRORS = {
    400: "BadRequestException",
    405: "MethodNotAllowedException",
    408: "RequestTimeoutException",
    411: "LengthRequiredException",
    413: "RequestEntityTooLargeException",
    414: "RequestURITooLongException",
    417: "ExpectationFailedException",
    431: "RequestHeaderFieldsTooLargeException",
}


#: RFC 9112 §2.3 HTTP-version (the major version checked apart); RFC 9110 §5.1 field-name (a token); what a
#: field-value may not hold (§5.5: CR, LF and NUL are refused; other controls but HTAB too)
_VERSION = re.compile(r"HTTP/(\d)\.(\d)")
_FIELD_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE_BAD = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


class _Refused(Exception):
    """A request that can't be served: answered with ``status`` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class _DeadlineReader(io.RawIOBase):
    """The connection's reads: an idle timeout until a request's first byte, then a deadline for all of it, and a
    byte budget per request (so a client can neither hold a thread forever nor make the server buffer much)."""

    def __init__(self, sock: socket.socket, idle_timeout: float, request_timeout: float) -> None:
        self._sock = sock
        self._idle, self._request = idle_timeout, request_timeout
        self._timeout: float | None = None
        self.deadline: float | None = None
        self.budget = 0

    def next_request(self) -> None:
        self.deadline = None
        self.budget = MAX_LINE + MAX_HEADER_BYTES + MAX_BODY + 64 * 1024  # + chunk framing

    @property
    def started(self) -> bool:
        return self.deadline is not None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.deadline is None:
            timeout = self._idle
        elif time.monotonic() >= self.deadline:
            raise TimeoutError("the request took too long")
        else:
            # Each read may wait the whole request timeout: a client that trickles bytes is cut at most one request
            # timeout after its deadline (and setting the socket's timeout on every read would cost a system call).
            timeout = self._request
        if timeout != self._timeout:
            self._sock.settimeout(timeout)
            self._timeout = timeout
        view = memoryview(buffer)[: max(1, min(len(buffer), self.budget))]
        count = self._sock.recv_into(view)
        if count and self.deadline is None:
            self.deadline = time.monotonic() + self._request
        self.budget -= count
        if self.budget < 0:
            raise _Refused(413, "The request is too large.")
        return count

    def writing(self) -> None:
        """The answer is being written: the idle timeout bounds it."""
        if self._timeout != self._idle:
            self._sock.settimeout(self._idle)
            self._timeout = self._idle


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive: boto3 and the AWS CLI reuse one connection for many calls.

    (werkzeug's development server answers every request with ``Connection: close``, so each call paid for a new
    TCP connection and a new thread.) The body is always read in full (or the connection closed), so the stream is
    at the next request line; the answer goes out in one write, with its Content-Length.
    """

    protocol_version = "HTTP/1.1"
    server_version = "cognito-mfa-kit-sandbox"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = _DeadlineReader(self.connection, self.server.idle_timeout, self.server.request_timeout)
        self.rfile = io.BufferedReader(self._reader, 8192)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # no per-request log lines
        pass

    # ------------------------------------------------------------------ one request
    def handle_one_request(self) -> None:
        self._reader.next_request()
        self.requestline, self.request_version, self.command = "", "", ""
        try:
            self.raw_requestline = self.rfile.readline(MAX_LINE + 1)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if len(self.raw_requestline) > MAX_LINE:
                raise _Refused(414, f"The request line is longer than {MAX_LINE} bytes.")
            if not self.parse_request():  # (its refusals go through send_error)
                return
            environ = self._header_environ()
            body = self._body()
            self._reader.writing()
            self._serve(environ, body)
            self.wfile.flush()
        except _Refused as refused:
            self._refuse(refused.status, refused.message)
        except TimeoutError:
            started = self._reader.started
            self.close_connection = True
            if started:  # a request begun and never finished; an idle connection just closes
                self._refuse(408, f"The request was not sent within {self.server.request_timeout:g} seconds.")

    def parse_request(self) -> bool:
        """The request line and the header block (RFC 9112 §3, §5), strictly: what can't be read is refused (400,
        431), never guessed at. True once read; False for an empty request line (the connection closes).

        ``http.server``'s own parse reads the headers through the ``email`` package's parser, about 60 µs a
        request, more than the rest of the server; this reads the same lines in a few."""
        self.command, self.request_version, self.close_connection = "", "HTTP/0.9", True
        self.requestline = line = str(self.raw_requestline, "latin-1").rstrip("\r\n")
        words = line.split()
        if not words:
            return False
        if len(words) != 3:
            raise _Refused(400, f"Bad request syntax ({line[:200]!r}): expected METHOD TARGET HTTP/1.1.")
        method, target, version = words
        number = _VERSION.fullmatch(version)
        if number is None or number.group(1) != "1":
            raise _Refused(400, f"Bad request version ({version[:50]!r}): the sandbox speaks HTTP/1.0 and 1.1.")
        self.command, self.path, self.request_version = method, target, version
        self.close_connection = number.group(2) == "0"
        if self.path.startswith("//"):  # (as http.server: not a scheme-relative URL)
            self.path = "/" + self.path.lstrip("/")
        self._fields = self._read_fields()
        for name, value in self._fields:
            lowered = name.lower()
            if lowered == "connection":
                options = {option.strip().lower() for option in value.split(",")}
                if "close" in options:
                    self.close_connection = True
                elif "keep-alive" in options:
                    self.close_connection = False
        expect = next((v for k, v in self._fields if k.lower() == "expect"), "")
        if expect.lower() == "100-continue" and number.group(2) != "0":
            return self.handle_expect_100()
        return True

    def _read_fields(self) -> list[tuple[str, str]]:
        """The header fields up to the empty line, as (name, value) latin-1 strings, the value's surrounding
        whitespace stripped."""
        fields: list[tuple[str, str]] = []
        size = 0
        while True:
            line = self.rfile.readline(MAX_HEADER_BYTES + 1)
            if line in (b"\r\n", b"\n"):
                return fields
            size += len(line)
            if size > MAX_HEADER_BYTES:
                raise _Refused(431, f"The headers are larger than {MAX_HEADER_BYTES} bytes.")
            if not line.endswith(b"\n"):
                raise _Refused(400, "The headers do not end (the connection closed before the empty line).")
            if len(fields) >= MAX_HEADERS:
                raise _Refused(431, f"More than {MAX_HEADERS} headers.")
            name, colon, value = line.partition(b":")
            if not colon or _FIELD_NAME.fullmatch(name) is None:
                what = "a line folded onto the one before" if line[:1] in (b" ", b"\t") else \
                    "not a field-name followed by a colon"
                raise _Refused(400, f"Malformed header line ({what}): {line[:100]!r}.")
            value = value.strip(b" \t\r\n")
            if _FIELD_VALUE_BAD.search(value) is not None:
                raise _Refused(400, f"Header {name.decode('latin-1')!r} holds a control character.")
            fields.append((name.decode("latin-1"), value.decode("latin-1")))

    def handle_expect_100(self) -> bool:
        """Refuse a body that is too large before the client sends it."""
        self._header_environ()
        self._content_length()
        return super().handle_expect_100()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """``http.server``'s own refusals (a malformed request line or header, line too long, too many headers)."""
        # (505 for an unknown HTTP version: a client error, answered 400.)
        self._refuse(code if code < 500 else 400, message or explain or "Bad request")

    def _refuse(self, status: int, message: str, kind: str | None = None) -> None:
        self.close_connection = True
        body = protocol.error_body(kind or HTTP_ERRORS.get(status, "BadRequestException"), message)
        reason = self.responses.get(status, ("Bad Request",))[0]
        head = (f"HTTP/1.1 {status} {reason}\r\nServer: {self.server_version}\r\nDate: {self.date_time_string()}\r\n"
                f"Content-Type: application/x-amz-json-1.1\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n").encode("latin-1")
        with contextlib.suppress(OSError):
            self.wfile.write(head if self.command == "HEAD" else head + body)
            self.wfile.flush()

    # ------------------------------------------------------------------ the body
    def _content_length(self) -> int:
        values = self._framing.get("CONTENT_LENGTH") or []
        if not values:
            return 0
        if len(set(values)) > 1 or not all(v.strip().isdigit() for v in values):
            raise _Refused(400, "Content-Length must be one non-negative integer.")
        length = int(values[0])
        if length > MAX_BODY:
            raise _Refused(413, f"The request body is larger than {MAX_BODY} bytes.")
        return length

    def _body(self) -> bytes:
        encodings = [e.strip().lower() for e in ",".join(self._framing.get("TRANSFER_ENCODING") or []).split(",")
                     if e.strip()]
        if encodings:
            if encodings != ["chunked"]:
                raise _Refused(400, "Transfer-Encoding must be chunked (no other coding is accepted).")
            if self._framing.get("CONTENT_LENGTH"):
                self.close_connection = True  # both framings: chunked wins (RFC 9112 §6.3), and the line closes
            return self._chunked()
        length = self._content_length()
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise _Refused(400, "The body is shorter than its Content-Length.")
        return body

    def _chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if not line.endswith(b"\n"):
                raise _Refused(400, "Malformed chunked body: a chunk size line is missing or too long.")
            size_text = line.split(b";", 1)[0].strip()
            if not size_text or len(size_text) > 8 or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
                raise _Refused(400, "Malformed chunked body: a chunk size is not a hexadecimal number.")
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > MAX_BODY:
                raise _Refused(413, f"The request body is larger than {MAX_BODY} bytes.")
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _Refused(400, "Malformed chunked body: a chunk is shorter than its size.")
            chunks.append(chunk)
        trailers = 0
        while True:  # trailers, up to the empty line
            line = self.rfile.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n"):
                return b"".join(chunks)
            trailers += len(line)
            if not line.endswith(b"\n") or trailers > MAX_HEADER_BYTES:
                raise _Refused(400, "Malformed chunked body: its trailer does not end.")

    # ------------------------------------------------------------------ WSGI
    def _header_environ(self) -> dict[str, Any]:
        """The request's headers as WSGI environ entries (repeated ones joined by commas; a name with an underscore
        dropped), keeping the framing headers (Content-Length, Transfer-Encoding) apart for :meth:`_body`."""
        environ: dict[str, Any] = {}
        framing: dict[str, list[str]] = {}
        for key, value in self._fields:
            if "_" in key:  # X_Amz_Target would read as X-Amz-Target: dropped, as gunicorn and waitress do
                continue
            name = key.upper().replace("-", "_")
            if name in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                framing.setdefault(name, []).append(value)
                continue
            if name != "CONTENT_TYPE":
                name = "HTTP_" + name
            environ[name] = f"{environ[name]},{value}" if name in environ else value
        self._framing = framing
        return environ

    def _environ(self, headers: dict[str, Any], body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "RAW_URI": self.path,
            "REQUEST_URI": self.path,
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": self.client_address[1],
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            **headers,
        }
        return environ

    def _serve(self, request_headers: dict[str, Any], body: bytes) -> None:
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:  # noqa: ARG001 - the WSGI / socketserver API
            answer[:] = [status, headers]
            return lambda data: None  # noqa: ARG005 - the legacy write() callable; SandboxApp does not use it

        environ = self._environ(request_headers, body)
        try:
            result = self.server.app(environ, start_response)
            try:
                data = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
                # werkzeug's request and its environ refer to each other: a cycle that would keep the body alive
                # until the next garbage collection (RSS climbing by 1 MiB per large request meanwhile).
                environ.clear()
        except Exception:  # the sandbox's own bug: logged once, answered as Cognito answers one
            logging.getLogger(__name__).exception("sandbox request failed: %s %s", self.command, self.path)
            self._refuse(500, "Internal sandbox error (its traceback is in the sandbox's log).",
                         "InternalErrorException")
            return
        status, headers = answer
        lines = [f"{self.protocol_version} {status}", f"Server: {self.server_version}",
                 f"Date: {self.date_time_string()}"]
        lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP_HEADERS]
        lines.append(f"Content-Length: {len(data)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(head if self.command == "HEAD" else head + data)



_HOP_HEADERS = {"content-length", "connection", "transfer-encoding", "keep-alive", "server", "date"}


class _HttpServer(ThreadingHTTPServer):
    """One thread per connection (kept while the client keeps the connection), at most MAX_CONNECTIONS."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int, app: SandboxApp, *, idle_timeout: float = IDLE_TIMEOUT,
                 request_timeout: float = REQUEST_TIMEOUT, max_connections: int = MAX_CONNECTIONS) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.app = app
        self.idle_timeout, self.request_timeout, self.max_connections = idle_timeout, request_timeout, max_connections
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # not HTTPServer's: it looks the host name up (slow DNS)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def verify_request(self, request: Any, client_address: Any) -> bool:  # noqa: ARG002 - the WSGI / socketserver API
        """At most MAX_CONNECTIONS at once: one more is hung up on (its client may retry) instead of costing a
        thread."""
        with self._connections_lock:
            return len(self._connections) < self.max_connections

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (or a stop that hangs up on it) is not an error worth a traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    @property
    def open_connections(self) -> int:
        with self._connections_lock:
            return len(self._connections)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Hang up on kept-alive clients (a stopped sandbox must not go on answering)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class SandboxServer:
    """An HTTP server for :class:`SandboxApp`, on loopback by default, run in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, app: SandboxApp | None = None, *,
                 idle_timeout: float = IDLE_TIMEOUT, request_timeout: float = REQUEST_TIMEOUT,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        self.app = app or SandboxApp()
        self._server = _HttpServer(host, port, self.app, idle_timeout=idle_timeout, request_timeout=request_timeout,
                                   max_connections=max_connections)
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        if isinstance(host, bytes | bytearray):  # typeshed allows bytes; an AF_INET(6) server's host is a str
            host = host.decode()
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}"

    @property
    def open_connections(self) -> int:
        """Connections being served now (each holds a thread)."""
        return self._server.open_connections

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="cognito-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

