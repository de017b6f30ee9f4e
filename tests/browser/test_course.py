"""The course in a real browser, every notebook, as a learner clicks through it (issues 6 and 15).

Each test opens one notebook, runs all its cells in Chromium through JupyterLab, checks the page is healthy and calm
(no widget error, no traceback, no browser console error, no call shown in red, no label cut short), then does what
the narrative asks a trainee to do: forms, responders, quizzes and tasks. ``test_kernel_restart`` restarts the
kernel under a notebook: every widget then says it is disconnected and what to do; running the cells again brings
them back.

The CSS classes the steps rely on are the widgets' stable hooks (``cognito_mfa_kit/ui``):

==================== ==========================================================================
``cmk-qr``           the QR code ``<img>`` of the key URI (enrolment card)
``cmk-reveal``       the card's Reveal toggle; ``cmk-setup-key`` the key, ``cmk-copy-button`` its Copy button
``cmk-virtual-code`` the virtual authenticator's current 6-digit code
``cmk-code-input``   the code field (a ``Text`` widget: the ``<input>`` is inside)
``cmk-verify-button`` the Verify button next to it (``cmk-respond-button`` in the challenge responder)
``cmk-status``       the status/result line (``cmk-status-ok`` when it succeeded)
``cmk-journal``      a journal view; each call is ``.cmk-journal-call[data-operation=...][data-ok=...]``
``cmk-tokens``       the token viewer
``cmk-exercise``     a quiz or task (``cmk-exercise-check`` its button, ``cmk-exercise-feedback`` the verdict)
``cmk-call``         a call under a cell (``data-ok``, ``data-expected``: a failure the lesson announced)
``cmk-restart-note`` what a widget says once its kernel is gone (hidden while connected)
==================== ==========================================================================
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="browser tests need Python Playwright (pip install playwright)")

from playwright.sync_api import expect

from cognito_mfa_kit.course import QUIZZES

CODE = re.compile(r"\b(\d{6})\b")
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def assert_calm(jupyter) -> None:
    """Healthy (conftest), and calm: no call in red, no label cut short, no widget saying it is disconnected."""
    page = jupyter.page
    jupyter.assert_healthy()
    red = page.locator('.cmk-call[data-ok="false"]:not([data-expected="true"])')
    assert red.count() == 0, "calls in red: " + " | ".join(red.evaluate_all("cs => cs.map(c => c.dataset.operation)"))
    cut = page.locator(".cmk-widget .widget-label").evaluate_all(
        "ls => ls.filter(l => l.offsetParent && l.scrollWidth > l.clientWidth + 1).map(l => l.textContent)")
    assert cut == [], f"labels cut short: {cut}"
    notes = [n for n in page.locator(".cmk-restart-note").all() if n.is_visible()]
    assert notes == [], "a widget says it is disconnected while the kernel runs"


def answer_quiz(page, key: str, *, wrong_first: bool = True) -> None:
    """Choose a wrong option and check (Not yet), then the right one (Correct), as a trainee would."""
    question, options, right, _why = QUIZZES[key]
    quiz = page.locator(".cmk-exercise", has_text=question[:60])
    expect(quiz).to_have_count(1)
    feedback = quiz.locator(".cmk-exercise-feedback")
    if wrong_first:
        quiz.get_by_text(next(o for o in options if o != right), exact=True).click()
        quiz.locator(".cmk-exercise-check").click()
        expect(feedback).to_contain_text("Not yet.")
    quiz.get_by_text(right, exact=True).click()
    quiz.locator(".cmk-exercise-check").click()
    expect(feedback).to_contain_text("Correct.")


def check_task(page, prompt_start: str) -> None:
    """Press a task's *Check my work*: it must say Correct."""
    task = page.locator(".cmk-exercise", has_text=prompt_start)
    task.locator(".cmk-exercise-check").click()
    expect(task.locator(".cmk-exercise-feedback")).to_contain_text("Correct.")


