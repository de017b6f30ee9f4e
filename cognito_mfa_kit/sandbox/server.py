"""The sandbox over HTTP: the cognito-idp JSON protocol for boto3 and the AWS CLI, plus small control endpoints.

Routes:
- ``POST /``: cognito-idp (``X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>``)
- ``GET /<pool-id>/.well-known/jwks.json`` and ``/.well-known/openid-configuration``
- ``GET /_sandbox/clock[?pool=<id>]`` → ``{"now": ..., "offset": ...}``; ``POST /_sandbox/clock`` with
  ``{"advance": s[, "pool": id]}`` or ``{"reset": true[, "pool": id]}``
- ``GET /_sandbox/messages``: the SMS codes the sandbox "sent" (it delivers nothing)
- ``GET /_sandbox/health``
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import moto.core.responses as moto_core_responses
from moto.core.request import Request as MotoRequest
from werkzeug.wrappers import Request, Response

from .backend import SandboxUserPool, install, sandbox_backends
from .clock import CLOCK
from .responses import SandboxResponse
from .timeshift import back_to_real_time

#: moto's backends are not thread-safe: one request at a time.
LOCK = threading.RLock()
#: Seconds an idle kept-alive connection stays open.
IDLE_TIMEOUT = 120


class _WsgiRequest(MotoRequest):
    """A request received by a real WSGI server, as moto's own server marks them."""

    from_wsgi_server = True


@functools.cache
def _sandbox_method_names(cls: type) -> frozenset[str]:
    return frozenset(_moto_method_names(cls))


def _method_names(cls: type) -> Any:
    """moto lists a response class's methods with ``inspect.getmembers`` on every request (a quarter of a call's
    time in the sandbox); the sandbox's response classes don't change while it runs, so their list is cached."""
    if isinstance(cls, type) and issubclass(cls, SandboxResponse):
        return _sandbox_method_names(cls)
    return _moto_method_names(cls)


_moto_method_names = getattr(
    moto_core_responses.method_names_from_class, "moto_original", moto_core_responses.method_names_from_class
)
_method_names.moto_original = _moto_method_names  # type: ignore[attr-defined]


def _pools() -> Iterable[SandboxUserPool]:
    for account in list(sandbox_backends.values()):
        for region, backend in list(account.items()):
            if region != "global":
                yield from backend.user_pools.values()  # type: ignore[misc]


def _pool_exists(pool_id: str) -> bool:
    return any(p.id == pool_id for p in _pools())


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(kind: str, message: str, status: int = 400) -> Response:
    """A control endpoint's refusal, in the shape of the cognito-idp protocol's errors."""
    return _json({"__type": kind, "message": message}, status)


