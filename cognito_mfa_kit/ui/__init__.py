"""ipywidgets forms and views over the kit's core (imported lazily: ``import cognito_mfa_kit.ui`` is cheap).

>>> from cognito_mfa_kit.ui import Walkthrough
>>> Walkthrough(lab)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Walkthrough": "walkthrough",
    "PoolForm": "pool_form",
    "UserForm": "user_form",
    "SignInForm": "signin_form",
    "EnrolForm": "enrol_form",
    "TotpEnrolmentCard": "enrolment",
    "VirtualAuthenticatorView": "authenticator",
    "CodeEntry": "code_entry",
    "PreferenceForm": "preference_form",
    "ChallengeResponder": "challenge",
    "HostedUiSignIn": "hosted_ui",
    "TokenViewer": "token_viewer",
    "JournalView": "journal_view",
    "ClockControls": "clock",
    "StatusLine": "feedback",
    "Action": "feedback",
    "Ticker": "ticker",
    "ClassProgress": "class_progress",
    "Quiz": "exercises",
    "Task": "exercises",
    "RestartNote": "restart",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