def run(jupyter, notebook: str) -> None:
    jupyter.open_notebook(notebook)
    jupyter.run_all_cells()
    assert_calm(jupyter)


def _enrol(jupyter, form) -> None:
    """In an enrol form: associate, see the QR, read the virtual authenticator, type the code, verify."""
    form.locator(".cmk-associate-button").click()
    qr = form.locator("img.cmk-qr")
    qr.wait_for()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")
    code = CODE.search(form.locator(".cmk-virtual-code").inner_text())
    assert code, "the virtual authenticator shows a 6-digit code"
    form.locator(".cmk-code-input input").fill(code.group(1))
    form.locator(".cmk-verify-button").click()
    form.locator(".cmk-status", has_text="SUCCESS").wait_for()


def _check_copy_button(jupyter, form) -> None:
    """Reveal the key, click Copy: the clipboard gets the key; without a clipboard, the key is selected instead."""
    page = jupyter.page
    form.locator(".cmk-reveal").click()
    key = form.locator(".cmk-setup-key code")
    key.get_by_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$")).wait_for()
    shown = key.inner_text()
    button = form.locator(".cmk-copy-button")
    # Chromium on http://127.0.0.1 (a secure context): navigator.clipboard writes it
    button.click()
    expect(button).to_have_text("Copied")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])  # to read it back
    assert page.evaluate("navigator.clipboard.readText()") == shown.replace(" ", "")
    # the write refused (only clipboard-read granted): the key is selected for Ctrl+C, no console error
    page.context.clear_permissions()
    page.context.grant_permissions(["clipboard-read"])
    button.click()
    expect(button).to_have_text("Selected: press Ctrl+C")
    assert page.evaluate("String(window.getSelection())") == shown
    # no clipboard at all (plain http from another host is not a secure context): selected too
    page.evaluate("""() => {
        Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true});
        window.getSelection().removeAllRanges();
    }""")
    button.evaluate("b => { b.textContent = 'Copy'; }")
    button.click()
    expect(button).to_have_text("Selected: press Ctrl+C")
    assert page.evaluate("String(window.getSelection())") == shown
    form.locator(".cmk-reveal").click()  # masked again before any screenshot
    key.get_by_text("•").wait_for()
    assert shown not in key.inner_text()


def test_course_02_enrol_and_verify(jupyter) -> None:
    """Notebook 02: run all; the QR renders; enrol "you" with the virtual authenticator's code; SUCCESS; journal."""
    page = jupyter.page
    run(jupyter, "02_enrol_a_signed_in_user.ipynb")
    assert page.locator("img.cmk-qr").first.evaluate("img => img.naturalWidth > 100"), "the card's QR code renders"

    form = page.locator(".cmk-enrol-form").last  # "Your turn": the learner's own enrolment
    _enrol(jupyter, form)
    # the form shows its own calls, live, under it
    journal = form.locator(".cmk-journal")
    journal.locator('.cmk-journal-call[data-operation="AssociateSoftwareToken"][data-ok="true"]').wait_for()
    journal.locator('.cmk-journal-call[data-operation="VerifySoftwareToken"][data-ok="true"]').wait_for()
    assert journal.locator(".cmk-journal-call").count() == 2, "only the form's own calls"
    _check_copy_button(jupyter, form)
    answer_quiz(page, "02-secret-call")
    answer_quiz(page, "02-after-verify")
    assert_calm(jupyter)
    jupyter.screenshot("course-02-enrolled")
    jupyter.screenshot_element(form, "course-02-enrol-form")


