"""Every text field, arbitrary input (hypothesis): each outcome is one the form is meant to have, nothing else.

A form's click ends in exactly one of these, and each test names which ones its input may earn:

- **refused** — the form refused the input before any call: status ``refused`` with a message that starts by naming
  the field (``username: ...``, ``Not sent: ...``), no call made (the journal unchanged), nothing changed;
- **Cognito refused** — the call was made and Cognito answered with an error code this input can earn (status
  ``error``, its ``exception`` a ``ClientError`` with that code), nothing set;
- **done** — status ``ok`` and the result set, as asked.

Any other outcome fails the test: an exception of another kind behind an ``error`` status (a bug the form turned into
a message), another error code, a success without its result, or an exception out of the click.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cognito_mfa_kit import flows
from cognito_mfa_kit.naming import pool_name
from cognito_mfa_kit.totp import is_six_digits, normalise_code
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


def outcome(status: Any, lab: Any = None, calls_before: int | None = None, *, fields: tuple[str, ...] = (),
            codes: tuple[str, ...] = ()) -> str:
    """Which of the three outcomes ``status`` shows ("refused", "cognito", "done"); fails on anything else.

    ``fields``: the prefixes a refusal's message may start with; ``codes``: the Cognito error codes the input may earn.
    """
    if status.kind == "refused":
        assert status.text.startswith(fields), f"a refusal that names no field: {status.text!r}"
        if lab is not None:
            assert len(lab.journal) == calls_before, "refused, yet a call was made"
        return "refused"
    if status.kind == "error":
        exc = status.exception
        assert isinstance(exc, ClientError), f"not a refusal but a crash: {exc!r}"
        code = exc.response.get("Error", {}).get("Code")
        assert code in codes, f"Cognito answered {code} ({exc}); this input should earn only {codes}"
        assert status.explanation is not None and status.explanation.key != "unexpected-error"
        return "cognito"
    assert status.kind == "ok", f"status {status.kind!r}: {status.text!r}"
    return "done"


@FAST
@given(value=texts)
def test_code_field(value):
    for press in ("submit", "trigger"):  # Enter; the button (even if a browser sent a click while disabled)
        sent: list[str] = []
        entry = CodeEntry(lambda code, sent=sent: sent.append(code) or "ok")
        entry.text.value = value
        entry.submit() if press == "submit" else entry.action.trigger()
        result = outcome(entry.status, fields=("Not sent: ",))
        assert result in ("refused", "done")
        if result == "refused":
            assert sent == [] and entry.text.value == value  # refused: nothing sent, nothing changed
            with pytest.raises(ValueError):
                normalise_code(value)
        else:
            assert len(sent) == 1 and is_six_digits(sent[0]) and entry.text.value == ""
            assert sent[0] == normalise_code(value)


@FAST
@given(issuer=texts, account=texts)
def test_enrolment_card_fields(issuer, account):
    card = TotpEnrolmentCard(SECRET, account_name="Bob", autostart=False)
    try:
        for field, value in ((card.issuer_field, issuer), (card.account_field, account)):
            if value == field.value:
                continue  # no change: the card has nothing to redraw or say
            drawn = (card.uri, bytes(card.qr.value), card.issuer, card.account_name)
            field.value = value
            result = outcome(card.status, fields=("QR not redrawn: ",))
            assert result in ("refused", "done")
            if result == "refused":  # the QR code and the key URI stay those of the last good values
                assert (card.uri, bytes(card.qr.value), card.issuer, card.account_name) == drawn
            else:
                assert (card.issuer, card.account_name) == (card.issuer_field.value, card.account_field.value)
        assert card.uri.startswith("otpauth://totp/") and SECRET not in card.key_display.value
    finally:
        card.close()


@CALLS
@given(username=texts, password=texts)
def test_sign_in_fields(lab, pool, username, password):
    """No user exists in the pool: a sign-in is refused by the form, or by Cognito (no such user)."""
    form = SignInForm(lab, pool, username=username, password=password)
    before = len(lab.journal)
    form.action.trigger()
    result = outcome(form.status, lab, before, fields=("username: ", "password: "),
                     codes=("UserNotFoundException", "NotAuthorizedException"))
    assert result in ("refused", "cognito") and form.result is None


@CALLS
@given(username=texts, password=texts)
def test_user_fields(lab, pool, username, password):
    form = UserForm(lab, pool, username=username)
    form.password.value = password
    before = len(lab.journal)
    form.action.trigger()
    result = outcome(form.status, lab, before, fields=("username: ", "password: "), codes=("InvalidPasswordException",))
    if result == "done":
        assert form.user.username == username and flows.user_exists(lab, pool, username)
    else:
        assert form.user is None


@CALLS
@given(name=texts)
def test_pool_name_field(lab, name):
    form = PoolForm(lab, name=name, run_id="ui-fuzz")
    before = len(lab.journal)
    form.action.trigger()
    result = outcome(form.status, lab, before, fields=("Pool name: ", "name: "), codes=("InvalidParameterException",))
    if result == "done":
        assert form.pool.name == pool_name(name.strip())
        assert lab.client.describe_user_pool(UserPoolId=form.pool.pool_id)["UserPool"]["Name"] == form.pool.name
    else:
        assert form.pool is None


@CALLS
@given(new_password=texts, device=texts)
def test_challenge_and_enrol_fields(lab, pool, new_password, device):
    responder = ChallengeResponder(lab, pool, autostart=False)
    challenge = flows.Challenge(name="NEW_PASSWORD_REQUIRED", session="s" * 40, username="nobody",
                                issued_at=lab.clock.now())
    responder.challenge = challenge
    responder.new_password.value = new_password
    before = len(lab.journal)
    responder.respond_action.trigger()
    result = outcome(responder.status, lab, before, fields=("new_password: ", "password: "),
                     codes=("NotAuthorizedException", "UserNotFoundException"))
    assert result in ("refused", "cognito")  # no such user or session: never tokens
    assert responder.challenge is challenge and responder.tokens is None
    enrol = EnrolForm(lab, autostart=False, device_name=device)
    enrol.code_entry.text.value = "123456"
    before = len(lab.journal)
    enrol.code_entry.submit()
    assert outcome(enrol.status, lab, before, fields=("Associate first: ",)) == "refused"
    assert enrol.verification is None


def test_the_outcome_check_tells_a_crash_from_a_refusal():
    """The check itself: a bug the form turned into an error message fails it; so do an unlisted code and a refusal
    that names no field."""

    def crash(_code: str) -> str:
        raise KeyError("a bug")

    entry = CodeEntry(crash)
    entry.text.value = "123456"
    entry.submit()
    assert entry.status.kind == "error"  # the form shows it calmly ...
    with pytest.raises(AssertionError, match="crash"):
        outcome(entry.status, codes=("CodeMismatchException",))  # ... the fuzz test does not accept it

    def refused_by_cognito(_code: str) -> str:
        raise ClientError({"Error": {"Code": "InternalErrorException", "Message": "boom"}}, "RespondToAuthChallenge")

    entry = CodeEntry(refused_by_cognito)
    entry.text.value = "123456"
    entry.submit()
    with pytest.raises(AssertionError, match="InternalErrorException"):
        outcome(entry.status, codes=("CodeMismatchException",))
    assert outcome(entry.status, codes=("InternalErrorException",)) == "cognito"
    entry.status.refuse("Something vague.")
    with pytest.raises(AssertionError, match="names no field"):
        outcome(entry.status, fields=("Not sent: ",))
