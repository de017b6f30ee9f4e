"""Exercise widgets that check the answer: a question with choices (:class:`Quiz`) and a hands-on task checked live
against the target (:class:`Task`).

>>> Quiz("Which call returns the TOTP secret?", ["VerifySoftwareToken", "AssociateSoftwareToken"],
...      answer="AssociateSoftwareToken", why="Associate creates the secret; Verify proves the app has it.")
>>> Task("Make Bob's next sign-in ask for a TOTP code.", check=lambda: course_check(...))

Neither ever raises into the notebook: a failing check is shown as "not yet" with its reason. Stable CSS classes:
``cmk-exercise``, ``cmk-exercise-choice``, ``cmk-exercise-check``, ``cmk-exercise-feedback``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from ..errors import explain
from .restart import add_restart_note

#: A live check: ``(passed, what was found)``.
CheckResult = tuple[bool, str]

_OK = "#1b7f3b"
_NOT_YET = "#9a6700"


def _feedback(passed: bool, text: str) -> str:
    colour, mark = (_OK, "Correct") if passed else (_NOT_YET, "Not yet")
    return f"<span style='color:{colour}'><b>{mark}.</b></span> {text}"


class Quiz(widgets.VBox):
    """A multiple-choice question; *Check* says whether the choice is right and why.

    ``answer`` is the right option, or a function computing it live (e.g. from the sandbox) when checked.
    ``attempts`` counts checks; ``passed`` is True once the right answer was checked.
    """

    passed = traitlets.Bool(False)
    attempts = traitlets.Int(0)

    def __init__(
        self,
        question: str,
        options: Sequence[str],
        answer: str | Callable[[], str],
        *,
        why: str = "",
        hint: str = "",
    ) -> None:
        if not options:
            raise ValueError("options: a quiz needs at least two options to choose from.")
        if isinstance(answer, str) and answer not in options:
            raise ValueError(f"answer: {answer!r} is not one of the options.")
        self.question = question
        self.options = list(options)
        self._answer = answer
        self.why, self.hint = why, hint
        self.choice = widgets.RadioButtons(options=self.options, value=None, layout=widgets.Layout(width="auto"))
        self.choice.add_class("cmk-exercise-choice")
        self.check_button = widgets.Button(description="Check", button_style="primary", icon="check")
        self.check_button.add_class("cmk-exercise-check")
        self.feedback = widgets.HTML("")
        self.feedback.add_class("cmk-exercise-feedback")
        self.check_button.on_click(lambda _b: self.check())
        heading = widgets.HTML(f"<b>Question.</b> {html.escape(question)}")
        super().__init__([heading, self.choice, self.check_button, self.feedback])
        add_restart_note(self)
        self.add_class("cmk-exercise")

    def answer(self) -> str:
        """The right option (computed now when it is live)."""
        return self._answer() if callable(self._answer) else self._answer

    def check(self, choice: str | None = None) -> bool:
        """Check ``choice`` (default: the selected option); show the verdict. Never raises."""
        if choice is not None:
            if choice not in self.options:
                self.feedback.value = _feedback(False, f"{html.escape(choice)!s} is not one of the options.")
                return False
            self.choice.value = choice
        picked = self.choice.value
        if picked is None:
            self.feedback.value = _feedback(False, "Choose an option first.")
            return False
        self.attempts += 1
        try:
            right = self.answer()
        except Exception as exc:  # noqa: BLE001 - a live answer failed: say why, never raise
            why = explain(exc)
            self.feedback.value = _feedback(False, f"Could not work out the answer live: {html.escape(why.title)}. "
                                                   f"{html.escape(why.what_to_do)}")
            return False
        passed = picked == right
        self.passed = self.passed or passed
        if passed:
            self.feedback.value = _feedback(True, self.why)
        else:
            hint = self.hint or "Read the cells above again and try another option."
            self.feedback.value = _feedback(False, hint)
        return passed


class Task(widgets.VBox):
    """A hands-on exercise: the trainee does something (in cells or forms), then *Check* runs ``check()`` live.

    ``check`` returns ``(passed, what it found)``; an exception counts as not passed, explained in words.
    """

    passed = traitlets.Bool(False)
    attempts = traitlets.Int(0)

    def __init__(self, prompt: str, check: Callable[[], CheckResult], *, hint: str = "") -> None:
        self.prompt = prompt
        self._check = check
        self.hint = hint
        self.check_button = widgets.Button(description="Check my work", button_style="primary", icon="check")
        self.check_button.add_class("cmk-exercise-check")
        self.feedback = widgets.HTML("")
        self.feedback.add_class("cmk-exercise-feedback")
        self.check_button.on_click(lambda _b: self.check())
        parts: list[Any] = [widgets.HTML(f"<b>Your turn.</b> {html.escape(prompt)}")]
        if hint:
            parts.append(widgets.HTML(f"<details><summary>Hint</summary>{hint}</details>"))
        super().__init__([*parts, self.check_button, self.feedback])
        add_restart_note(self)
        self.add_class("cmk-exercise")

    def check(self) -> bool:
        """Run the check now and show the verdict. Never raises."""
        self.attempts += 1
        try:
            passed, found = self._check()
        except Exception as exc:  # noqa: BLE001 - never raise into the notebook: the form says why
            why = explain(exc)
            self.feedback.value = _feedback(False, f"{html.escape(why.title)}: {html.escape(why.what_to_do)}")
            return False
        self.passed = self.passed or bool(passed)
        self.feedback.value = _feedback(bool(passed), html.escape(found))
        return bool(passed)
