"""The flows' argument checks: what a learner may pass, and what they are told otherwise."""

from __future__ import annotations

import pytest

from cognito_mfa_kit.flows.validation import LINE_BREAKS, check_first_factors, check_password


def test_first_factors_keep_their_order_without_repeats() -> None:
    assert check_first_factors(["PASSWORD", "EMAIL_OTP", "PASSWORD"]) == ("PASSWORD", "EMAIL_OTP")
    assert check_first_factors(("WEB_AUTHN",)) == ("WEB_AUTHN",)


@pytest.mark.parametrize("given", ["PASSWORD", [], None, 5])
def test_first_factors_that_are_not_a_list_are_told_to_give_one(given: object) -> None:
    with pytest.raises(ValueError, match="give a list such as"):
        check_first_factors(given)


def test_totp_and_unknown_first_factors_are_refused() -> None:
    with pytest.raises(ValueError, match="never a first factor"):
        check_first_factors(["SOFTWARE_TOKEN"])
    with pytest.raises(ValueError, match="NOPE not known"):
        check_first_factors(["NOPE"])


@pytest.mark.parametrize("mark", LINE_BREAKS)
def test_a_password_with_a_line_break_is_refused_before_cognito(mark: str) -> None:
    """Cognito's password pattern (^[\\S]+.*[\\S]+$) takes one line: found by the UI fuzz test ("0000\\n0")."""
    with pytest.raises(ValueError, match=r"^password: it holds a line break"):
        check_password(f"Pass{mark}word-1")
    assert check_password("Pass word-1") == "Pass word-1"  # an inner space is fine