class SandboxApp:
    """The WSGI application. ``after_change`` runs after each cognito-idp call (e.g. to save state)."""

    def __init__(self, after_change: Callable[[], None] | None = None) -> None:
        install()
        moto_core_responses.method_names_from_class = _method_names  # type: ignore[assignment]
        self.after_change = after_change
        self.hooks: list[Callable[[Request, str], Response | None]] = []  # fault injection, etc.

    def clock(self, request: Request) -> Response:
        """``GET /_sandbox/clock[?pool=<id>]``; ``POST`` ``{"advance": s[, "pool": id]}`` or
        ``{"reset": true[, "pool": id]}`` (without ``pool``: the sandbox's time, every pool with it)."""
        usage = 'POST {"advance": <seconds >= 0>, "pool": "<pool id>"} or {"reset": true, "pool": "<pool id>"}'
        if request.method == "POST":
            if request.mimetype != "application/json":
                return _error("SerializationException", f"Content-Type must be application/json. {usage}", 415)
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                return _error("SerializationException", f"The body is not JSON. {usage}")
            if not isinstance(body, dict):
                return _error("SerializationException", f"The body must be a JSON object. {usage}")
            pool = body.get("pool")
        else:
            pool = request.args.get("pool")
        if pool is not None and (not isinstance(pool, str) or not _pool_exists(pool)):
            return _error("ResourceNotFoundException", f"User pool {pool} does not exist.", 404)
        if request.method == "POST":
            try:
                with LOCK:
                    if body.get("reset") is True:
                        back_to_real_time(pool)
                    elif "advance" in body and not isinstance(body["advance"], bool):
                        CLOCK.advance(body["advance"], pool)
                    else:
                        return _error("InvalidParameterException", usage)
                    if self.after_change is not None:
                        self.after_change()
            except (ValueError, TypeError) as exc:
                return _error("InvalidParameterException", f"{exc}. {usage}")
        return _json(CLOCK.as_dict(pool))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = _WsgiRequest(environ)
        return self.route(request)(environ, start_response)

    def route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_sandbox/"):
            return self.control(request, path[len("/_sandbox/"):])
        if path.endswith("/.well-known/jwks.json"):
            return self.jwks(path.split("/")[1])
        if path.endswith("/.well-known/openid-configuration"):
            return self.openid(request, path.split("/")[1])
        if request.method == "POST" and path == "/":
            return self.cognito(request)
        return _json({"message": f"Not found: {request.method} {path}"}, 404)

    def cognito(self, request: Request) -> Response:
        operation = (request.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        for hook in self.hooks:
            answer = hook(request, operation)
            if answer is not None:
                return answer
        with LOCK:
            status, headers, body = SandboxResponse.dispatch(request, request.url, request.headers)
            if self.after_change is not None and not operation.startswith(("Get", "List", "Describe")):
                self.after_change()
        headers = {k: v for k, v in dict(headers).items() if k.lower() not in ("status", "content-length")}
        headers.setdefault("Content-Type", "application/x-amz-json-1.1")
        return Response(body, status=int(status), headers=headers)

    def jwks(self, pool_id: str) -> Response:
        with LOCK:
            pool = next((p for p in _pools() if p.id == pool_id), None)
            if pool is None:
                return _json({"message": f"User pool {pool_id} does not exist."}, 404)
            return _json({"keys": [pool.key.jwk()]})

    def openid(self, request: Request, pool_id: str) -> Response:
        region = pool_id.partition("_")[0]
        return _json(
            {
                "issuer": f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
                "jwks_uri": f"{request.host_url}{pool_id}/.well-known/jwks.json",
                "id_token_signing_alg_values_supported": ["RS256"],
                "subject_types_supported": ["public"],
            }
        )

    def control(self, request: Request, name: str) -> Response:
        if name == "clock":
            return self.clock(request)
        if name == "messages":
            pool = request.args.get("pool")
            if pool is not None and not _pool_exists(pool):
                return _error("ResourceNotFoundException", f"User pool {pool} does not exist.", 404)
            with LOCK:
                messages = [m for a in sandbox_backends.values() for b in a.values() for m in b.outbox
                            if pool is None or m.get("pool") == pool]
            return _json({"messages": messages})
        if name == "health":
            return _json({"ok": True, "now": CLOCK.now()})
        return _json({"message": f"Unknown sandbox endpoint: {name}"}, 404)


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive: boto3 and the AWS CLI reuse one connection for many calls.

    (werkzeug's development server answers every request with ``Connection: close``, so each call paid for a new
    TCP connection and a new thread.) The body is always read in full by its length, so the stream is at the next
    request line; the answer goes out in one write, with its Content-Length.
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
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # no per-request log lines
        pass

    def _body(self) -> bytes:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _environ(self, body: bytes) -> dict[str, Any]:
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
        }
        for key, value in self.headers.items():
            name = key.upper().replace("-", "_")
            if name in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                continue
            if name != "CONTENT_TYPE":
                name = "HTTP_" + name
            environ[name] = f"{environ[name]},{value}" if name in environ else value
        return environ

    def _serve(self) -> None:
        try:
            body = self._body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_error(400, "Bad request body")
            return
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return lambda data: None  # the legacy write() callable; SandboxApp does not use it

        try:
            result = self.server.app(self._environ(body), start_response)
            try:
                data = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception:
            logging.getLogger(__name__).exception("sandbox request failed: %s %s", self.command, self.path)
            self.close_connection = True
            self.send_error(500, "Internal sandbox error")
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

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve


_HOP_HEADERS = {"content-length", "connection", "transfer-encoding", "keep-alive", "server", "date"}


class _HttpServer(ThreadingHTTPServer):
    """One thread per connection (kept while the client keeps the connection)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int, app: SandboxApp) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # not HTTPServer's: it looks the host name up (slow DNS)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (or a stop that hangs up on it) is not an error worth a traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

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

    def __init__(self, host: str = "127.0.0.1", port: int = 0, app: SandboxApp | None = None) -> None:
        self.app = app or SandboxApp()
        self._server = _HttpServer(host, port, self.app)
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}"

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
