"""Where a browser is between the sign-in page and the authorization code: a *pending sign-in* per browser flow.

Each page after the first (the code page, the set-up page, the choice, the new password, a trip to an IdP) carries
the id of its pending sign-in in a hidden form field (``flow``) — no cookie and no JavaScript needed. A pending
sign-in holds the /oauth2/authorize request it answers and the API session of its current step: how long a page
stays usable is that session's AuthSessionValidity, as in the API. Pending sign-ins live in memory (a restart
forgets them: sign in again) and the janitor drops them an hour after they began.

What each page tells a person when something goes wrong is :func:`message_for`; the service's exact texts are not
documented, these are the sandbox's [UNVERIFIED] (the API's own error is shown with them).
"""

from __future__ import annotations

import secrets
import weakref
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import JsonRESTError

from ..clock import CLOCK
from ..janitor import JANITOR, SESSION_GRACE
from ..sessions import EXPIRED, USED
from ..timeshift import SHIFTERS

#: how long a pending sign-in is kept (its pages stop working earlier: when their API session expires)
LIFETIME = SESSION_GRACE


@dataclass
class PendingSignIn:
    id: str
    pool_id: str
    client_id: str
    #: the /oauth2/authorize request this sign-in answers (its parameters, validated)
    params: dict[str, str]
    #: SOFTWARE_TOKEN_MFA, SMS_MFA, SELECT_MFA_TYPE, MFA_SETUP, NEW_PASSWORD_REQUIRED, or FEDERATION
    step: str
    username: str = ""
    #: the API session answering ``step`` (for MFA_SETUP once the key is shown: AssociateSoftwareToken's)
    session: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    #: MFA_SETUP: the key being set up, shown again after a wrong code
    secret: str | None = None
    #: FEDERATION: the IdP's name and the nonce sent to it
    provider: str | None = None
    nonce: str | None = None
    expires_at: float = 0.0


class PendingSignIns:
    """Every pending sign-in, in memory."""

    def __init__(self) -> None:
        self._items: dict[str, PendingSignIn] = {}
        SHIFTERS.append(self.shift)

    def start(self, pool_id: str, client_id: str, params: dict[str, str], step: str, **fields: Any) -> PendingSignIn:
        item = PendingSignIn(id=secrets.token_urlsafe(24), pool_id=pool_id, client_id=client_id, params=dict(params),
                             step=step, expires_at=CLOCK.now(pool_id) + LIFETIME, **fields)
        self._items[item.id] = item
        JANITOR.schedule(item.expires_at, pool_id, _drop_pending, weakref.ref(self), item)
        return item

    def get(self, flow_id: str | None, pool_id: str) -> PendingSignIn | None:
        item = self._items.get(flow_id or "")
        return item if item is not None and item.pool_id == pool_id else None

    def finish(self, item: PendingSignIn) -> None:
        self._items.pop(item.id, None)

    def shift(self, pool_id: str, shift: float) -> None:
        for item in self._items.values():
            if item.pool_id == pool_id:
                item.expires_at -= shift

    def __len__(self) -> int:
        return len(self._items)


def _drop_pending(store: weakref.ref[PendingSignIns], item: PendingSignIn) -> float | None:
    """The janitor's end of a pending sign-in: removed once past its expiry; a later deadline if its pool's clock was
    put back meanwhile (:meth:`PendingSignIns.shift` moved ``expires_at``)."""
    alive = store()
    if alive is None or alive._items.get(item.id) is not item:
        return None
    if item.expires_at > CLOCK.now(item.pool_id):
        return item.expires_at
    del alive._items[item.id]
    return None


PENDING = PendingSignIns()
#: the browsers signed in on a domain (step ``SIGNED_IN``; the id is the session cookie's value): what
#: ``/passkeys/add`` needs; ``/logout`` ends one. An hour, as the pending sign-ins [UNVERIFIED: Cognito's session
#: cookie is observed to last an hour]
SIGNED_IN = PendingSignIns()


@dataclass(frozen=True)
class PageMessage:
    """What a page says after a refusal; ``restart``: the sign-in can't go on (sign in again)."""

    text: str
    restart: bool = False
    api_error: str = ""


def message_for(error: JsonRESTError) -> PageMessage:
    """The words a page shows for the API's refusal ``error`` (the same refusal InitiateAuth & co. give)."""
    kind, message = str(error.error_type), str(error.message)
    said = f"{kind}: {message}"
    if kind == "NotAuthorizedException":
        if message == EXPIRED:
            return PageMessage("This page has expired: you took longer than the app client's session validity. "
                               "Sign in again.", True, said)
        if message == USED:
            return PageMessage("Too many wrong codes for this sign-in. Sign in again.", True, said)
        if message.startswith("Invalid session"):
            return PageMessage("This sign-in can't go on. Sign in again.", True, said)
        if "attempts exceeded" in message:
            return PageMessage("Too many failed attempts: wait a moment before you try again.", False, said)
        if "disabled" in message:
            return PageMessage("This user is disabled.", True, said)
        if message.startswith("Incorrect passkey"):
            return PageMessage("The passkey was not accepted. Try again, or sign in with your password.", False, said)
        if message.startswith("No passkey sign-in"):
            return PageMessage("This user has no passkey to sign in with here: sign in with the password.", False,
                               said)
        if "not authorized to get auth details" in message:
            return PageMessage("This user signs in with their identity provider, not with a password.", False, said)
        return PageMessage("Incorrect username or password.", False, said)
    if kind == "UserNotFoundException":
        return PageMessage("User does not exist.", False, said)
    if kind in ("CodeMismatchException", "EnableSoftwareTokenMFAException"):
        return PageMessage("The code is not right. Enter the code your authenticator app shows now.", False, said)
    if kind == "ExpiredCodeException":
        return PageMessage("This code has been used already. Wait for the next code in your authenticator app.",
                           False, said)
    if kind == "InvalidPasswordException":
        return PageMessage(f"That password can't be used: {message}", False, said)
    if kind == "UserNotConfirmedException":
        return PageMessage("This user is not confirmed yet.", True, said)
    if kind == "PasswordResetRequiredException":
        return PageMessage("A password reset is required for this user.", True, said)
    if kind == "InvalidParameterException" and message.startswith("CREDENTIAL"):
        return PageMessage("The browser's answer is not a passkey assertion. Try again.", False, said)
    if kind == "InvalidParameterException" and "userCode" in message:
        return PageMessage("Enter the 6-digit code from your authenticator app.", False, said)
    return PageMessage(f"Something went wrong: {message}", True, said)
