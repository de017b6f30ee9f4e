"""The codes the sandbox "sent" (it delivers nothing): SMS and email, read from its outbox, per pool.

>>> code = sent_code(lab, pool, "Bob")                    # the newest email or SMS code sent to Bob
>>> code = sent_code(lab, pool, "Bob", medium="EMAIL")    # EMAIL_OTP (email MFA or passwordless sign-in)

On real AWS the code goes to the user's phone or inbox: there is no outbox to read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..poolref import PoolRef, pool_id_of
from .validation import check_username

if TYPE_CHECKING:
    from ..connect import Lab

MEDIUMS = ("EMAIL", "SMS")


def sent_messages(lab: Lab, pool: PoolRef, username: str, medium: str | None = None) -> list[dict[str, Any]]:
    """The messages the sandbox "sent" to ``username`` in ``pool`` (oldest first), of ``medium`` if given."""
    username = check_username(username)
    if medium is not None and medium not in MEDIUMS:
        raise ValueError(f"medium: {medium!r} is not one of {', '.join(MEDIUMS)}.")
    if not lab.is_sandbox:
        raise ValueError("pool: on real AWS the code goes to the user's phone or inbox; only the sandbox keeps an "
                         "outbox. Ask the user for the code they received.")
    found = []
    for message in lab.sandbox_messages(pool_id_of(pool)):
        kind = message.get("medium") or "SMS"  # the sandbox's SMS messages predate the medium field
        if message.get("username") == username and (medium is None or kind == medium):
            found.append(message)
    return found


def sent_code(lab: Lab, pool: PoolRef, username: str, medium: str | None = None) -> str:
    """The newest code the sandbox "sent" to ``username`` (raises ValueError, saying why, when there is none)."""
    found = sent_messages(lab, pool, username, medium)
    if not found:
        what = f"{medium.lower()} " if medium else ""
        raise ValueError(f"username: no {what}code was sent to {username} in this pool yet; sign in first (the "
                         "challenge sends it).")
    return str(found[-1]["code"])
