"""A callback URL the sandbox provides for the kit: ``/_sandbox/callback`` catches where managed login sends the
browser back (``?code=…&state=…`` or ``?error=…``) and keeps it for the kernel that started the sign-in.

- ``GET /_sandbox/callback?code=…&state=…`` (the browser): kept under its ``state``; the page says to go back to the
  notebook (it shows no code);
- ``GET /_sandbox/callback`` with no query: back from a managed-login page that signs no one in (``/passkeys/add``);
- ``GET /_sandbox/callback/signed-out``: where /logout may come back to (a "signed out" page);
- ``GET /_sandbox/callback/result?state=…`` (the kernel): ``{"code": …, "state": …}`` (or ``{"error": …}``) once,
  then forgotten; ``{"pending": true}`` while nothing came. On a sandbox that requires credentials, the kernel's
  request must be signed (any of the sandbox's keys): a code alone is useless without its PKCE verifier, which only
  the kernel holds.

What is caught lives in memory for ten minutes (the janitor drops it).
"""

from __future__ import annotations

import json
import weakref
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..backend import LOCK
from ..clock import CLOCK
from ..credentials import SignatureError
from ..janitor import JANITOR, drop_entry
from . import pages

if TYPE_CHECKING:
    from ..app import SandboxApp

PATH = "/_sandbox/callback"
KEEP_SECONDS = 600
_FIELDS = ("code", "state", "error", "error_description")


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class CallbackCatcher:
    """The sandbox's ``/_sandbox/callback`` endpoints."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self._caught: dict[str, dict[str, str]] = {}

    def route(self, request: Request) -> Response:
        if request.path == PATH:
            return self.catch(request)
        if request.path == PATH + "/result":
            return self.result(request)
        if request.path == PATH + "/signed-out":
            return pages.render("cognito_mfa_kit.sandbox.login", "callback.html", signed_in=False, error=None,
                                description=None, has_state=False, signed_out=True)
        return _json({"__type": "ResourceNotFoundException", "message": f"Unknown: {request.path}"}, 404)

    def catch(self, request: Request) -> Response:
        state = request.args.get("state") or ""
        answer = {key: str(request.args[key]) for key in _FIELDS if request.args.get(key)}
        if state and ("code" in answer or "error" in answer):
            with LOCK:
                self._caught[state] = answer
                JANITOR.schedule(CLOCK.now() + KEEP_SECONDS, None, drop_entry, weakref.ref(self), "_caught", state,
                                 answer)
        signed_in = "code" in answer
        plain = not request.args  # back with nothing to catch, as after /passkeys/add: not a mistake
        return pages.render("cognito_mfa_kit.sandbox.login", "callback.html", status=200 if state or plain else 400,
                            signed_in=signed_in, error=answer.get("error"), description=answer.get(
                                "error_description"), has_state=bool(state), signed_out=False, plain=plain)

    def result(self, request: Request) -> Response:
        try:
            self.app.caller(request)
        except SignatureError as exc:
            return _json({"__type": exc.kind, "message": exc.message}, 400)
        state = request.args.get("state") or ""
        with LOCK:
            answer = self._caught.pop(state, None)
        return _json(answer if answer is not None else {"pending": True})
