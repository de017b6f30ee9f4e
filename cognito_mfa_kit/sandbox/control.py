"""The sandbox's control endpoints, under ``/_sandbox/`` (they have no AWS counterpart).

- ``GET /_sandbox/clock[?pool=<id>]`` → ``{"now": ..., "offset": ...}``; ``POST /_sandbox/clock`` with
  ``{"advance": s[, "pool": id]}`` or ``{"reset": true[, "pool": id]}`` (without ``pool``: the sandbox's own time,
  every pool with it)
- ``GET /_sandbox/messages[?pool=<id>]``: the SMS codes the sandbox "sent" (it delivers nothing)
- ``POST /_sandbox/credentials`` ``{"name": ..., "pools": [...], "users": {pool: username}}`` → a trainee's key
  (trainer only); ``GET /_sandbox/credentials``: the keys, without secrets (trainer only)
- ``GET /_sandbox/whoami``: the principal whose key signed the request
- ``GET /_sandbox/class?pool=<id>``: each user's progress (enrolled, verified, TOTP enabled, preferred, last MFA
  sign-in, last error) for the trainer's class view
- ``GET /_sandbox/health``: open to all, says whether credentials are required

POSTs take ``Content-Type: application/json`` only (a web page can't post a form to them). On a sandbox that
requires credentials, every endpoint but health takes the same SigV4 signature as the cognito-idp calls (service
``cognito-idp``): a trainee reads the clocks and messages of their own pools and of a pool they share, moves only
their own pools' clocks; the sandbox's own clock and a global reset are the trainer's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from . import access
from .activity import class_row
from .backend import LOCK, find_pool, sandbox_backends
from .clock import CLOCK
from .credentials import Principal, SignatureError
from .history_api import threat_protection
from .timeshift import back_to_real_time

if TYPE_CHECKING:
    from .app import SandboxApp

Body = dict[str, Any]


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(kind: str, message: str, status: int = 400) -> Response:
    """A control endpoint's refusal, in the shape of the cognito-idp protocol's errors."""
    return _json({"__type": kind, "message": message}, status)


def _denied(principal: Principal, what: str) -> Response:
    return _error("AccessDeniedException", f"User: {principal.arn} is not authorized to {what}.")


class Control:
    """The ``/_sandbox/`` endpoints of one :class:`~.app.SandboxApp`."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self._handlers: dict[str, Callable[[Request, Principal | None, Body], Response]] = {
            "clock": self.clock,
            "messages": self.messages,
            "credentials": self.credentials,
            "whoami": self.whoami,
            "class": self.class_view,
        }

    def route(self, request: Request, name: str) -> Response:
        if name == "health":
            return _json({"ok": True, "now": CLOCK.now(), "requires_credentials": self.app.requires_credentials})
        handler = self._handlers.get(name)
        if handler is None:
            return _error("ResourceNotFoundException", f"Unknown sandbox endpoint: {name}", 404)
        if request.method not in ("GET", "POST"):
            return _error("InvalidParameterException", f"/_sandbox/{name} answers GET and POST only", 405)
        try:  # who is calling first, as AWS does: an unsigned request learns nothing about what it sent
            principal = self.app.caller(request)
        except SignatureError as exc:
            return _error(exc.kind, exc.message)
        body: Body = {}
        if request.method == "POST":
            if request.mimetype != "application/json":
                return _error("SerializationException", "Content-Type must be application/json.", 415)
            try:
                parsed = json.loads(request.get_data(cache=True) or b"{}")
            except ValueError:
                return _error("SerializationException", "The body is not JSON.")
            if not isinstance(parsed, dict):
                return _error("SerializationException", "The body must be a JSON object.")
            body = parsed
        return handler(request, principal, body)

    # ------------------------------------------------------------------ clocks
    def clock(self, request: Request, principal: Principal | None, body: Body) -> Response:
        usage = 'POST {"advance": <seconds >= 0>, "pool": "<pool id>"} or {"reset": true, "pool": "<pool id>"}'
        moving = request.method == "POST"
        pool = body.get("pool") if moving else request.args.get("pool")
        if pool is not None:
            refused = _pool_refusal(principal, pool, "the clock", move=moving)
            if refused is not None:
                return refused
        moved_back: float | None = None
        if moving:
            if principal is not None and pool is None and not principal.is_trainer:
                return _denied(principal, 'move the sandbox\'s own clock (the trainer\'s): move your pool\'s with '
                                          '{"pool": "<your pool id>"}')
            advance = body.get("advance")
            if "advance" in body and (isinstance(advance, bool) or not isinstance(advance, int | float)):
                return _error("InvalidParameterException", f"advance: a number of seconds, not {advance!r}. {usage}")
            try:
                with LOCK:
                    if body.get("reset") is True:
                        moved_back = back_to_real_time(pool)
                    elif "advance" in body:
                        CLOCK.advance(float(body["advance"]), pool)  # a number: checked above
                    else:
                        return _error("InvalidParameterException", usage)
                    self.app.changed()
            except (ValueError, TypeError) as exc:
                return _error("InvalidParameterException", f"{exc}. {usage}")
        answer: dict[str, Any] = dict(CLOCK.as_dict(pool))
        if moved_back is not None and pool is not None:
            answer["moved_back"] = moved_back  # how far the reset moved that pool's times back (s)
        if pool is None:  # which pools run ahead (the caller's own, for a trainee): for `doctor` and the class
            answer["pools_ahead"] = {p: o for p, o in CLOCK.ahead().items() if p is not None and (
                principal is None or access.may_read_pool(principal, p))}
        return _json(answer)

    # ------------------------------------------------------------------ outbox
    def messages(self, request: Request, principal: Principal | None, body: Body) -> Response:  # noqa: ARG002 - a control route's handler signature
        pool = request.args.get("pool")
        if pool is not None:
            refused = _pool_refusal(principal, pool, "the messages")
            if refused is not None:
                return refused

        def visible(message: dict[str, Any]) -> bool:
            if pool is not None and message.get("pool") != pool:
                return False
            if principal is None or principal.is_trainer or message.get("pool") in principal.pools:
                return True
            own = principal.users.get(str(message.get("pool")))  # in a shared pool: their own user's only
            return own is not None and str(message.get("username", "")).lower() == own.lower()

        with LOCK:
            messages = [m for a in sandbox_backends.values() for b in a.values() for m in b.outbox if visible(m)]
        return _json({"messages": messages})

    # ------------------------------------------------------------------ keys
    def credentials(self, request: Request, principal: Principal | None, body: Body) -> Response:
        keyring = self.app.keyring
        if keyring is None:
            return _error("InvalidParameterException",
                          "This sandbox requires no credentials (start it with --require-credentials): any key "
                          "works, so there are no trainee keys to make.")
        assert principal is not None  # noqa: S101 - narrows the type: the route requires a principal
        if not principal.is_trainer:
            return _denied(principal, "manage trainee keys (the trainer's)")
        if request.method == "GET":
            return _json({"principals": [p.public() for p in keyring.all()]})
        name, pools, users = body.get("name"), body.get("pools") or [], body.get("users") or {}
        if not isinstance(name, str) or not name.strip() or name == "trainer":
            return _error("InvalidParameterException", 'name: the trainee\'s name, e.g. {"name": "trainee-001"}')
        if not isinstance(pools, list) or not all(isinstance(p, str) for p in pools):
            return _error("InvalidParameterException", "pools: a list of the trainee's own pool ids")
        if not isinstance(users, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in users.items()):
            return _error("InvalidParameterException", "users: {pool id: the trainee's user name in that pool}")
        with LOCK:
            missing = [p for p in [*pools, *users] if not _pool_exists(p)]
            if missing:
                return _error("ResourceNotFoundException", f"User pool {missing[0]} does not exist.", 404)
            trainee = keyring.issue_trainee(name.strip(), pools=set(pools), users=users,
                                            account_id=principal.account_id)
            self.app.changed()
        return _json({"AccessKeyId": trainee.access_key_id, "SecretAccessKey": trainee.secret_access_key,
                      **trainee.public()})

    # ------------------------------------------------------------------ the class view
    def class_view(self, request: Request, principal: Principal | None, body: Body) -> Response:  # noqa: ARG002 - a control route's handler signature
        """``GET /_sandbox/class?pool=<id>``: each user's progress through the seed's steps (the trainer's view;
        a trainee sees their own pools, and their own row of a shared pool)."""
        pool_id = request.args.get("pool")
        if not pool_id:
            return _error("InvalidParameterException", "GET /_sandbox/class?pool=<pool id>")
        refused = _pool_refusal(principal, pool_id, "the class view")
        if refused is not None:
            return refused
        with LOCK:
            pool = find_pool(pool_id)
            if pool is None:  # (deleted meanwhile)
                return _error("ResourceNotFoundException", f"User pool {pool_id} does not exist.", 404)
            own = None if principal is None or access.may_move_pool(principal, pool_id) else \
                principal.users.get(pool_id)
            users = [class_row(pool, u) for u in pool.users.values()
                     if own is None or str(u.username).lower() == own.lower()]
            answer = {"pool": pool_id, "now": CLOCK.now(pool_id), "threat_protection": threat_protection(pool),
                      "users": users}
        return _json(answer)

    def whoami(self, request: Request, principal: Principal | None, body: Body) -> Response:  # noqa: ARG002 - a control route's handler signature
        if principal is None:
            return _json({"kind": "open", "requires_credentials": False})
        return _json({**principal.public(), "requires_credentials": True})


def _pool_refusal(principal: Principal | None, pool: object, what: str, *, move: bool = False) -> Response | None:
    """The answer refusing ``principal`` ``what`` of ``pool`` (to read it; with ``move``, to move it), or None.

    A trainee is refused any pool that is not theirs, existing or not (AccessDeniedException, as the cognito-idp calls
    answer: a trainee can't probe for other pools' ids); the trainer and an open sandbox hear that it doesn't exist."""
    if not isinstance(pool, str) or not pool:
        return _error("InvalidParameterException", f"pool: a user pool id, not {pool!r}")
    if principal is not None and not access.may_read_pool(principal, pool):
        verb = "move" if move else "read"
        return _denied(principal, f"{verb} {what} of pool {pool} (not one of yours)")
    if principal is not None and move and not access.may_move_pool(principal, pool):
        return _denied(principal, f"move {what} of pool {pool}: it is shared by the class (only the trainer moves it)")
    if not _pool_exists(pool):
        return _error("ResourceNotFoundException", f"User pool {pool} does not exist.", 404)
    return None


def _pool_exists(pool_id: str) -> bool:
    with LOCK:
        return find_pool(pool_id) is not None
