"""The hub's sign-in: each user of the class with their own user name and hub password (from the sheet).

``SheetAuthenticator`` is a small subclass of JupyterHub's own ``Authenticator`` (the documented way to add one):
the form is JupyterHub's username/password form; a password is checked against the user's scrypt hash in the hub's
settings (:mod:`.passwords`; the hub never stores a password). Unknown names and wrong passwords get the same
refusal. Not a shared password: each trainee's works for their own account only, and the trainer's (the hub's only
admin) is theirs alone.

Why not an existing authenticator: DummyAuthenticator and SharedPasswordAuthenticator share one password between
everybody; jupyterhub-nativeauthenticator lets people sign up and keeps its own user database, into which a sheet's
passwords would have to be written behind its back; PAM needs an OS account per trainee. The class already has a
list of people with a secret each (the sheet): checking a hash of it is this class's whole job.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyterhub.auth import Authenticator
from traitlets import Unicode

from .passwords import check_password
from .settings import HubSettings


class SheetAuthenticator(Authenticator):
    """Users and password hashes from the hub's settings file (``cognito-mfa-kit hub`` writes it)."""

    settings_file = Unicode("", config=True, help="The hub's settings (JSON) holding each user's password hash.")

    def _settings(self) -> HubSettings:
        return HubSettings.load(self.settings_file)

    async def authenticate(self, handler: Any, data: dict[str, str]) -> str | None:  # noqa: ARG002 - JupyterHub's Authenticator API
        name = self.normalize_username(str(data.get("username") or "").strip())
        password = str(data.get("password") or "")
        user = self._settings().users.get(name)
        if user is None or not password:
            self.log.warning("Sign-in refused for %r: not a user of this class", name)
            return None
        # scrypt costs ~0.1 s of CPU on purpose: off the event loop, so other users' pages stay responsive
        if not await asyncio.to_thread(check_password, password, user.password_hash):
            self.log.warning("Sign-in refused for %r: wrong password", name)
            return None
        return name
