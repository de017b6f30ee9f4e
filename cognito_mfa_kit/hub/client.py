"""Driving the class's hub over HTTP, as a trainee's browser does: sign in, start the server, run a notebook's cells.

>>> trainee = HubClient("http://127.0.0.1:8000/")
>>> trainee.sign_in("trainee-001", "<hub password>")        # JupyterHub's login form (with its XSRF cookie)
>>> trainee.start_server()                                  # the hub's REST API; returns when JupyterLab answers
>>> with trainee.kernel("00_start_here.ipynb") as kernel:   # a session (REST) + the kernel's WebSocket channels
...     kernel.run_notebook()                                # every code cell in order; stops at the first error

For rehearsals (``bench/hub_capacity.py``) and the hub's tests. Uses ``requests`` and ``websocket-client``
(JupyterHub's and jupyter_server's own dependencies) and jupyter_client's message format (JSON over the kernel's
WebSocket, jupyter_server's default protocol).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import requests
import websocket
from jupyter_client.jsonutil import json_default
from jupyter_client.session import Session
from jupyter_server.services.kernels.connection.base import deserialize_binary_message


class HubClientError(RuntimeError):
    """The hub or the user's server refused or failed; the message says what."""


@dataclass
class Execution:
    """What one cell did: its stdout, rich outputs, and its error if it raised."""

    code: str
    stdout: str = ""
    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe_error(self) -> str:
        if self.error is None:
            return ""
        return f"{self.error.get('ename')}: {self.error.get('evalue')}"


