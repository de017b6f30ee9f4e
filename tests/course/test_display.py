"""How the course shows calls under a cell: long answers folded, expected failures calm, secrets masked."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ParamValidationError

from cognito_mfa_kit import course, flows
from cognito_mfa_kit.course.display import SHOWN_CALLS, SHOWN_HEADLINES, _Calls, _is_expected, expecting
from cognito_mfa_kit.journal import Call, CallError
from cognito_mfa_kit.rendering import FOLD_LINES


def test_a_long_answer_is_folded_after_its_first_lines(lab, name) -> None:
    """CreateUserPool answers ~250 lines (its schema): shown are the first lines and a toggle with the rest."""
    flows.create_teaching_pool(lab, name)
    create = next(c for c in reversed(list(lab.journal)) if c.operation == "CreateUserPool")
    body = json.dumps(create.response_masked, indent=2, default=str)
    assert body.count("\n") > 100
    page = course.call_html(create, 1)
    head, _, rest = page.partition("</summary>")
    assert "cmk-fold" in page and "more lines (click to show them)" in head
    shown = head.split("<pre", 2)[2]  # the CLI twin's <pre>, then the answer's first lines
    assert shown.count("\n") == FOLD_LINES - 1
    assert '&quot;SchemaAttributes&quot;' in rest  # the rest is there, one click away
    short = course.call_html(next(c for c in lab.journal if c.operation == "SetUserPoolMfaConfig"), 2)
    assert "cmk-fold" not in short


def test_an_expected_failure_is_calm_and_another_is_red(lab, name) -> None:
    pool = flows.create_teaching_pool(lab, name)
    with course.expect("UserNotFoundException"):
        flows.mfa_status(lab, pool, "Nobody")
    failed = lab.journal[-1]
    calm = course.call_html(failed, 1, expected=True)
    assert "data-expected='true'" in calm and "expected: UserNotFoundException" in calm
    assert "#b3261e" not in calm and "Cognito refused</small>" not in calm
    red = course.call_html(failed, 1)
    assert "data-expected='false'" in red and "#b3261e" in red and "Cognito refused" in red
    assert "User not found." in red  # explained


def test_expecting_marks_only_the_announced_codes() -> None:
    def failed(code: str) -> Call:
        return Call(operation="AdminGetUser", request={}, error=CallError(code, "m"))

    assert not _is_expected(failed("UserNotFoundException"))
    with expecting(("UserNotFoundException", "ResourceNotFoundException")):
        assert _is_expected(failed("UserNotFoundException")) and _is_expected(failed("ResourceNotFoundException"))
        assert not _is_expected(failed("NotAuthorizedException"))
        assert not _is_expected(Call(operation="AdminGetUser", request={}, response={}))
    assert not _is_expected(failed("UserNotFoundException"))


def test_expect_still_fails_loudly_on_another_outcome(lab, name) -> None:
    pool = flows.create_teaching_pool(lab, name)
    with pytest.raises(AssertionError, match="but the step succeeded"), course.expect("UserNotFoundException"):
        flows.create_user(lab, pool, "Bob")
    with pytest.raises(AssertionError, match="got UserNotFoundException"), course.expect("CodeMismatchException"):
        flows.mfa_status(lab, pool, "Nobody")


def test_a_cell_with_many_calls_shows_the_first_whole_and_the_others_by_headline() -> None:
    ok = [Call(operation="ListUserPools", request={"MaxResults": i + 1}, response={"UserPools": []}) for i in range(6)]
    bad = Call(operation="AdminGetUser", request={}, error=CallError("UserNotFoundException", "User does not exist."))
    items = [(i + 1, c, False) for i, c in enumerate(ok)] + [(7, bad, False)]
    page = _Calls(items)._repr_html_()
    assert page.count("class='cmk-call-line'") == len(ok) - SHOWN_CALLS
    assert "<small>3. ListUserPools — OK</small>" in page  # a headline
    assert page.endswith("</details>" + course.call_html(bad, 7))  # a failure: whole, after the headlines
    assert page.startswith(course.call_html(ok[0], 1) + course.call_html(ok[1], 2))


def test_the_call_text_and_html_mask_a_password_botocore_quotes(lab, name) -> None:
    """A real ParamValidationError quoting the password: masked in the HTML, the plain text and the explanation."""
    pool = flows.create_teaching_pool(lab, name)
    with pytest.raises(ParamValidationError):
        lab.client.admin_set_user_password(UserPoolId=pool.pool_id, Username="Bob", Password=98765432,
                                           Permanent=True)
    call = lab.journal[-1]
    assert "98765432" in str(call.error)
    shown = _Calls([(1, call, False)])
    assert "98765432" not in shown._repr_html_() and "98765432" not in repr(shown)
    assert "98765432" not in course.calls(lab, last=1)._repr_html_()


def test_a_cell_with_very_many_calls_folds_them_into_one_line() -> None:
    """find_kit_pools on a shared server describes every pool: past the headlines, one "N more calls" line."""
    ok = [Call(operation="DescribeUserPool", request={"UserPoolId": f"us-east-1_{i}"}, response={}) for i in range(40)]
    page = _Calls([(i + 1, c, False) for i, c in enumerate(ok)])._repr_html_()
    more = 40 - SHOWN_CALLS - SHOWN_HEADLINES
    assert page.count("<details class='cmk-more-calls'>") == 1 and f"... {more} more calls (click to show them)" in page
    assert page.count("class='cmk-call-line'") == SHOWN_HEADLINES + more  # every call is still there, folded


def test_pool_table_is_short_however_many_pools() -> None:
    from cognito_mfa_kit.cleanup import KitPool

    pools = [KitPool(pool_id=f"us-east-1_{i}", name=f"cmk-p{i}", run_id="course") for i in range(30)]
    table = course.pool_table(pools)
    assert table.startswith("30 pools named") and table.count("\n| `cmk-p") == 8 and table.endswith("... and 22 more.")
    assert "and" not in course.pool_table(pools[:3]).split("|---|---|---|")[1]
