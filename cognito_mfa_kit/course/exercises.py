"""The exercise widgets a notebook shows: a quiz from :data:`~.quizzes.QUIZZES`, a hands-on task with a live check.

The widgets themselves are :class:`cognito_mfa_kit.ui.Quiz` and :class:`cognito_mfa_kit.ui.Task`; this module
imports them only when a widget is asked for, so that ``import cognito_mfa_kit.course`` loads no ipywidgets.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .quizzes import QUIZZES

__all__ = ["quiz", "task"]


def quiz(key: str) -> Any:
    """The exercise widget for ``QUIZZES[key]`` (a :class:`cognito_mfa_kit.ui.Quiz`)."""
    from ..ui.exercises import Quiz

    question, options, answer, why = QUIZZES[key]
    return Quiz(question, options, answer, why=why)


def task(prompt: str, check: Callable[..., tuple[bool, str]], *args: Any, hint: str = "", **kwargs: Any) -> Any:
    """A hands-on exercise widget (a :class:`cognito_mfa_kit.ui.Task`); *Check my work* calls
    ``check(*args, **kwargs)`` → ``(passed, what it found)``."""
    from ..ui.exercises import Task

    return Task(prompt, functools.partial(check, *args, **kwargs), hint=hint)
