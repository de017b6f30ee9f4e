"""A refused TOTP code while its pool's clock runs ahead is explained by the clock, not blamed on the phone."""

from __future__ import annotations

import pyotp
import pytest
from botocore.exceptions import ClientError

from cognito_mfa_kit import flows
from cognito_mfa_kit.clockhint import clock_ahead
from cognito_mfa_kit.connect import connect
from cognito_mfa_kit.course.display import call_html
from cognito_mfa_kit.errors import explain
from cognito_mfa_kit.ui import ChallengeResponder

MISMATCH = ("CodeMismatchException", "Invalid code received for user")


def test_the_explanation_names_the_clock_when_the_pool_runs_ahead():
    plain = explain(MISMATCH)
    ahead = explain(MISMATCH, clock_ahead=181)
    assert "clock runs 3 min 1 s ahead of real time" in ahead.why and "phone is right" in ahead.why
    assert "back_to_real_time" in ahead.what_to_do
    assert ahead.why != plain.why and "clock runs" not in plain.why
    assert explain(MISMATCH, clock_ahead=5).why == plain.why  # within the ±30 s window: not the clock
    assert explain(("UserNotFoundException", "User does not exist."), clock_ahead=600).why == explain(
        ("UserNotFoundException", "User does not exist.")).why  # not a code


@pytest.fixture()
def own(sandbox_process):
    lab = connect(endpoint_url=sandbox_process())
    pool = flows.create_teaching_pool(lab, "clockhint", mfa="OPTIONAL")
    user = flows.create_user(lab, pool, "Bob")
    tokens = flows.sign_in(lab, pool, "Bob", user.password)
    association = flows.associate(lab, access_token=tokens.access_token)
    phone = flows.authenticator(lab, association)
    flows.verify(lab, phone.code(), access_token=tokens.access_token)
    flows.set_preference(lab, tokens.access_token, totp_enabled=True, totp_preferred=True)
    return lab, pool, user, association.secret_code


def test_a_form_explains_a_real_phones_code_refused_by_a_pool_ahead(own):
    lab, pool, user, secret = own
    lab.advance_clock(300, pool)
    responder = ChallengeResponder(lab, pool, autostart=False)
    responder.challenge = flows.sign_in(lab, pool, "Bob", user.password)
    responder.code_entry.text.value = pyotp.TOTP(secret).now()  # what a real phone shows
    responder.code_entry.button.click()
    assert responder.status.kind == "error" and responder.status.explanation.code == "CodeMismatchException"
    assert "clock runs 5 min ahead of real time" in responder.status.explanation.why
    lab.back_to_real_time(pool)


def test_the_course_shows_it_under_the_cell(own):
    lab, pool, user, secret = own
    with lab.clock_ahead(120, pool):
        challenge = flows.sign_in(lab, pool, "Bob", user.password)
        with pytest.raises(ClientError):
            flows.respond(lab, pool, challenge, code=pyotp.TOTP(secret).now())
        call = lab.journal[-1]
        ahead = clock_ahead(lab, call.error.code, request=call.request)
    assert ahead == pytest.approx(120, abs=2)
    html = call_html(call, 1, clock_ahead=ahead)
    assert "Put the pool back on real time" in html
