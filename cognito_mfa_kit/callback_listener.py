"""The callback catcher for real AWS: a tiny local HTTP listener on ``http://localhost:<port>/callback``, where managed
login sends the browser back with ``?code=…&state=…``. It keeps what came, by ``state``, for the kernel that started
the sign-in (on the sandbox the sandbox's own ``/_sandbox/callback`` does this).

>>> listener = listener_on(8976)          # the app client's CallbackURL: http://localhost:8976/callback
>>> listener.take(state)                  # {"code": ..., "state": ...}, or None while nothing came

Loopback only; one listener per port for the whole process; what it caught is handed out once.
"""

from __future__ import annotations

import html
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = "/callback"
_FIELDS = ("code", "state", "error", "error_description")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # nothing printed: it runs beside a notebook
        pass

    def do_GET(self) -> None:  # the http.server API names it
        split = urllib.parse.urlsplit(self.path)
        if split.path == "/signed-out":
            self._page(200, "Signed out", "Managed login signed you out.")
            return
        if split.path != PATH:
            self._page(404, "Not found", "This listener only catches the sign-in callback.")
            return
        query = dict(urllib.parse.parse_qsl(split.query))
        caught = {k: query[k] for k in _FIELDS if query.get(k)}
        state = caught.get("state")
        if not state or not ("code" in caught or "error" in caught):
            self._page(400, "Nothing to catch", "The callback expects code (or error) and state.")
            return
        self.server.keep(state, caught)
        if "code" in caught:
            self._page(200, "Signed in", "The app received its authorization code. Go back to the notebook.")
        else:
            self._page(200, "Sign-in refused", f"{caught['error']}: {caught.get('error_description', '')}")

    def _page(self, status: int, title: str, text: str) -> None:
        body = (f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
                f"<p id='message'>{html.escape(text)}</p>").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self._caught: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def keep(self, state: str, caught: dict[str, str]) -> None:
        with self._lock:
            self._caught[state] = caught


class CallbackListener:
    """A running listener on ``http://localhost:<port>/callback``."""

    def __init__(self, port: int = 0) -> None:
        self._server = _Server(port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="cmk-callback", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.port}{PATH}"

    def take(self, state: str) -> dict[str, str] | None:
        """What came back for ``state`` (handed out once), or None."""
        with self._server._lock:
            return self._server._caught.pop(state, None)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


_listeners: dict[int, CallbackListener] = {}
_lock = threading.Lock()


def listener_on(port: int) -> CallbackListener:
    """The process's listener on ``port`` (started on first use)."""
    with _lock:
        listener = _listeners.get(port)
        if listener is None:
            listener = _listeners[port] = CallbackListener(port)
        return listener
