"""Each failure the forms explain, against the sandbox: wrong code, reused code, expired session, preference
before verification, a flow not enabled on the client; plus busy state, double clicks, masking, timers."""

from __future__ import annotations

import threading
import time
import types

import pytest

from cognito_mfa_kit import flows
from cognito_mfa_kit.flows.auth import Challenge, Tokens
from cognito_mfa_kit.ui import (
    ChallengeResponder,
    ClockControls,
    CodeEntry,
    EnrolForm,
    JournalView,
    PreferenceForm,
    SignInForm,
    TotpEnrolmentCard,
    VirtualAuthenticatorView,
    feedback,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _mfa_challenge(lab, pool, bob) -> Challenge:
    result = flows.sign_in(lab, pool, "Bob", bob.password)
    assert isinstance(result, Challenge) and result.name == "SOFTWARE_TOKEN_MFA"
    return result


# ---------------------------------------------------------------- failures explained

def test_wrong_code_at_sign_in_is_explained_and_the_same_session_can_retry(lab, pool, bob, enrolled):
    _, phone = enrolled
    responder = ChallengeResponder(lab, pool, autostart=False)
    responder.challenge = _mfa_challenge(lab, pool, bob)
    wrong = f"{(int(phone.code()) + 1) % 1_000_000:06d}"
    responder.code_entry.text.value = wrong
    responder.code_entry.button.click()
    assert responder.status.kind == "error"
    assert responder.status.explanation.code == "CodeMismatchException"
    assert "ready" not in responder.code_entry.hint.value  # not "ready" beside the refusal
    assert "What to do" in responder.status.value
    assert responder.tokens is None and responder.challenge is not None
    responder.code_entry.text.value = phone.code()
    responder.code_entry.button.click()
    assert isinstance(responder.tokens, Tokens), responder.status.text
    assert responder.history == ["SOFTWARE_TOKEN_MFA"]


def test_reused_code_is_explained(lab, pool, bob, enrolled):
    _, phone = enrolled
    code = phone.code()
    first = ChallengeResponder(lab, pool, autostart=False)
    first.challenge = _mfa_challenge(lab, pool, bob)
    first.code_entry.text.value = code
    first.code_entry.button.click()
    assert isinstance(first.tokens, Tokens), first.status.text
    second = ChallengeResponder(lab, pool, autostart=False)
    second.challenge = _mfa_challenge(lab, pool, bob)
    second.code_entry.text.value = code
    second.code_entry.button.click()
    assert second.status.kind == "error"
    assert second.status.explanation.key == "totp-code-reused"
    assert second.tokens is None


def test_expired_session_shows_in_the_countdown_and_is_explained(lab, pool, bob, enrolled):
    _, phone = enrolled
    responder = ChallengeResponder(lab, pool, autostart=False)
    responder.challenge = _mfa_challenge(lab, pool, bob)
    assert "Session valid for" in responder.countdown.value
    assert 0 < responder.seconds_left() <= pool.session_minutes * 60
    lab.advance_clock(pool.session_minutes * 60 + 1)
    responder.tick()
    assert responder.seconds_left() < 0
    assert "expired" in responder.countdown.value
    responder.code_entry.text.value = phone.code()
    responder.code_entry.button.click()
    assert responder.status.explanation.key == "session-expired", responder.status.text
    assert responder.tokens is None


def test_preference_before_verification_is_explained(lab, pool, bob):
    tokens = flows.sign_in(lab, pool, "Bob", bob.password)
    form = PreferenceForm(lab, pool, username="Bob", access_token=tokens.access_token)
    form.user.button.click()
    assert form.user.status.kind == "error"
    assert form.user.status.explanation.key == "totp-not-verified", form.user.status.text
    form.admin.button.click()
    assert form.admin.status.kind == "error"
    assert form.admin.status.explanation.code == "InvalidParameterException"
    assert not form.done


def test_user_and_admin_preference_side_by_side(lab, pool, bob, enrolled):
    tokens, _ = enrolled
    form = PreferenceForm(lab, pool, username="Bob", access_token=tokens.access_token)
    form.admin.preferred.value = False
    form.admin.button.click()
    assert form.admin.status.kind == "ok", form.admin.status.text
    assert "admin-set-user-mfa-preference" in form.admin.cli.value and "--username Bob" in form.admin.cli.value
    assert "PreferredMfaSetting None" in form.mfa_status.value
    # both columns now show the user's settings (the user column would otherwise send the old preference again)
    assert (form.user.enabled.value, form.user.preferred.value) == (True, False)
    assert (form.admin.enabled.value, form.admin.preferred.value) == (True, False)
    form.user.preferred.value = True
    form.user.button.click()
    assert form.user.status.kind == "ok", form.user.status.text
    assert "--access-token" in form.user.cli.value and tokens.access_token not in form.user.cli.value
    assert "PreferredMfaSetting SOFTWARE_TOKEN_MFA" in form.mfa_status.value
    assert form.admin.preferred.value is True


def test_flow_not_enabled_on_the_client_is_explained(lab, unique):
    pool = flows.create_teaching_pool(lab, unique, auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    user = flows.create_user(lab, pool, "Bob")
    form = SignInForm(lab, pool, password=user.password, api="admin")
    form.button.click()
    assert form.status.kind == "error"
    assert form.status.explanation.key == "auth-flow-not-enabled", form.status.text
    assert form.result is None
    form.api.value, form.method.value = "client", "srp"  # the flow the client does allow
    form.button.click()
    assert isinstance(form.result, Tokens), form.status.text


def test_mfa_setup_chain_in_the_responder(lab, unique):
    pool = flows.create_teaching_pool(lab, unique, mfa="ON")
    user = flows.create_user(lab, pool, "Bob")
    signin = SignInForm(lab, pool, password=user.password)
    signin.button.click()
    assert isinstance(signin.result, Challenge) and signin.result.name == "MFA_SETUP"
    responder = ChallengeResponder(lab, pool, autostart=False)
    responder.challenge = signin.result
    enrol = responder.enrol
    assert enrol is not None and responder.finish_button.disabled
    responder.finish_button.click()  # before verifying: refused, nothing sent
    assert responder.status.kind == "refused" and responder.tokens is None
    enrol.associate_button.click()
    assert enrol.association.session, enrol.status.text
    enrol.code_entry.text.value = enrol.card.authenticator.code()
    enrol.code_entry.button.click()
    assert enrol.verification.ok and not responder.finish_button.disabled, enrol.status.text
    responder.finish_button.click()
    assert isinstance(responder.tokens, Tokens), responder.status.text
    assert responder.association.secret_code == enrol.card.secret


def test_select_mfa_type_and_new_password(lab, unique):
    pool = flows.create_teaching_pool(lab, unique, mfa="OPTIONAL", sms=True)
    user = flows.create_user(lab, pool, "Bob", phone="+447700900123", permanent=False)
    signin = SignInForm(lab, pool, password=user.password)
    signin.button.click()
    assert signin.result.name == "NEW_PASSWORD_REQUIRED", signin.status.text
    responder = ChallengeResponder(lab, pool, autostart=False)
    responder.challenge = signin.result
    responder.new_password.value = "short"
    responder.respond_button.click()
    assert responder.status.kind == "refused" and responder.challenge.name == "NEW_PASSWORD_REQUIRED"
    responder.new_password.value = "N3w-Passw0rd!x"
    responder.respond_button.click()
    assert responder.tokens is not None or responder.challenge is not None, responder.status.text
    assert responder.status.kind == "ok", responder.status.text
    # Both factors enabled, none preferred: SELECT_MFA_TYPE.
    tokens = flows.sign_in(lab, pool, "Bob", "N3w-Passw0rd!x")
    assert isinstance(tokens, Tokens)
    association = flows.associate(lab, access_token=tokens.access_token)
    phone = flows.authenticator(lab, association)
    flows.verify(lab, phone.code(), access_token=tokens.access_token)
    flows.set_preference(lab, tokens.access_token, totp_enabled=True, totp_preferred=False, sms_enabled=True)
    lab.advance_clock(30)
    responder.challenge = flows.sign_in(lab, pool, "Bob", "N3w-Passw0rd!x")
    assert responder.challenge.name == "SELECT_MFA_TYPE"
    assert set(responder.choice.options) >= {"SMS_MFA", "SOFTWARE_TOKEN_MFA"}
    responder.choice.value = "SOFTWARE_TOKEN_MFA"
    responder.respond_button.click()
    assert responder.challenge.name == "SOFTWARE_TOKEN_MFA", responder.status.text
    responder.code_entry.text.value = phone.code()
    responder.code_entry.button.click()
    assert isinstance(responder.tokens, Tokens), responder.status.text


# ---------------------------------------------------------------- behaviour

def test_code_entry_checks_as_typed_and_submits_on_enter():
    sent = []
    entry = CodeEntry(lambda code: sent.append(code) or "sent")
    assert entry.button.disabled and "cmk-code-input" in entry.text._dom_classes
    assert entry.text.continuous_update
    entry.text.value = "12a"
    assert entry.button.disabled and "only digits" in entry.hint.value and entry.code == ""
    entry.text._handle_custom_msg({"event": "submit"}, [])  # Enter with a bad value: refused, nothing sent
    assert sent == [] and entry.status.kind == "refused"
    entry.text.value = " 123 456 "
    assert not entry.button.disabled and entry.code == "123456"
    entry.text._handle_custom_msg({"event": "submit"}, [])  # Enter
    assert sent == ["123456"] and entry.status.kind == "ok"
    assert entry.text.value == "" and entry.button.disabled  # a code is single-use


def test_busy_state_while_a_call_runs_and_no_double_submit(monkeypatch):
    monkeypatch.setattr(feedback, "DOUBLE_CLICK_SECONDS", 5.0)
    seen = []

    def work(code: str) -> str:
        seen.append((code, entry.button.disabled, entry.button.description, entry.status.kind))
        entry.button.click()  # a click arriving while the call runs
        return "done"

    entry = CodeEntry(work)
    entry.text.value = "123456"
    entry.button.click()
    entry.text.value = "123456"
    entry.button.click()  # the second click of a double click, queued behind the first
    assert seen == [("123456", True, feedback.BUSY, "busy")]
    assert entry.button.description == "Verify"
    entry.text.value = "654321"  # changed input: a new submission
    entry.button.click()
    assert [s[0] for s in seen] == ["123456", "654321"]


def test_a_failing_callback_never_raises_and_is_explained():
    def boom(code: str) -> str:
        raise ConnectionRefusedError("nobody listening")

    entry = CodeEntry(boom)
    entry.text.value = "123456"
    entry.button.click()
    assert entry.status.kind == "error"
    assert entry.status.explanation.key == "endpoint-unreachable"
    assert entry.button.description == "Verify" and not entry.button.disabled


def test_enrolment_card_masks_reveals_remasks_and_redraws_the_qr():
    card = TotpEnrolmentCard(SECRET, account_name="Bob", autostart=False)
    try:
        assert SECRET not in card.key_display.value and SECRET not in card.copy.value
        card.reveal.value = True
        assert SECRET[:4] in card.key_display.value and SECRET in card.copy.value
        card.reveal.value = False
        assert SECRET[:4] not in card.key_display.value and SECRET not in card.copy.value
        before = bytes(card.qr.value)
        card.issuer_field.value = "ACME Co"
        assert "ACME%20Co:Bob" in card.uri and bytes(card.qr.value) != before
        drawn = (card.uri, bytes(card.qr.value))
        card.account_field.value = "a:b"  # can't go in a key URI label: refused, QR kept
        assert card.status.kind == "refused" and (card.uri, bytes(card.qr.value)) == drawn
        assert card.virtual is not None and "cmk-virtual-code" in card.virtual.code_display._dom_classes
        assert card.virtual.current_code == card.authenticator.code()
    finally:
        card.close()


def test_virtual_authenticator_ticks_on_its_clock_and_stops():
    from cognito_mfa_kit.totp import VirtualAuthenticator

    clock = types.SimpleNamespace(t=30 * 33_333_334 + 20.0)
    clock.now = lambda: clock.t
    view = VirtualAuthenticatorView(VirtualAuthenticator(SECRET, clock), autostart=False)
    assert view.countdown.value == 10 and view.seconds.value == "10 s left"
    first = view.current_code
    clock.t += 30
    view.tick()
    assert view.current_code != first and view.current_code in view.code_display.value
    view.start()
    assert view.ticker.running
    thread = view.ticker._thread
    view.stop()
    thread.join(timeout=5)
    assert not thread.is_alive() and thread.daemon


def test_journal_view_masks_explains_and_gives_the_cli_line(lab, pool, bob):
    view = JournalView(lab.journal)
    try:
        SignInForm(lab, pool, password="Wr0ng-password!").button.click()
        assert "data-operation='AdminInitiateAuth'" in view.calls.value
        assert "NotAuthorizedException" in view.calls.value and "What to do" in view.calls.value
        assert "aws cognito-idp admin-initiate-auth" in view.calls.value
        assert "Wr0ng-password!" not in view.calls.value
        view.reveal.value = True
        assert "Wr0ng-password!" in view.calls.value
        view.reveal.value = False
        assert "Wr0ng-password!" not in view.calls.value
    finally:
        view.stop()
    n = view.calls.value
    flows.mfa_status(lab, pool, "Bob")
    assert view.calls.value == n  # unsubscribed


def test_clock_controls_hidden_and_inert_outside_the_sandbox():
    moved = []
    fake = types.SimpleNamespace(is_sandbox=False, advance_clock=moved.append)
    controls = ClockControls(fake)
    assert not controls.visible and controls.layout.display == "none"
    assert all(b.disabled for b in controls.buttons.values())
    controls.buttons[30].click()
    controls.real_time_button.click()
    assert moved == [] and controls.real_time_button.disabled


def test_clock_controls_move_their_pools_clock_and_put_it_back(lab, pool, unique):
    other = flows.create_teaching_pool(lab, unique + "-other", mfa="OPTIONAL")
    controls = ClockControls(lab, pool)
    ticked = []
    controls.on_advance.append(ticked.append)
    controls.buttons[180].click()
    assert controls.status.kind == "ok" and ticked == [180] and pool.pool_id in controls.status.text
    assert lab.clock_for(pool).now() - time.time() == pytest.approx(180 + lab.clock.offset, abs=3)
    assert lab.clock_for(other).now() - time.time() == pytest.approx(lab.clock.offset, abs=3)  # not moved
    controls.real_time_button.click()
    assert controls.status.kind == "ok" and "real time" in controls.status.text and ticked == [180, 0.0]
    assert abs(lab.clock_time(pool).offset) < 0.5 and pool.pool_id not in lab.moved_pools


def test_clock_controls_follow_the_pool_they_are_given_later(lab, pool):
    controls = ClockControls(lab)  # e.g. the walkthrough's, before its pool exists
    controls.pool = pool
    controls.buttons[30].click()
    assert lab.clock_time(pool).offset - lab.clock.offset == pytest.approx(30, abs=1)
    controls.real_time_button.click()
    assert abs(lab.clock_time(pool).offset) < 0.5


def test_timers_do_not_write_to_stdout(capsys):
    from cognito_mfa_kit.ui.ticker import Ticker

    done = threading.Event()

    def tick():
        done.set()
        raise RuntimeError("a broken tick")

    ticker = Ticker(tick, 0.01).start()
    assert done.wait(5)
    ticker.stop()
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_enrol_form_refuses_without_token_or_session(lab):
    form = EnrolForm(lab, autostart=False)
    form.associate_button.click()
    assert form.status.kind == "refused" and form.association is None and form.card is None