def test_course_04_sign_in_with_totp(jupyter) -> None:
    """Notebook 04: run all; answer Bob's SOFTWARE_TOKEN_MFA with the responder's virtual code; tokens and calls."""
    page = jupyter.page
    run(jupyter, "04_sign_in_with_totp.ipynb")

    # "Your turn": the cell signed Bob in (client API); the responder asks for the code and shows his virtual phone
    challenge = page.locator(".cmk-challenge", has_text="SOFTWARE_TOKEN_MFA").last
    challenge.wait_for()
    # Run All ended with course.wrap_up, which put Bob's pool clock back on real time: the phone's next tick (every
    # second) shows the code of that clock, as a trainee sees it by the time they type. Wait for one tick after Idle.
    seconds = challenge.locator(".cmk-virtual-seconds")
    expect(seconds).not_to_have_text(seconds.inner_text())
    code = CODE.search(challenge.locator(".cmk-virtual-code").inner_text())
    assert code, "the responder shows Bob's virtual authenticator code"
    challenge.locator(".cmk-code-input input").fill(code.group(1))
    challenge.locator(".cmk-respond-button").click()
    challenge.locator(".cmk-status", has_text="Signed in").wait_for()
    tokens = challenge.locator(".cmk-tokens")
    tokens.get_by_text("verified against the pool's public keys").wait_for()
    assert "NOT verified" not in tokens.inner_text()
    call = challenge.locator('.cmk-journal .cmk-journal-call[data-operation="RespondToAuthChallenge"][data-ok="true"]')
    call.wait_for()
    answer_quiz(page, "04-next-code")
    answer_quiz(page, "04-device")
    assert_calm(jupyter)
    jupyter.screenshot("course-04-signed-in")
    jupyter.screenshot_element(challenge, "course-04-responder")


def test_course_00_start_here(jupyter) -> None:
    """Notebook 00: the expected failure is shown calmly (grey, "expected"), the two quizzes check answers."""
    page = jupyter.page
    run(jupyter, "00_start_here.ipynb")
    expected = page.locator('.cmk-call[data-ok="false"][data-expected="true"]')
    expect(expected).to_have_count(1)
    expect(expected).to_contain_text("expected: ResourceNotFoundException")
    answer_quiz(page, "00-skew")
    answer_quiz(page, "00-secret")
    assert_calm(jupyter)


def test_course_01_pool_form_and_task(jupyter) -> None:
    """Notebook 01: the long CreateUserPool answer is folded; the pool form makes my-pool as the task asks (MFA ON,
    15-minute sessions) and the task's check says Correct; the labels read whole, Devices shows its default."""
    page = jupyter.page
    run(jupyter, "01_pool_ready_for_totp.ipynb")
    create = page.locator('.cmk-call[data-operation="CreateUserPool"][data-ok="true"]').first
    fold = create.locator("details.cmk-fold")
    expect(fold.locator(".cmk-fold-toggle")).to_be_visible()
    assert fold.evaluate("d => !d.open")
    fold.locator("summary").click()  # "show all": the rest of the answer, in place
    expect(fold.locator("pre").last).to_be_visible()
    expect(fold.locator(".cmk-fold-toggle")).to_be_hidden()

    form = page.locator(".cmk-pool-form")
    shown = form.locator(".cmk-remember-devices select").evaluate("s => s.options[s.selectedIndex].text")
    assert shown.replace("\xa0", " ") == "Don't remember"  # ipywidgets writes spaces as no-break spaces
    expect(form.locator(".cmk-session-minutes .widget-label")).to_have_text("Session (min)")
    form.locator(".cmk-pool-mfa button", has_text=re.compile(r"^ON$")).click()
    form.locator(".cmk-session-minutes .noUi-handle").focus()
    page.keyboard.press("End")
    expect(form.locator(".cmk-session-minutes .widget-readout")).to_have_text("15")
    form.locator(".cmk-create-pool-button").click()
    expect(form.locator(".cmk-status")).to_have_class(re.compile(r"cmk-status-ok"))
    check_task(page, "make a pool named my-pool")
    answer_quiz(page, "01-order")
    answer_quiz(page, "01-admin-flow")
    assert_calm(jupyter)


