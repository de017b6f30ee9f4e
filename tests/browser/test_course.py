"""The course in a real browser, as a learner clicks through it (issue 6).

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
==================== ==========================================================================
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright", reason="browser tests need Python Playwright (pip install playwright)")

from playwright.sync_api import expect  # noqa: E402

CODE = re.compile(r"\b(\d{6})\b")


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
    jupyter.open_notebook("02_enrol_a_signed_in_user.ipynb")
    jupyter.run_all_cells()
    jupyter.assert_healthy()
    assert page.locator("img.cmk-qr").first.evaluate("img => img.naturalWidth > 100"), "the card's QR code renders"

    form = page.locator(".cmk-enrol-form").last  # "Your turn": the learner's own enrolment
    _enrol(jupyter, form)
    # the form shows its own calls, live, under it
    journal = form.locator(".cmk-journal")
    journal.locator('.cmk-journal-call[data-operation="AssociateSoftwareToken"][data-ok="true"]').wait_for()
    journal.locator('.cmk-journal-call[data-operation="VerifySoftwareToken"][data-ok="true"]').wait_for()
    assert journal.locator(".cmk-journal-call").count() == 2, "only the form's own calls"
    _check_copy_button(jupyter, form)
    jupyter.assert_healthy()
    jupyter.screenshot("course-02-enrolled")
    jupyter.screenshot_element(form, "course-02-enrol-form")


def test_course_04_sign_in_with_totp(jupyter) -> None:
    """Notebook 04: run all; answer Bob's SOFTWARE_TOKEN_MFA with the responder's virtual code; tokens and calls."""
    page = jupyter.page
    jupyter.open_notebook("04_sign_in_with_totp.ipynb")
    jupyter.run_all_cells()
    jupyter.assert_healthy()

    # "Your turn": the cell signed Bob in (client API); the responder asks for the code and shows his virtual phone
    challenge = page.locator(".cmk-challenge", has_text="SOFTWARE_TOKEN_MFA").last
    challenge.wait_for()
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
    jupyter.assert_healthy()
    jupyter.screenshot("course-04-signed-in")
    jupyter.screenshot_element(challenge, "course-04-responder")
