"""The seed flow through the Walkthrough's forms (clicks and values, no kernel) against the sandbox."""

from __future__ import annotations

import pytest

from cognito_mfa_kit.flows.auth import Challenge, Tokens
from cognito_mfa_kit.ui import Walkthrough


@pytest.fixture()
def walk(lab, unique):
    w = Walkthrough(lab, pool_name=unique, autostart=False)
    yield w
    w.close()


def _code(w: Walkthrough) -> str:
    code = w.virtual_code()
    assert code is not None
    return code


def test_steps_unlock_in_order_and_the_seed_flow_ends_with_verified_tokens(walk, lab):
    w = walk
    assert [s.key for s in w.steps if w.unlocked(s.key)] == ["pool"]
    assert w.step("user").box.layout.display == "none"

    w.pool_form.button.click()
    assert w.pool_form.status.kind == "ok", w.pool_form.status.text
    assert w.step("pool").done and w.unlocked("user") and not w.unlocked("signin")
    assert w.user_form.pool is w.pool_form.pool

    w.user_form.button.click()
    assert w.step("user").done, w.user_form.status.text
    assert w.signin_form.password.value == w.user_form.user.password

    w.signin_form.button.click()
    assert isinstance(w.signin_form.result, Tokens)  # MFA OPTIONAL and nothing enrolled: no challenge yet
    assert w.step("signin").done

    w.enrol_form.associate_button.click()
    card = w.enrol_form.card
    assert card is not None and bytes(card.qr.value).startswith(b"\x89PNG")
    assert "cmk-qr" in card.qr._dom_classes
    assert card.secret not in card.key_display.value  # masked until revealed
    w.enrol_form.code_entry.text.value = _code(w)
    w.enrol_form.code_entry.button.click()
    assert w.enrol_form.verification.status == "SUCCESS", w.enrol_form.status.text
    assert w.step("enrol").done

    w.preference_form.user.button.click()
    assert w.step("preference").done, w.preference_form.user.status.text
    assert "SOFTWARE_TOKEN_MFA" in w.preference_form.mfa_status.value
    assert "set-user-mfa-preference" in w.preference_form.user.cli.value

    w.mfa_signin_form.button.click()
    challenge = w.mfa_challenge.challenge
    assert isinstance(challenge, Challenge) and challenge.name == "SOFTWARE_TOKEN_MFA"
    lab.advance_clock(30)  # the code used at verify can't be used again: next 30 s step
    w.mfa_challenge.code_entry.text.value = _code(w)
    w.mfa_challenge.code_entry.button.click()
    assert isinstance(w.mfa_challenge.tokens, Tokens), w.mfa_challenge.status.text
    assert w.step("mfa").done and w.step("tokens").done
    assert w.token_viewer.verified == {"id": True, "access": True}
    assert w.token_viewer.claims["access"].username == "Bob"

    # Every call is in the journal view, with its CLI twin; no secret in clear.
    ops = [c.operation for c in lab.journal]
    for op in ("CreateUserPool", "AssociateSoftwareToken", "VerifySoftwareToken", "SetUserMFAPreference",
               "AdminInitiateAuth", "AdminRespondToAuthChallenge"):
        assert op in ops
        assert f"data-operation='{op}'" in w.journal_view.calls.value
    assert card.secret not in w.journal_view.calls.value
    assert w.mfa_challenge.tokens.access_token not in w.journal_view.calls.value


def test_a_failed_step_can_be_retried_and_nothing_done_is_lost(walk, lab):
    w = walk
    w.pool_form.button.click()
    w.user_form.button.click()
    w.signin_form.button.click()
    w.enrol_form.associate_button.click()
    right = _code(w)
    w.enrol_form.code_entry.text.value = f"{(int(right) + 1) % 1_000_000:06d}"
    w.enrol_form.code_entry.button.click()
    assert w.enrol_form.status.kind == "error"
    assert w.enrol_form.status.explanation.key == "totp-verify-mismatch"
    assert not w.step("enrol").done and w.unlocked("enrol") and not w.unlocked("preference")
    assert w.step("pool").done and w.step("user").done and w.step("signin").done
    # Retry in the same step with the right code.
    w.enrol_form.code_entry.text.value = _code(w)
    w.enrol_form.code_entry.button.click()
    assert w.step("enrol").done, w.enrol_form.status.text
    assert w.unlocked("preference")


def test_clock_controls_only_in_the_sandbox(walk):
    assert walk.clock.visible and walk.clock.layout.display != "none"
