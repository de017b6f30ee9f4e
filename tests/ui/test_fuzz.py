"""Every text field, arbitrary input (hypothesis): no exception escapes, and a refused input changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cognito_mfa_kit import flows
from cognito_mfa_kit.totp import is_six_digits
from cognito_mfa_kit.ui import (
    ChallengeResponder,
    CodeEntry,
    EnrolForm,
    PoolForm,
    SignInForm,
    TotpEnrolmentCard,
    UserForm,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CALLS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
texts = st.one_of(
    st.text(),
    st.text(alphabet="0123456789 \t", max_size=10),
    st.from_regex(r"[0-9]{6}", fullmatch=True),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=300),
)


@pytest.fixture()
def pool(lab, unique):
    return flows.create_teaching_pool(lab, unique)


@FAST
@given(value=texts)
def test_code_field(value):
    for press in ("submit", "trigger"):  # Enter; the button (even if a browser sent a click while disabled)
        sent: list[str] = []
        entry = CodeEntry(lambda code, sent=sent: sent.append(code) or "ok")
        entry.text.value = value
        entry.submit() if press == "submit" else entry.action.trigger()
        assert all(is_six_digits(c) for c in sent)
        if entry.status.kind == "refused":
            assert sent == [] and entry.text.value == value  # refused: nothing sent, nothing changed
        else:
            assert entry.status.kind == "ok" and len(sent) == 1 and entry.text.value == ""


@FAST
@given(issuer=texts, account=texts)
def test_enrolment_card_fields(issuer, account):
    card = TotpEnrolmentCard(SECRET, account_name="Bob", autostart=False)
    try:
        drawn = (card.uri, bytes(card.qr.value), card.issuer, card.account_name)
        card.issuer_field.value = issuer
        if card.status.kind in ("refused", "error"):
            assert (card.uri, bytes(card.qr.value), card.issuer, card.account_name) == drawn
        drawn = (card.uri, bytes(card.qr.value), card.issuer, card.account_name)
        card.account_field.value = account
        if card.status.kind in ("refused", "error"):
            assert (card.uri, bytes(card.qr.value), card.issuer, card.account_name) == drawn
        assert card.uri.startswith("otpauth://totp/") and SECRET not in card.key_display.value
    finally:
        card.close()


@CALLS
@given(username=texts, password=texts)
def test_sign_in_fields(lab, pool, username, password):
    form = SignInForm(lab, pool, username=username, password=password)
    before = len(lab.journal)
    assert form.action.trigger() in (True, False)
    if form.status.kind == "refused":
        assert form.result is None and len(lab.journal) == before  # refused before any call
    elif form.status.kind == "error":
        assert form.result is None


@CALLS
@given(username=texts, password=texts)
def test_user_fields(lab, pool, username, password):
    form = UserForm(lab, pool, username=username)
    form.password.value = password
    before = len(lab.journal)
    form.action.trigger()
    if form.status.kind == "refused":
        assert form.user is None and len(lab.journal) == before
    elif form.status.kind == "error":
        assert form.user is None
    else:
        assert form.user.username == username


@CALLS
@given(name=texts)
def test_pool_name_field(lab, name):
    form = PoolForm(lab, name=name, run_id="ui-fuzz")
    before = len(lab.journal)
    form.action.trigger()
    if form.status.kind == "refused":
        assert form.pool is None and len(lab.journal) == before
    elif form.status.kind == "error":
        assert form.pool is None


@CALLS
@given(new_password=texts, device=texts)
def test_challenge_and_enrol_fields(lab, pool, new_password, device):
    responder = ChallengeResponder(lab, pool, autostart=False)
    challenge = flows.Challenge(name="NEW_PASSWORD_REQUIRED", session="s" * 40, username="nobody",
                                issued_at=lab.clock.now())
    responder.challenge = challenge
    responder.new_password.value = new_password
    responder.respond_action.trigger()
    assert responder.status.kind in ("refused", "error")  # no such user/session: never tokens
    assert responder.challenge is challenge and responder.tokens is None
    enrol = EnrolForm(lab, autostart=False, device_name=device)
    enrol.code_entry.text.value = "123456"
    enrol.code_entry.submit()
    assert enrol.status.kind == "refused" and enrol.verification is None
