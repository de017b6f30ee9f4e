"""The course in a real browser, as a learner clicks through it.

SKIPPED until the course notebooks (``notebooks/02_*``, ``notebooks/04_*``) and their widgets are final; remove the
``skip`` marks then. The steps are written out so that un-skipping is the only change needed, and the CSS classes
they rely on are the widgets' stable hooks (``cognito_mfa_kit/ui``):

==================== ==========================================================================
``cmk-qr``           the QR code ``<img>`` of the key URI (enrolment card)
``cmk-virtual-code`` the virtual authenticator's current 6-digit code
``cmk-code-input``   the code field (a ``Text`` widget: the ``<input>`` is inside)
``cmk-verify-button`` the Verify button next to it
``cmk-status``       the status/result line (``cmk-status-ok`` when it succeeded)
``cmk-journal``      the journal view; each call is ``.cmk-journal-call[data-operation=...][data-ok=...]``
==================== ==========================================================================
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright", reason="browser tests need Python Playwright (pip install playwright)")

CODE = re.compile(r"\b(\d{6})\b")
COURSE_PENDING = "course notebooks 02/04 and their widgets are still being written (issue 6): un-skip when final"


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


@pytest.mark.skip(reason=COURSE_PENDING)
def test_course_02_enrol_and_verify(jupyter) -> None:
    """Notebook 02: run all; the QR renders; enrol "you" with the virtual authenticator's code; SUCCESS; journal."""
    page = jupyter.page
    jupyter.open_notebook("02_enrol_a_signed_in_user.ipynb")
    jupyter.run_all_cells()
    jupyter.assert_healthy()
    assert page.locator("img.cmk-qr").first.evaluate("img => img.naturalWidth > 100"), "the card's QR code renders"

    form = page.locator(".cmk-enrol-form").last  # "Your turn": the learner's own enrolment
    # tried 2026-11 with the unfinished notebook: everything up to SUCCESS passed; the journal check failed, as
    # notebook 02 has no journal view (`ui.JournalView`) showing calls made by widgets
    _enrol(jupyter, form)
    jupyter.screenshot("course-02-enrolled")

    call = page.locator('.cmk-journal .cmk-journal-call[data-operation="VerifySoftwareToken"][data-ok="true"]')
    call.last.wait_for()
    jupyter.assert_healthy()


@pytest.mark.skip(reason=COURSE_PENDING)
def test_course_04_sign_in_with_totp(jupyter) -> None:
    """Notebook 04: run all; sign in with password, answer SOFTWARE_TOKEN_MFA with the virtual code; tokens shown."""
    page = jupyter.page
    jupyter.open_notebook("04_sign_in_with_totp.ipynb")
    jupyter.run_all_cells()
    jupyter.assert_healthy()

    form = page.locator(".cmk-signin-form").last
    form.locator(".cmk-signin-button").click()
    challenge = page.locator(".cmk-challenge", has_text="SOFTWARE_TOKEN_MFA").last
    challenge.wait_for()
    # expects the responder to show Bob's virtual authenticator (today notebook 04 says: run phone.code() in a new cell)
    code = CODE.search(challenge.locator(".cmk-virtual-code").inner_text())
    assert code
    challenge.locator(".cmk-code-input input").fill(code.group(1))
    challenge.locator(".cmk-respond-button").click()
    page.locator(".cmk-tokens").last.wait_for()
    jupyter.screenshot("course-04-signed-in")
    call = page.locator('.cmk-journal .cmk-journal-call[data-operation="RespondToAuthChallenge"][data-ok="true"]')
    call.last.wait_for()
    jupyter.assert_healthy()