def test_course_03_preference_form_and_task(jupyter) -> None:
    """Notebook 03: untick "TOTP preferred", press Set (admin); Alice's status shows it; the task says Correct."""
    page = jupyter.page
    run(jupyter, "03_mfa_preference.ipynb")
    form = page.locator(".cmk-preference-form")
    form.locator(".cmk-admin-preference-preferred input").uncheck()
    form.locator(".cmk-admin-preference-button").click()
    expect(form.locator(".cmk-admin-preference .cmk-status")).to_have_class(re.compile(r"cmk-status-ok"))
    expect(form.locator(".cmk-mfa-status")).to_contain_text("SOFTWARE_TOKEN_MFA")
    expect(form.locator(".cmk-user-preference-preferred input")).not_to_be_checked()  # both columns show it now
    cli = form.locator(".cmk-admin-preference .cmk-cli pre")  # a long CLI line wraps between words, not inside
    assert cli.evaluate("p => [getComputedStyle(p).wordBreak, getComputedStyle(p).overflowWrap]") == ["normal",
                                                                                                     "anywhere"]
    check_task(page, "Make Alice's TOTP enabled but NOT preferred")
    answer_quiz(page, "03-admin")
    answer_quiz(page, "03-before-verify")
    assert_calm(jupyter)


def test_course_05_mfa_setup_in_the_responder(jupyter) -> None:
    """Notebook 05: the responder walks your user through MFA_SETUP (associate, QR, code, verify, answer) to tokens;
    the task's check then finds a TOTP challenge at the next sign-in."""
    page = jupyter.page
    run(jupyter, "05_enrolment_during_sign_in.ipynb")
    responder = page.locator(".cmk-challenge", has_text="MFA_SETUP").last
    expect(responder.locator(".cmk-session-countdown")).to_contain_text("Session valid for")
    _enrol(jupyter, responder.locator(".cmk-enrol-form"))
    responder.locator(".cmk-respond-button", has_text="Answer MFA_SETUP").click()
    responder.locator(".cmk-status", has_text="Signed in").wait_for()
    check_task(page, "Finish the enrolment of your user")
    answer_quiz(page, "05-session")
    assert_calm(jupyter)


def test_course_06_failures_are_shown_as_expected(jupyter) -> None:
    """Notebook 06: eleven failures made on purpose, each shown calmly as expected (none in red), explained."""
    page = jupyter.page
    run(jupyter, "06_when_it_goes_wrong.ipynb")
    expected = page.locator('.cmk-call[data-ok="false"][data-expected="true"]')
    source = json.loads((NOTEBOOKS / "06_when_it_goes_wrong.ipynb").read_text())
    announced = sum("course.expect(" in "".join(c["source"]) for c in source["cells"] if c["cell_type"] == "code")
    expect(expected).to_have_count(announced)  # each course.expect cell: one failing call, shown as expected
    for code in ("EnableSoftwareTokenMFAException", "CodeMismatchException", "ExpiredCodeException",
                 "NotAuthorizedException", "InvalidParameterException", "SoftwareTokenMFANotFoundException"):
        expect(expected.filter(has_text=f"expected: {code}").first).to_be_visible()
    assert page.get_by_text("User pool or app client not found").count() == 0  # the federated cell's wording
    answer_quiz(page, "06-reuse")
    answer_quiz(page, "06-lost")
    assert_calm(jupyter)


def test_course_07_playground_table_scrolls_and_live_quizzes(jupyter) -> None:
    """Notebook 07: the big table scrolls sideways in its box (its last column reachable, not cut off); the two
    live quizzes compute their answers against the sandbox when checked."""
    page = jupyter.page
    run(jupyter, "07_configuration_playground.ipynb")
    box = page.locator(".cmk-playground-scroll").first
    assert box.evaluate("b => getComputedStyle(b).overflowX") == "auto"
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    last = box.locator("tr").first.locator("th").last
    right_edge = box.evaluate("b => b.getBoundingClientRect().right")
    assert last.evaluate("c => c.getBoundingClientRect().right") <= right_edge + 1, "the last column is cut off"
    for question, right in (("Pool ON with TOTP and SMS", "SMS_MFA"), ("Pool OPTIONAL with TOTP only",
                                                                          "SOFTWARE_TOKEN_MFA")):
        quiz = page.locator(".cmk-exercise", has_text=question)
        quiz.get_by_text(right, exact=True).click()
        quiz.locator(".cmk-exercise-check").click()
        expect(quiz.locator(".cmk-exercise-feedback")).to_contain_text("Correct.")
    assert_calm(jupyter)


