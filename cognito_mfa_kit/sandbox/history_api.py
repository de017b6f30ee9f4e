"""AdminListUserAuthEvents: a user's sign-in history, which Cognito keeps only with threat protection.

[DOC AdminListUserAuthEvents, service model] It needs the pool's threat protection (``UserPoolAddOns.
AdvancedSecurityMode`` AUDIT or ENFORCED; Plus plan) — otherwise ``UserPoolAddOnNotEnabledException`` [the message
text is UNVERIFIED]; newest first, at most ``MaxResults`` (0–60) a page, ``NextToken`` for the next.
"""

from __future__ import annotations

import base64
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException

from .backend_protocol import MixinBase
from .exceptions import UserPoolAddOnNotEnabledException

THREAT_PROTECTION_MODES = frozenset({"AUDIT", "ENFORCED"})


def threat_protection(pool: Any) -> bool:
    """True if the pool records sign-in events (threat protection in audit or full-function mode)."""
    add_ons = pool.extended_config.get("UserPoolAddOns") or {}
    return add_ons.get("AdvancedSecurityMode") in THREAT_PROTECTION_MODES


class AuthEventsApi(MixinBase):
    """The sign-in history part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin)."""

    def admin_list_user_auth_events(self, user_pool_id: str, username: str, max_results: int | None,
                                    next_token: str | None) -> dict[str, Any]:
        pool = self.describe_user_pool(user_pool_id)
        user = self.admin_get_user(user_pool_id, username)
        if not threat_protection(pool):
            raise UserPoolAddOnNotEnabledException()
        limit = 60 if max_results is None else int(max_results)
        if not 0 <= limit <= 60:
            raise InvalidParameterException(
                f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy constraint: "
                "Member must have value less than or equal to 60")
        try:
            start = int(base64.urlsafe_b64decode((next_token or "MA==").encode()).decode()) if next_token else 0
        except ValueError:
            raise InvalidParameterException("Invalid NextToken") from None
        events = pool.events.of_user(user.username)
        page = events[start:start + limit]
        answer: dict[str, Any] = {"AuthEvents": [e.to_api() for e in page]}
        if start + limit < len(events):
            answer["NextToken"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        return answer
