"""Helpers the course notebooks need, so that their cells stay one to three lines; one module per concern.

- :mod:`.display` — :func:`follow` shows, under each notebook cell, every Cognito call the cell made (its AWS CLI
  twin, then Cognito's answer, secrets masked, a long answer folded); :func:`calls` the latest calls on demand.
- :mod:`.expected` — :func:`expect` runs a step that must fail, shows the failure as expected and explains it (a
  different outcome stops the notebook, so the course's own test notices).
- :mod:`.lessons` — :func:`next_code`, :func:`fresh_user`, :func:`enrolled_user`, :func:`sessions`,
  :func:`outcome`, :func:`challenge_line`, :func:`claims`, authenticators (:func:`demo_authenticator`,
  :func:`skewed`, :func:`masked_key_uri`) and :func:`federated_provider`; none makes a call that fails.
- :mod:`.playground` — notebook 07's live table (:func:`playground`, :func:`live_answer`).
- :mod:`.quizzes` — the quiz questions as data (:data:`QUIZZES`); :mod:`.exercises` — :func:`quiz` and
  :func:`task` build the exercise widgets of :mod:`cognito_mfa_kit.ui` (imported only then).
- :mod:`.checks` — the live checks behind the tasks (:func:`check_pool`, :func:`check_mfa_status`,
  :func:`check_next_sign_in`, :func:`check_admin_token`).
- :mod:`.plans` — notebook 10's plan-by-feature table, built live (:func:`plan_matrix`).
- :mod:`.hosted` — notebook 09's hosted-UI helpers (``course.hosted.browse``, ``course.hosted.sign_in``, …).
- :mod:`.kernel` — :func:`headless` (nobody at the keyboard: ``COGNITO_MFA_KIT_HEADLESS=1``, set by the course's
  test and benchmark), :data:`KIT_COMMAND` for ``!`` cells, and the "run the cells above" hint of a ``NameError``.

Plain Python: nothing here imports ipywidgets at module level; IPython is used only when running in a kernel.
"""

from __future__ import annotations

from . import hosted
from .checks import CheckResult, check_admin_token, check_mfa_status, check_next_sign_in, check_pool
from .display import Markdown, call_html, calls, follow, unfollow
from .exercises import quiz, task
from .expected import Expected, expect
from .kernel import HEADLESS_ENV, KIT_COMMAND, headless, install_name_error_hint
from .lessons import (
    DEMO_SECRET,
    challenge_line,
    claims,
    demo_authenticator,
    demo_pool,
    enrolled_user,
    federated_provider,
    fresh_user,
    masked_key_uri,
    next_code,
    outcome,
    pool_table,
    sessions,
    skewed,
    wrap_up,
)
from .plans import plan_matrix
from .playground import (
    PLAYGROUND_COLUMNS,
    PLAYGROUND_DEFAULT_FLOWS,
    PLAYGROUND_FLOWS,
    PLAYGROUND_USERS,
    Playground,
    live_answer,
    playground,
)
from .quizzes import QUIZZES

__all__ = [
    "DEMO_SECRET",
    "HEADLESS_ENV",
    "KIT_COMMAND",
    "PLAYGROUND_COLUMNS",
    "PLAYGROUND_DEFAULT_FLOWS",
    "PLAYGROUND_FLOWS",
    "PLAYGROUND_USERS",
    "QUIZZES",
    "CheckResult",
    "Expected",
    "Markdown",
    "Playground",
    "call_html",
    "calls",
    "challenge_line",
    "check_admin_token",
    "check_mfa_status",
    "check_next_sign_in",
    "check_pool",
    "claims",
    "demo_authenticator",
    "demo_pool",
    "enrolled_user",
    "expect",
    "federated_provider",
    "follow",
    "fresh_user",
    "headless",
    "hosted",
    "install_name_error_hint",
    "live_answer",
    "masked_key_uri",
    "next_code",
    "outcome",
    "plan_matrix",
    "playground",
    "pool_table",
    "quiz",
    "sessions",
    "skewed",
    "task",
    "unfollow",
    "wrap_up",
]