def test_course_08_commands_and_quiz(jupyter) -> None:
    """Notebook 08: the kit's command runs from the kernel's Python (clean-up dry run, doctor offline)."""
    page = jupyter.page
    run(jupyter, "08_on_real_aws_safely.ipynb")
    streams = " ".join(page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]')
                       .all_inner_texts())
    assert "command not found" not in streams and "No module named" not in streams
    assert "cmk-course-08" in streams  # the dry run lists this notebook's pool
    answer_quiz(page, "08-tier")
    assert_calm(jupyter)


def _run_a_cell_of_my_own(jupyter, after, source: str) -> None:
    """What a trainee does for a hands-on task: a new cell under ``after``'s cell, the code typed in, Shift+Enter."""
    page = jupyter.page
    cell = page.locator(".jp-Cell", has=after)
    cell.locator(".jp-InputArea-prompt").click()  # select the cell (command mode)
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # a new code cell below, selected
    cells = page.locator(".jp-Notebook .jp-Cell")
    mine = cells.nth(cells.evaluate_all("cs => cs.findIndex(c => c.classList.contains('jp-mod-active'))"))
    expect(mine).to_have_class(re.compile(r"jp-CodeCell"))
    page.keyboard.press("Enter")  # edit mode
    page.keyboard.type(source)
    page.keyboard.press("Shift+Enter")
    expect(mine.locator(".jp-InputArea-prompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=30_000)
    jupyter.wait_for_kernel_idle()


def test_course_10_beyond_totp_responder_quizzes_and_task(jupyter) -> None:
    """Notebook 10: run all (the expected refusals grey, none in red); "Your turn": the responder signs Bob in
    through SELECT_CHALLENGE (his password) → SELECT_MFA_TYPE (EMAIL_OTP) → the code read from the sandbox's outbox →
    tokens; the four quizzes; the hands-on task says Not yet, then Correct after the trainee's own cell."""
    page = jupyter.page
    run(jupyter, "10_beyond_totp.ipynb")
    source = json.loads((NOTEBOOKS / "10_beyond_totp.ipynb").read_text())
    announced = sum("course.expect(" in "".join(c["source"]) for c in source["cells"] if c["cell_type"] == "code")
    expected = page.locator('.cmk-call[data-ok="false"][data-expected="true"]')
    expect(expected).to_have_count(announced)
    for code in ("NotAuthorizedException", "FeatureUnavailableInTierException", "InvalidParameterException"):
        expect(expected.filter(has_text=f"expected: {code}").first).to_be_visible()

    password = re.search(r'password="([^"]+)"', "".join(
        "".join(c["source"]) for c in source["cells"] if c["cell_type"] == "code")).group(1)
    assert page.locator(".jp-MarkdownCell", has_text=f"the password {password}").count() == 1  # the narrative says it
    responder = page.locator(".cmk-challenge", has_text="SELECT_CHALLENGE").last
    expect(responder.locator(".cmk-session-countdown")).to_contain_text("Session valid for")
    responder.locator(".cmk-first-factor button", has_text=re.compile(r"^PASSWORD$")).click()
    responder.locator(".cmk-password input").fill(password)
    responder.locator(".cmk-respond-button:visible", has_text="Respond").click()
    expect(responder.locator(".cmk-challenge-name")).to_contain_text("SELECT_MFA_TYPE")
    responder.locator(".cmk-mfa-choice button", has_text=re.compile(r"^EMAIL_OTP$")).click()
    responder.locator(".cmk-respond-button:visible", has_text="Respond").click()
    expect(responder.locator(".cmk-challenge-name")).to_contain_text("EMAIL_OTP")
    responder.locator(".cmk-outbox-button").click()
    expect(responder.locator(".cmk-code-input input")).to_have_value(re.compile(r"^\d{6}$"))
    responder.locator(".cmk-respond-button:visible", has_text="Respond").click()
    responder.locator(".cmk-status", has_text="Signed in").wait_for()
    responder.locator(".cmk-tokens").get_by_text("verified against the pool's public keys").wait_for()
    answered = responder.locator('.cmk-journal .cmk-journal-call[data-operation="RespondToAuthChallenge"]'
                                 '[data-ok="true"]')
    expect(answered).to_have_count(3)  # SELECT_CHALLENGE, SELECT_MFA_TYPE, EMAIL_OTP

    for key in ("10-session", "10-first-factor", "10-plan", "10-passkey-mfa"):
        answer_quiz(page, key)

    task = page.locator(".cmk-exercise", has_text="Bob's next sign-in asks for EMAIL_OTP directly")
    task.locator(".cmk-exercise-check").click()
    expect(task.locator(".cmk-exercise-feedback")).to_contain_text("Not yet.")
    _run_a_cell_of_my_own(jupyter, task, 'flows.admin_set_preference(lab, pool, "Bob", totp_enabled=True, '
                          'totp_preferred=False, email_enabled=True, email_preferred=True)')
    check_task(page, "Bob's next sign-in asks for EMAIL_OTP directly")
    assert_calm(jupyter)
    jupyter.screenshot_element(responder, "course-10-responder")


def test_kernel_restart_widgets_say_disconnected_then_work_again(jupyter) -> None:
    """Restart the kernel under notebook 01: every widget says it is disconnected and what to do, takes no click
    (no "Cannot send" in the console), shows no broken-link icon; run the cells again and they work."""
    page = jupyter.page
    run(jupyter, "01_pool_ready_for_totp.ipynb")
    widgets = page.locator(".jp-OutputArea-output > .cmk-widget")
    count = widgets.count()
    assert count >= 4  # the pool form, two quizzes, the task
    jupyter.restart_kernel()
    expect(page.locator(".jp-OutputArea-output > .cmk-widget.jupyter-widgets-disconnected")).to_have_count(count)
    notes = page.locator(".jp-OutputArea-output > .cmk-widget > .cmk-restart-holder .cmk-restart-note")
    expect(notes).to_have_count(count)
    for note in notes.all():
        expect(note).to_be_visible()
        expect(note).to_contain_text("Re-run this cell")
    nested = page.locator(".cmk-widget .cmk-widget .cmk-restart-note")
    assert all(not n.is_visible() for n in nested.all()), "one note per widget, not one per part"
    icons = page.locator(".cmk-widget .jupyter-widgets-disconnected").evaluate_all(
        "es => es.filter(e => getComputedStyle(e, '::before').content !== 'none').length")
    assert icons == 0, "broken-link icons are drawn"
    quiz = page.locator(".cmk-exercise", has_text=QUIZZES["01-order"][0][:60])
    button = quiz.locator(".cmk-exercise-check").bounding_box()
    page.mouse.click(button["x"] + 5, button["y"] + 5)  # where a trainee clicks
    page.wait_for_timeout(500)
    assert jupyter.console_errors == [], f"a click on a dead widget: {jupyter.console_errors}"
    jupyter.screenshot("course-restart-disconnected")

    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    expect(page.locator(".jupyter-widgets-disconnected")).to_have_count(0, timeout=120_000)
    expect(page.locator(".jp-OutputArea-output > .cmk-widget")).to_have_count(count, timeout=120_000)
    jupyter.wait_for_kernel_idle()
    answer_quiz(page, "01-order", wrong_first=False)  # it works again
    assert_calm(jupyter)
