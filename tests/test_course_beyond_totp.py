"""The course helpers of notebooks 07 and 10, live against the sandbox: the playground's plan and email dimensions,
and the plan matrix (what each feature plan allows, tried call by call)."""

from __future__ import annotations

import pytest

from cognito_mfa_kit import course
from cognito_mfa_kit.connect import connect
from cognito_mfa_kit.course.plans import ALLOWED, plan_matrix


@pytest.fixture()
def lab(sandbox):
    the_lab = connect(endpoint_url=sandbox.endpoint_url)
    yield the_lab
    the_lab.close()


def test_the_playground_shows_email_competing_with_totp_and_lite_refusing_email(lab):
    users = ["TOTP + email, none preferred", "email enabled + preferred", "no MFA, email address",
             "TOTP enabled + preferred"]
    columns = ["OPTIONAL · TOTP+email", "ON · TOTP+email", "Lite · OPTIONAL · TOTP", "Lite · OPTIONAL · TOTP+email"]
    table = course.playground(lab, columns, users, ["ADMIN_USER_PASSWORD_AUTH"], name="playground-test")
    assert table.outcome("TOTP + email, none preferred", "OPTIONAL · TOTP+email") == "SELECT_MFA_TYPE (TOTP+email)"
    assert table.outcome("email enabled + preferred", "OPTIONAL · TOTP+email") == "EMAIL_OTP"
    assert table.outcome("no MFA, email address", "ON · TOTP+email") == "EMAIL_OTP"
    # Lite: TOTP works; the user's email preference counts for nothing without email MFA on the pool
    assert table.outcome("TOTP enabled + preferred", "Lite · OPTIONAL · TOTP") == "SOFTWARE_TOKEN_MFA"
    assert table.outcome("email enabled + preferred", "Lite · OPTIONAL · TOTP") == "tokens"
    assert {table.outcome(u, "Lite · OPTIONAL · TOTP+email") for u in users} == {"FeatureUnavailableInTierException"}
    assert lab.client.describe_user_pool(UserPoolId=table.pool_id)["UserPool"]["UserPoolTier"] == "ESSENTIALS"
    assert "cmk-playground" in table._repr_html_()


def test_the_playground_refuses_unknown_columns(lab):
    with pytest.raises(ValueError, match="columns"):
        course.playground(lab, ["Gold · everything"])


def test_the_plan_matrix_matches_the_plans(lab):
    matrix = plan_matrix(lab, name="plans-test")
    for tier in ("LITE", "ESSENTIALS", "PLUS"):
        assert matrix.answer(tier, "TOTP MFA") == ALLOWED
    for feature in ("Email MFA", "Choice-based sign-in (ALLOW_USER_AUTH)", "Passkeys (WebAuthnConfiguration)",
                    "Managed login v2"):
        assert matrix.answer("LITE", feature) == "FeatureUnavailableInTierException"
        assert matrix.answer("ESSENTIALS", feature) == ALLOWED
        assert matrix.answer("PLUS", feature) == ALLOWED
    assert matrix.answer("ESSENTIALS", "Threat protection (AUDIT)") == "FeatureUnavailableInTierException"
    assert matrix.answer("PLUS", "Threat protection (AUDIT)") == ALLOWED
    again = plan_matrix(lab, name="plans-test")  # every feature was put back: the same answers on a re-run
    assert again.cells == matrix.cells
    assert "cmk-plan-matrix" in matrix._repr_html_()
