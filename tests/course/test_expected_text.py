"""course.expect's plain-text and Markdown forms say the same (a console or a text/plain reader sees the plain one)."""

from __future__ import annotations

from cognito_mfa_kit.course.expected import expect


def test_an_expected_input_check_reads_as_expected_in_plain_text_too() -> None:
    with expect("ValueError") as caught:
        raise ValueError("session_minutes: 30 is outside 3–15")
    assert repr(caught) == "Expected: the kit refused it before calling Cognito: session_minutes: 30 is outside 3–15"
    assert "before calling Cognito" in caught._repr_markdown_()