class Kernel:
    """A kernel of the user's server, for one notebook (a session), driven over its WebSocket."""

    def __init__(self, client: HubClient, path: str, *, timeout: float = 180.0) -> None:
        self.client = client
        self.path = path
        self.timeout = timeout
        base = client.server_url
        answer = client.call("POST", f"{base}api/sessions",
                             json={"path": path, "name": Path(path).name, "type": "notebook",
                                   "kernel": {"name": "python3"}})
        self.session_id = answer["id"]
        self.kernel_id = answer["kernel"]["id"]
        ws_url = client.url.replace("http", "ws", 1).rstrip("/") + client.server_path + \
            f"api/kernels/{self.kernel_id}/channels?session_id={uuid.uuid4().hex}"
        self.ws = websocket.create_connection(ws_url, header=[f"Authorization: token {client.api_token}"],
                                              timeout=timeout)
        self.session = Session(key=b"", username=client.username or "")

    def execute(self, code: str) -> Execution:
        """Run ``code``; returns what it printed, showed and raised (waits for the reply and for idle)."""
        message = self.session.msg("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False,
            "stop_on_error": True,
        })
        message["channel"] = "shell"
        self.ws.send(json.dumps(message, default=json_default))
        msg_id = message["header"]["msg_id"]
        result = Execution(code)
        replied = idle = False
        deadline = time.monotonic() + self.timeout
        while not (replied and idle):
            if time.monotonic() > deadline:
                raise HubClientError(f"no answer from the kernel within {self.timeout:.0f} s for: {code[:60]}")
            frame = self.ws.recv()
            # a message with binary buffers (a widget's image, say) comes as a binary frame in jupyter_server's
            # framing; the rest as JSON text
            incoming = deserialize_binary_message(frame) if isinstance(frame, bytes) else json.loads(frame)
            if incoming.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = incoming["header"]["msg_type"], incoming.get("content", {})
            if incoming.get("channel") == "shell" and kind == "execute_reply":
                replied = True
                if content.get("status") == "error" and result.error is None:
                    result.error = content
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind == "stream" and content.get("name") == "stdout":
                result.stdout += content.get("text", "")
            elif kind in ("display_data", "execute_result"):
                result.outputs.append(content)
            elif kind == "error":
                result.error = content
        return result

    def run_notebook(self, notebook: str | Path | None = None) -> list[Execution]:
        """Every code cell of the notebook (default: the session's, read from the user's server), in order; stops
        at the first that raises (its :class:`Execution` is the last)."""
        if notebook is None:
            model = self.client.call("GET", f"{self.client.server_url}api/contents/{quote(self.path)}")
            nb = nbformat.from_dict(model["content"])
        else:
            nb = nbformat.read(str(notebook), as_version=4)
        done = []
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            done.append(self.execute(cell.source))
            if not done[-1].ok:
                break
        return done

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.client.call("DELETE", f"{self.client.server_url}api/sessions/{self.session_id}", expect_json=False)

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class HubClient:
    """One user of the hub, as their browser is."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/") + "/"
        self.timeout = timeout
        self.http = requests.Session()
        self.username: str | None = None
        self.api_token: str | None = None
        self.server_path = ""

    def _xsrf(self) -> str:
        values = [c.value or "" for c in self.http.cookies if c.name == "_xsrf"]
        return values[-1] if values else ""

    def sign_in(self, username: str, password: str) -> bool:
        """JupyterHub's login form; True if the hub let the user in (it then redirects and sets its cookie)."""
        self.http.get(self.url + "hub/login", timeout=self.timeout).raise_for_status()
        answer = self.http.post(self.url + "hub/login", timeout=self.timeout, allow_redirects=False,
                                data={"username": username, "password": password, "_xsrf": self._xsrf()})
        signed_in = answer.status_code == 302 and any(c.name == "jupyterhub-hub-login" for c in self.http.cookies)
        if signed_in:
            self.username = username.lower()
            token = self.http.post(f"{self.url}hub/api/users/{self.username}/tokens", timeout=self.timeout,
                                   headers={"X-XSRFToken": self._xsrf()},
                                   json={"note": "cognito-mfa-kit hub client", "expires_in": 3600})
            if token.status_code != 201:
                raise HubClientError(f"the hub gave {username} no API token: {token.status_code} {token.text[:200]}")
            self.api_token = token.json()["token"]
        return signed_in

    def call(self, method: str, url: str, *, expect_json: bool = True, **kwargs: Any) -> Any:
        """A REST call with the user's token (to the hub's API or their server's)."""
        if self.api_token is None:
            raise HubClientError("sign in first")
        answer = self.http.request(method, url, headers={"Authorization": f"token {self.api_token}"},
                                   timeout=self.timeout, **kwargs)
        if answer.status_code >= 400:
            raise HubClientError(f"{method} {url}: {answer.status_code} {answer.text[:300]}")
        return answer.json() if expect_json and answer.content else None

    def user(self) -> dict[str, Any]:
        return dict(self.call("GET", f"{self.url}hub/api/users/{self.username}"))

    def start_server(self, timeout: float = 180.0, poll: float = 1.0) -> float:
        """Ask the hub for the user's server and wait until JupyterLab answers through the proxy; returns seconds.
        Asks the hub every ``poll`` seconds (a whole class polling fast would itself slow the hub down)."""
        started = time.monotonic()
        self.call("POST", f"{self.url}hub/api/users/{self.username}/server", expect_json=False)
        while time.monotonic() - started < timeout:
            server = self.user().get("servers", {}).get("")
            if server and server.get("ready"):
                self.server_path = server["url"]
                self.call("GET", f"{self.server_url}api/status")
                return time.monotonic() - started
            if not server:  # asked for, neither starting nor ready: the start failed (the hub's log says why)
                raise HubClientError(f"{self.username}'s server failed to start")
            time.sleep(poll)
        raise HubClientError(f"{self.username}'s server was not ready within {timeout:.0f} s")

    def stop_server(self) -> None:
        self.call("DELETE", f"{self.url}hub/api/users/{self.username}/server", expect_json=False)

    @property
    def server_url(self) -> str:
        if not self.server_path:
            raise HubClientError("start the server first")
        return self.url.rstrip("/") + self.server_path

    def kernel(self, path: str, *, timeout: float = 180.0) -> Kernel:
        """A kernel for the notebook ``path`` (relative to the user's home), as opening it in JupyterLab makes."""
        return Kernel(self, path, timeout=timeout)
