"""The hosted-UI sign-in widget, in plain Python: link, wait, exchange, tokens and scopes; refusals shown, never
raised; its timer only changes traits."""

from __future__ import annotations

import time
import urllib.request

import pytest

from cognito_mfa_kit import flows
from cognito_mfa_kit.hosted_browser import browse
from cognito_mfa_kit.ui.hosted_ui import HostedUiSignIn


@pytest.fixture()
def pool(lab, unique):
    return flows.create_teaching_pool(lab, unique, mfa="OPTIONAL", run_id=unique)


def _user(lab, pool, name="Uma"):
    return flows.create_user(lab, pool, name)


def test_the_link_the_wait_then_the_tokens_and_their_scopes(lab, pool) -> None:
    user = _user(lab, pool)
    sign_in = flows.hosted_ui(lab, pool, scopes=("openid", "email"))
    widget = HostedUiSignIn(lab, sign_in, autostart=False)
    assert sign_in.url.replace("&", "&amp;") in widget.link.value and "cmk-hosted-link" in widget.link.value
    assert "openid email" in widget.scopes.value and widget.tokens is None
    widget.tick()  # nothing came back yet
    assert widget.code is None and widget.state == "idle"
    browse(lab, sign_in, username="Uma", password=user.password)
    widget.tick()
    assert widget.state == "done" and widget.tokens.scopes == ("openid", "email")
    assert "lacks" in widget.scopes.value and "aws.cognito.signin.user.admin" in widget.scopes.value
    assert widget.token_viewer.verified == {"id": True, "access": True}
    assert [c.operation for c in widget.journal] == ["POST /oauth2/token"]
    assert widget.status.kind == "ok"
    for token in (widget.tokens.access_token, widget.tokens.id_token):
        assert token not in widget.scopes.value + widget.token_viewer.table.value + widget.journal_view.calls.value


def test_the_background_wait_changes_traits_and_prints_nothing(lab, pool, capsys) -> None:
    user = _user(lab, pool, "Vic")
    sign_in = flows.hosted_ui(lab, pool, scopes=("openid", "aws.cognito.signin.user.admin"))
    widget = HostedUiSignIn(lab, sign_in, autostart=True, interval=0.1)
    try:
        assert widget.state == "waiting"
        browse(lab, sign_in, username="Vic", password=user.password)
        deadline = time.monotonic() + 30
        while widget.state != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert widget.state == "done" and widget.tokens.has_admin_scope
        assert "may call GetUser" in widget.scopes.value
    finally:
        widget.close()
    assert capsys.readouterr().out == ""


def test_a_refusal_is_shown_explained_not_raised(lab, pool) -> None:
    sign_in = flows.hosted_ui(lab, pool)
    widget = HostedUiSignIn(lab, sign_in, autostart=False)
    # the browser comes back with an error (as managed login sends one) for this sign-in's state
    url = f"{sign_in.ui.redirect_uri}?error=access_denied&error_description=no&state={sign_in.state}"
    urllib.request.urlopen(url.replace("localhost", "127.0.0.1"), timeout=5).read()
    widget.tick()
    assert widget.state == "failed" and widget.status.kind == "error" and widget.tokens is None
    assert widget.status.explanation.code == "access_denied"


def test_a_code_that_cannot_be_exchanged_is_explained(lab, pool) -> None:
    sign_in = flows.hosted_ui(lab, pool)
    widget = HostedUiSignIn(lab, sign_in, autostart=False)
    url = f"{sign_in.ui.redirect_uri}?code=not-a-code&state={sign_in.state}"
    urllib.request.urlopen(url.replace("localhost", "127.0.0.1"), timeout=5).read()
    widget.tick()
    assert widget.state == "failed" and widget.status.explanation.key == "oauth-invalid-grant"
    assert [c.ok for c in widget.journal] == [False]


def test_no_sign_in_yet_and_a_new_sign_in_resets(lab, pool) -> None:
    widget = HostedUiSignIn(lab, None, autostart=False)
    assert "No sign-in yet" in widget.link.value
    widget.tick()
    widget.sign_in = flows.hosted_ui(lab, pool)
    assert widget.sign_in.url.replace("&", "&amp;") in widget.link.value and widget.state == "idle"
    widget.close()
