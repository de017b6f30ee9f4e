"""The error catalogue's rows for feature plans, email MFA, choice-based sign-in and passkeys: each example resolves
to its row, tier refusals say which plan and what it costs, and the sandbox's own refusals are explained by them."""

from __future__ import annotations

import pytest

from cognito_mfa_kit.errors import CATALOGUE, explain
from cognito_mfa_kit.errors import beyond_totp as errors_beyond_totp


@pytest.mark.parametrize(("key", "example"), sorted(errors_beyond_totp.EXAMPLES.items()))
def test_each_example_resolves_to_its_row(key, example):
    assert explain(example).key == key


def test_every_row_has_an_example_and_a_unique_key():
    keys = [row[0] for row in errors_beyond_totp.ROWS]
    assert set(keys) == set(errors_beyond_totp.EXAMPLES)
    assert len({r.key for r in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("key", [k for k in errors_beyond_totp.EXAMPLES if k.startswith("feature-tier-")])
def test_tier_refusals_name_the_plan_and_the_cost(key):
    explained = explain(errors_beyond_totp.EXAMPLES[key])
    assert "Essentials" in explained.title or "Plus" in explained.title
    assert "MAU" in explained.why and "free tier" in explained.why


def test_a_tier_refusal_of_unknown_wording_still_gets_the_plans():
    explained = explain(("FeatureUnavailableInTierException", "Something AWS words differently"))
    assert explained.key == "feature-tier"
    assert "Essentials" in explained.why and "MAU" in explained.why


def test_older_rows_keep_winning_their_messages():
    assert explain(("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")).key \
        == "auth-flow-not-enabled"
    assert explain(("CodeMismatchException", "Invalid code or auth state for the user.")).key == "sms-email-mismatch"
