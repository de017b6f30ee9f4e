"""The sandbox app under well-kept WSGI servers (waitress, cheroot), with the interface of
``cognito_mfa_kit.sandbox.httpserver.SandboxServer``, for ``sandbox_latency.py``'s server comparison
(``--only sandbox sandbox-waitress sandbox-cheroot``). Bench-only: ``pip install waitress cheroot``.

Both are configured as the sandbox would need them: 8 worker threads, a 1 MiB body cap, the same idle timeout,
JSON error bodies for waitress's own refusals.
"""

from __future__ import annotations

import threading
from typing import Any

from cognito_mfa_kit.sandbox.app import SandboxApp
from cognito_mfa_kit.sandbox.httpserver import IDLE_TIMEOUT, MAX_BODY


def _waitress_server(host: str, port: int, app: SandboxApp) -> Any:
    """The same app served by waitress (bench/sandbox_latency.py compares the two)."""
    import waitress.channel
    import waitress.server
    import waitress.task

    from cognito_mfa_kit.sandbox import protocol

    class _JsonErrorTask(waitress.task.ErrorTask):
        def execute(self) -> None:
            error = self.request.error
            kind = {413: "RequestEntityTooLargeException", 431: "RequestHeaderFieldsTooLargeException"}.get(
                error.code, "SerializationException")
            body = protocol.error_body(kind, f"{error.reason}: {error.body}")
            self.status = f"{error.code} {error.reason}"
            self.response_headers.append(("Content-Type", "application/x-amz-json-1.1"))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class _Channel(waitress.channel.HTTPChannel):
        error_task_class = _JsonErrorTask

    class _Server(waitress.server.TcpWSGIServer):
        channel_class = _Channel

    return _Server(app, host=host, port=port, threads=8, ident="cognito-mfa-kit-sandbox",
                   max_request_body_size=MAX_BODY, max_request_header_size=64 * 1024, channel_timeout=IDLE_TIMEOUT,
                   clear_untrusted_proxy_headers=False, expose_tracebacks=False)


class WaitressServer:
    """:class:`SandboxServer`'s interface over waitress."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, app: SandboxApp | None = None) -> None:
        self.app = app or SandboxApp()
        self._server = _waitress_server(host, port, self.app)
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.effective_host, self._server.effective_port
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}"

    def start(self) -> WaitressServer:
        self._thread = threading.Thread(target=self._server.run, name="cognito-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        import waitress.wasyncore

        self._server.task_dispatcher.shutdown()
        waitress.wasyncore.close_all(self._server._map)
        if self._thread is not None:
            self._thread.join(timeout=5)


class CherootServer:
    """:class:`SandboxServer`'s interface over cheroot."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, app: SandboxApp | None = None) -> None:
        from cheroot import wsgi

        self.app = app or SandboxApp()
        self._server = wsgi.Server((host, port), self.app, numthreads=8, max=-1, request_queue_size=64,
                                   timeout=IDLE_TIMEOUT, server_name="cognito-mfa-kit-sandbox")
        self._server.max_request_body_size = MAX_BODY
        self._server.prepare()
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.bind_addr[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}"

    def start(self) -> CherootServer:
        self._thread = threading.Thread(target=self._server.serve, name="cognito-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
