"""The course's lesson helpers against the sandbox: they make no call that fails (a lesson about something else would
show a refusal), and they handle what a sign-in can answer (tokens, or MFA_SETUP on a pool that requires MFA)."""

from __future__ import annotations

import subprocess
import sys

import pyotp

from cognito_mfa_kit import course, flows
from cognito_mfa_kit.doctor import totp_acceptance


def _failed_calls(lab, since: int) -> list[str]:
    return [f"{c.operation}: {c.error}" for c in list(lab.journal)[since:] if not c.ok]


def test_fresh_user_makes_no_call_that_fails_and_starts_clean(lab, name) -> None:
    pool = flows.create_teaching_pool(lab, name)
    start = len(lab.journal)
    first = course.fresh_user(lab, pool, "Bob")
    assert first.created and _failed_calls(lab, start) == []
    assert [c.operation for c in list(lab.journal)[start:]] == ["ListUsers", "AdminCreateUser", "AdminSetUserPassword"]
    # an existing user, with TOTP set up: deleted first, then created anew (MFA gone), still no failing call
    course.enrolled_user(lab, pool, "Bob", prefer=True)
    start = len(lab.journal)
    again = course.fresh_user(lab, pool, "Bob")
    assert again.created and again.password != first.password and _failed_calls(lab, start) == []
    assert "AdminDeleteUser" in [c.operation for c in list(lab.journal)[start:]]
    assert not flows.mfa_status(lab, pool, "Bob").totp_enabled
    assert course.outcome(flows.sign_in(lab, pool, "Bob", again.password)) == "tokens"


def test_user_exists_asks_with_a_call_that_succeeds(lab, name) -> None:
    pool = flows.create_teaching_pool(lab, name)
    flows.create_user(lab, pool, "Bobby")
    start = len(lab.journal)
    assert flows.user_exists(lab, pool, "Bobby") and not flows.user_exists(lab, pool, "Bob")  # not a prefix match
    assert _failed_calls(lab, start) == []


def test_enrolled_user_in_a_pool_that_requires_mfa_goes_through_mfa_setup(lab, name) -> None:
    """Sign-in answers MFA_SETUP there (no access token): the helper enrols through the challenge's sessions
    instead of failing on ``.access_token`` of a Challenge."""
    pool = flows.create_teaching_pool(lab, name, mfa="ON")
    start = len(lab.journal)
    user, phone, tokens = course.enrolled_user(lab, pool, "Dana", prefer=True)
    assert isinstance(tokens, flows.Tokens) and tokens.access_token
    operations = [c.operation for c in list(lab.journal)[start:]]
    assert operations.index("AssociateSoftwareToken") > operations.index("AdminInitiateAuth")
    assert _failed_calls(lab, start) == []
    assert flows.mfa_status(lab, pool, "Dana").totp_enabled
    challenge = flows.sign_in(lab, pool, "Dana", user.password)
    assert course.outcome(challenge) == "SOFTWARE_TOKEN_MFA"
    assert isinstance(flows.respond(lab, pool, challenge, code=course.next_code(lab, phone)), flows.Tokens)


def test_enrolled_user_in_an_optional_pool_uses_the_access_token(lab, name) -> None:
    pool = flows.create_teaching_pool(lab, name, mfa="OPTIONAL")
    start = len(lab.journal)
    _user, _phone, tokens = course.enrolled_user(lab, pool, "Bob")
    assert isinstance(tokens, flows.Tokens) and _failed_calls(lab, start) == []
    associate = next(c for c in list(lab.journal)[start:] if c.operation == "AssociateSoftwareToken")
    assert "AccessToken" in associate.request and "Session" not in associate.request
    assert not flows.mfa_status(lab, pool, "Bob").totp_enabled  # verified, not yet enabled (no prefer)


def test_federated_provider_finds_or_creates_without_a_failing_call(lab, name) -> None:
    pool = flows.create_teaching_pool(lab, name)
    start = len(lab.journal)
    created = course.federated_provider(lab, pool)
    found = course.federated_provider(lab, pool)
    assert created["ProviderName"] == found["ProviderName"] == "ExampleOIDC"
    assert _failed_calls(lab, start) == []
    operations = [c.operation for c in list(lab.journal)[start:]]
    assert operations.count("CreateIdentityProvider") == 1 and "DescribeIdentityProvider" in operations


def test_the_course_package_imports_no_ipywidgets() -> None:
    code = ("import sys; from cognito_mfa_kit import course; "
            "names = ['follow', 'expect', 'quiz', 'task', 'fresh_user', 'playground', 'QUIZZES']; "
            "assert all(hasattr(course, n) for n in names); print('ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_quiz_00_skew_says_what_the_arithmetic_says() -> None:
    """A phone 45 s fast: Cognito (±1 step of 30 s) refuses its code exactly half the time. Checked with pyotp over
    every second of many steps, and with the doctor's formula; the quiz's answer and explanation say the same."""
    question, _options, answer, why = course.QUIZZES["00-skew"]
    totp = pyotp.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    start = 1_700_000_010 - 1_700_000_010 % 30
    times = range(start, start + 30 * 40)
    accepted = sum(totp.verify(totp.at(t + 45), for_time=t, valid_window=1) for t in times)
    assert accepted / len(times) == 0.5 == totp_acceptance(45)
    assert "45 seconds fast" in question and "half" in answer.lower()
    assert "half" in why and "15 s" in why and "two steps" in why


def test_fresh_user_refuses_bad_input_before_deleting_anything(lab, name) -> None:
    pool = flows.create_teaching_pool(lab, name)
    kept = course.fresh_user(lab, pool, "Bob")
    start = len(lab.journal)
    for bad in ({"phone": "0123"}, {"email": "not-an-address"}, {"password": "short"}):
        try:
            course.fresh_user(lab, pool, "Bob", **bad)
        except ValueError:
            pass
        else:
            raise AssertionError(f"{bad} was accepted")
    assert len(lab.journal) == start  # no call at all
    assert course.outcome(flows.sign_in(lab, pool, "Bob", kept.password)) == "tokens"
