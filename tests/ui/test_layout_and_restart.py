"""Layout and robustness of every kit widget, in plain Python (traits, no browser): the restart note each carries,
labels that fit, the Devices dropdown's choice, folded long answers, font-safe text, skews that never read -0."""

from __future__ import annotations

import json
import time
import types
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets
import pytest

from cognito_mfa_kit import course, flows
from cognito_mfa_kit.rendering import unsafe_characters
from cognito_mfa_kit.ui import (
    ChallengeResponder,
    ClockControls,
    CodeEntry,
    EnrolForm,
    JournalView,
    PoolForm,
    PreferenceForm,
    Quiz,
    SignInForm,
    Task,
    TokenViewer,
    TotpEnrolmentCard,
    UserForm,
    VirtualAuthenticatorView,
    Walkthrough,
)
from cognito_mfa_kit.ui.restart import RESTART_CSS, RESTART_NOTE, RestartNote
from cognito_mfa_kit.units import signed_seconds

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _every_widget(lab: Any, pool: Any) -> list[widgets.Box]:
    from cognito_mfa_kit.totp import VirtualAuthenticator

    phone = VirtualAuthenticator(SECRET, lab.clock, account_name="Bob")
    return [
        PoolForm(lab), UserForm(lab, pool), SignInForm(lab, pool), EnrolForm(lab, autostart=False),
        ChallengeResponder(lab, pool, autostart=False, authenticator=phone), PreferenceForm(lab, pool),
        TokenViewer(lab), JournalView(lab.journal), ClockControls(lab), CodeEntry(lambda code: "ok"),
        TotpEnrolmentCard(SECRET, account_name="Bob", autostart=False),
        VirtualAuthenticatorView(phone, autostart=False),
        Quiz("2+2?", ["3", "4"], "4", why="arithmetic"), Task("Do it.", lambda: (True, "done")),
        Walkthrough(lab, autostart=False), course.quiz("00-skew"),
    ]


def _tree(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _tree(child)


def _texts(widget: Any) -> Iterator[str]:
    """Every text a widget tree shows: descriptions, values, labels of options, tooltips, placeholders."""
    for w in _tree(widget):
        for name in ("description", "tooltip", "placeholder"):
            value = getattr(w, name, None)
            if isinstance(value, str):
                yield value
        if isinstance(w, widgets.HTML | widgets.Label | widgets.HTMLMath | widgets.Text | widgets.Textarea):
            yield str(w.value)
        yield from getattr(w, "_options_labels", ()) or ()
        yield from getattr(w, "tooltips", ()) or ()


def test_every_kit_widget_carries_the_restart_note_first(lab, pool) -> None:
    """Once the kernel is gone the browser can run no Python: the note and its CSS are already in the widget."""
    for widget in _every_widget(lab, pool):
        note = widget.children[0]
        assert isinstance(note, RestartNote), type(widget).__name__
        assert "cmk-widget" in widget._dom_classes and "cmk-restart-holder" in note._dom_classes
        assert RESTART_NOTE in note.value and f"<style>{RESTART_CSS}</style>" in note.value
        assert sum(isinstance(c, RestartNote) for c in widget.children) == 1
    assert "Re-run this cell" in RESTART_NOTE and "Run All Above Selected Cell" in RESTART_NOTE
    # the CSS keys off the class JupyterLab's widget manager puts on a view whose kernel is gone
    assert ".cmk-widget.jupyter-widgets-disconnected > .cmk-restart-holder" in RESTART_CSS
    assert "pointer-events: none" in RESTART_CSS  # a dead button takes no click ("Cannot send")


def test_every_kit_widget_shows_only_font_safe_text(lab, pool) -> None:
    for widget in _every_widget(lab, pool):
        bad = {text[:60]: unsafe_characters(text) for text in _texts(widget) if unsafe_characters(text)}
        assert bad == {}, type(widget).__name__


def test_quiz_and_task_say_what_they_are_in_words(lab) -> None:
    quiz = Quiz("2+2?", ["3", "4"], "4", why="arithmetic")
    assert "<b>Question.</b> 2+2?" in quiz.children[1].value
    assert quiz.check("4") and quiz.feedback.value.count("Correct.") == 1
    task = Task("Make <it>.", lambda: (True, "done"))
    assert "<b>Your turn.</b> Make &lt;it&gt;." in task.children[1].value  # escaped


def test_pool_form_labels_fit_and_devices_shows_its_default(lab, unique) -> None:
    form = PoolForm(lab, name=unique)
    for field in (form.session_minutes, form.remember):  # "Session (min)" was cut to "Session (…"
        assert field.style.description_width == "initial", field.description
    assert form.remember.label == "Don't remember" and form.remember.index == 0  # not a blank selection
    form.button.click()
    assert form.status.kind == "ok" and form.pool.remember_devices is None
    form.remember.label = "Always"
    form.button.click()
    assert form.status.kind == "ok" and form.pool.remember_devices == "always"
    assert lab.client.describe_user_pool(UserPoolId=form.pool.pool_id)["UserPool"]["DeviceConfiguration"][
        "ChallengeRequiredOnNewDevice"]


def test_journal_view_folds_a_long_response(lab, unique) -> None:
    view = JournalView(lab.journal)
    try:
        flows.create_teaching_pool(lab, unique)
        page = view.calls.value
        create = page[page.index("data-operation='CreateUserPool'"):]
        create = create[:create.index("cmk-journal-call", 10)] if "cmk-journal-call" in create[10:] else create
        assert "cmk-fold" in create and "more lines (click to show them)" in create
        long = json.dumps(next(c for c in lab.journal if c.operation == "CreateUserPool").response_masked, indent=2,
                          default=str)
        assert long.count("\n") > 100
    finally:
        view.close()


@pytest.mark.parametrize(("seconds", "decimals", "text"), [
    (-0.2, 0, "+0 s"), (-0.04, 1, "+0.0 s"), (0.0, 0, "+0 s"), (-0.0, 1, "+0.0 s"), (-0.6, 0, "-1 s"),
    (12.46, 1, "+12.5 s"), (-3.0, 0, "-3 s"),
])
def test_signed_seconds_never_reads_minus_zero(seconds: float, decimals: int, text: str) -> None:
    assert signed_seconds(seconds, decimals) == text


def test_clock_label_says_plus_zero_for_a_clock_a_fraction_behind() -> None:
    fake = types.SimpleNamespace(is_sandbox=True, clock=types.SimpleNamespace(now=lambda: time.time() - 0.3))
    controls = ClockControls(fake)
    assert "(+0 s from this machine)" in controls.time_label.value
