"""The embedded Cognito sandbox: moto's cognito-idp, extended so that it fails like the real service.

>>> from cognito_mfa_kit.sandbox import Sandbox
>>> sandbox = Sandbox.start()           # in-process, on a free loopback port
>>> sandbox.endpoint_url                # give it to boto3 (endpoint_url=) or the AWS CLI (--endpoint-url)
>>> sandbox.advance_clock(30, pool=pool_id)   # that pool's next TOTP step, without waiting
>>> sandbox.stop()

Knows nothing of the layers above (core, widgets, course).
"""

from __future__ import annotations

from .app import SandboxApp
from .backend import LOCK
from .clock import CLOCK, SandboxClock
from .credentials import Keyring, Principal
from .httpserver import SandboxServer
from .store import Store

__all__ = ["CLOCK", "ENV_URL", "Sandbox", "SandboxClock"]

#: The environment variable that names a running sandbox server for every kernel of a course.
ENV_URL = "COGNITO_MFA_KIT_SANDBOX_URL"


class Sandbox:
    """A running sandbox server (in this process) with its clock."""

    def __init__(self, server: SandboxServer, store: Store | None = None) -> None:
        self.server = server
        self.store = store
        self.clock: SandboxClock = CLOCK

    @classmethod
    def start(
        cls,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state_path: str | None = None,
        require_credentials: bool = False,
        legacy_json: str | None = None,
    ) -> Sandbox:
        """Start a sandbox server in a background thread; ``port=0`` picks a free port.

        ``state_path``: keep everything in that SQLite store across restarts (``None`` or ``":memory:"``: in memory
        only; ``legacy_json``: a JSON state file of an earlier version to import when there is no store yet).
        ``require_credentials``: calls AWS authorises with IAM, and the control endpoints, must be signed with
        one of the sandbox's keys (:attr:`trainer`'s, or a trainee's made with ``POST /_sandbox/credentials``)."""
        keyring = Keyring() if require_credentials else None
        store = None
        if state_path is not None and str(state_path) != ":memory:":
            store = Store.open(state_path, legacy_json=legacy_json)
            try:
                with LOCK:
                    store.load(keyring)
            except BaseException:
                store.close()
                raise
        app = SandboxApp(store=store, keyring=keyring)
        if keyring is not None:
            with LOCK:
                keyring.ensure_trainer()
                app.changed()
        server = SandboxServer(host, port, app).start()
        return cls(server, store)

    @property
    def keyring(self) -> Keyring | None:
        """The keys this sandbox accepts (None: it requires no credentials)."""
        return self.server.app.keyring

    @property
    def trainer(self) -> Principal | None:
        """The trainer's key (None when the sandbox requires no credentials)."""
        return self.keyring.trainer() if self.keyring is not None else None

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    def now(self, pool: str | None = None) -> float:
        """``pool``'s time (None: the sandbox's own), in epoch seconds."""
        return self.clock.now(pool)

    def advance_clock(self, seconds: float, pool: str | None = None) -> float:
        """Move ``pool``'s clock (None: the sandbox's, and every pool with it) forward; returns its new time."""
        with LOCK:
            now = self.clock.advance(seconds, pool)
            self.server.app.changed()
        return now

    def back_to_real_time(self, pool: str | None = None) -> float:
        """Put ``pool``'s clock (None: every clock) back on real time, and what it stored with it; returns the
        seconds undone."""
        from .timeshift import back_to_real_time

        with LOCK:
            shift = back_to_real_time(pool)
            self.server.app.changed()
        return shift

    @staticmethod
    def reset() -> None:
        """Forget every pool, user and session, and put the clock back to wall time."""
        from .backend import sandbox_backends
        from .janitor import JANITOR
        from .tracking import TRACKER

        sandbox_backends.reset()
        CLOCK.reset()
        JANITOR.clear()
        TRACKER.take()

    def stop(self) -> None:
        self.server.stop()
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
