"""The kit's hosted-UI flow on the sandbox: domain and OAuth client made once, a sign-in driven over HTTP as a browser
would, the code caught and exchanged (journaled, with a curl twin that really runs), the scope trap, enrolment on
the set-up page, a DemoIdP user, the errors explained, and clean-up (issue 13)."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from cognito_mfa_kit import flows
from cognito_mfa_kit.callback_listener import CallbackListener
from cognito_mfa_kit.errors import explain
from cognito_mfa_kit.flows.hosted_ui import SYSTEM_SCOPES
from cognito_mfa_kit.hosted_browser import BrowseError, browse
from cognito_mfa_kit.httpcall import HttpCall, HttpError
from cognito_mfa_kit.totp import VirtualAuthenticator


def _next_code(lab, pool, phone):
    lab.advance_clock(phone.seconds_left() + 0.5, pool)
    return phone.code()


@pytest.fixture()
def pool(lab, run_id):
    return flows.create_teaching_pool(lab, "hosted", mfa="OPTIONAL", run_id=run_id)


def test_hosted_ui_makes_the_domain_and_client_once(lab, pool) -> None:
    first = flows.hosted_ui(lab, pool, scopes=("openid", "email"))
    ui = first.ui
    assert ui.domain == "cmk-" + pool.pool_id.split("_")[1].lower()
    assert ui.base_url.startswith(f"http://{ui.domain}.auth.localhost:")
    assert ui.redirect_uri.endswith("/_sandbox/callback") and ui.redirect_uri.startswith("http://localhost:")
    app = lab.client.describe_user_pool_client(UserPoolId=pool.pool_id, ClientId=ui.client_id)["UserPoolClient"]
    assert app["AllowedOAuthFlows"] == ["code"] and app["CallbackURLs"] == [ui.redirect_uri]
    assert set(app["AllowedOAuthScopes"]) == set(SYSTEM_SCOPES)
    assert "code_challenge_method=S256" in first.url and f"state={first.state}" in first.url
    assert first.code_verifier not in repr(first)  # masked
    calls = len(lab.journal)
    again = flows.hosted_ui(lab, pool, scopes=("openid",))
    assert again.ui.domain == ui.domain and again.ui.client_id == ui.client_id
    made = [c.operation for c in lab.journal[calls:]]
    assert "CreateUserPoolDomain" not in made and "CreateUserPoolClient" not in made
    assert "UpdateUserPoolClient" not in made  # nothing changed
    assert again.state != first.state and again.code_verifier != first.code_verifier
    with pytest.raises(ValueError, match="scopes"):
        flows.hosted_ui(lab, pool, scopes=("email",))
    with pytest.raises(ValueError, match="scopes"):
        flows.hosted_ui(lab, pool, scopes=("openid", "admin"))


def test_a_totp_user_signs_in_through_the_pages_and_the_kit_gets_tokens(lab, pool, enrol) -> None:
    user = flows.create_user(lab, pool, "Hana")
    phone = enrol(pool, user)
    sign_in = flows.hosted_ui(lab, pool, scopes=("openid", "email"))
    wrong = {"n": 0}

    def code() -> str:  # a wrong code first, then the right one
        wrong["n"] += 1
        return "000000" if wrong["n"] == 1 and phone.code() != "000000" else _next_code(lab, pool, phone)

    result = browse(lab, sign_in, username="Hana", password=user.password, code=code)
    assert result.reached_callback and any("not right" in m for m in result.messages)
    assert [s.split(" →")[0] for s in result.steps[:3]] == ["GET /oauth2/authorize", "GET /login", "POST /login"]
    tokens = flows.exchange_code(lab, sign_in, flows.wait_for_code(lab, sign_in, timeout=5))
    assert tokens.scopes == ("openid", "email") and not tokens.has_admin_scope and tokens.username == "Hana"
    call = lab.journal[-1]
    assert isinstance(call, HttpCall) and call.operation == "POST /oauth2/token" and call.ok
    twin = call.as_cli()
    assert twin.startswith("curl -sS -X POST") and "--resolve" in twin
    for secret in (tokens.access_token, tokens.refresh_token, sign_in.code_verifier):
        assert secret not in twin and secret not in json.dumps(call.response_masked)
    # the browser's requests were journaled too, password and code masked
    posted = [c for c in lab.journal if isinstance(c, HttpCall) and c.operation == "POST /login"][-1]
    assert posted.request_masked["form"]["password"] == "********"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_twins_really_run(lab, pool) -> None:
    user = flows.create_user(lab, pool, "Ivan")
    sign_in = flows.hosted_ui(lab, pool, scopes=("openid", "email"))
    browse(lab, sign_in, username="Ivan", password=user.password)
    tokens = flows.exchange_code(lab, sign_in, flows.wait_for_code(lab, sign_in, timeout=5))
    exchange = lab.journal[-1]
    info = flows.user_info(lab, sign_in.ui, tokens)
    twin = lab.journal[-1].as_cli(redact=False)
    ran = subprocess.run(["bash", "-c", twin], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0 and json.loads(ran.stdout) == info
    # the exchange's twin reaches the endpoint with the right form: the code is spent, so invalid_grant (a wrong
    # form would be invalid_request)
    ran = subprocess.run(["bash", "-c", exchange.as_cli(redact=False)], capture_output=True, text=True, timeout=30)
    assert json.loads(ran.stdout)["error"] == "invalid_grant"


def test_the_scope_trap(lab, pool) -> None:
    user = flows.create_user(lab, pool, "Jo")
    without = flows.hosted_ui(lab, pool, scopes=("openid", "email"))
    browse(lab, without, username="Jo", password=user.password)
    tokens = flows.exchange_code(lab, without, flows.wait_for_code(lab, without, timeout=5))
    with pytest.raises(ClientError) as caught:
        flows.associate(lab, access_token=tokens.access_token)
    assert explain(caught.value).key == "access-token-scope"
    with_admin = flows.hosted_ui(lab, pool, scopes=("openid", "email", "aws.cognito.signin.user.admin"))
    browse(lab, with_admin, username="Jo", password=user.password)
    tokens = flows.exchange_code(lab, with_admin, flows.wait_for_code(lab, with_admin, timeout=5))
    assert tokens.has_admin_scope and flows.associate(lab, access_token=tokens.access_token).secret_code


def test_an_mfa_on_user_enrols_on_the_set_up_page(lab, run_id) -> None:
    pool = flows.create_teaching_pool(lab, "hosted-on", mfa="ON", run_id=run_id)
    user = flows.create_user(lab, pool, "Kim")
    sign_in = flows.hosted_ui(lab, pool)
    seen = {}

    def setup(key: str):
        seen["key"] = key
        phone = VirtualAuthenticator(key, lab.clock_for(pool), account_name="Kim")
        return phone.code

    result = browse(lab, sign_in, username="Kim", password=user.password, setup=setup)
    assert result.reached_callback and any("/mfa-setup" in s for s in result.steps) and len(seen["key"]) == 52
    tokens = flows.exchange_code(lab, sign_in, flows.wait_for_code(lab, sign_in, timeout=5))
    assert tokens.has_admin_scope
    status = flows.mfa_status(lab, pool, "Kim")
    assert status.totp_enabled and status.preferred == "SOFTWARE_TOKEN_MFA"
    for call in lab.journal:
        assert seen["key"] not in json.dumps(call.to_dict(), default=str)  # the key on the page is never journaled


def test_a_demoidp_user_signs_in_with_no_mfa_in_an_mfa_on_pool(lab, run_id) -> None:
    pool = flows.create_teaching_pool(lab, "hosted-fed", mfa="ON", run_id=run_id)
    assert flows.add_demo_idp(lab, pool) == "DemoIdP" == flows.add_demo_idp(lab, pool)  # found the second time
    sign_in = flows.hosted_ui(lab, pool, identity_provider="DemoIdP")
    assert sign_in.ui.providers == ("COGNITO", "DemoIdP")
    result = browse(lab, sign_in, email=f"{run_id}@example.com")
    assert result.reached_callback and not any("/mfa" in s for s in result.steps)
    tokens = flows.exchange_code(lab, sign_in, flows.wait_for_code(lab, sign_in, timeout=5))
    assert tokens.username.startswith("DemoIdP_")
    described = lab.client.admin_get_user(UserPoolId=pool.pool_id, Username=tokens.username)
    assert described["UserStatus"] == "EXTERNAL_PROVIDER"
    with pytest.raises(ClientError) as caught:
        flows.sign_in(lab, pool, tokens.username, "Any-Passw0rd!")
    assert explain(caught.value).key == "federated-user-api"


def test_oauth_refusals_are_http_errors_explained(lab, pool) -> None:
    user = flows.create_user(lab, pool, "Lee")
    sign_in = flows.hosted_ui(lab, pool, scopes=("aws.cognito.signin.user.admin",))
    browse(lab, sign_in, username="Lee", password=user.password)
    code = flows.wait_for_code(lab, sign_in, timeout=5)
    tokens = flows.exchange_code(lab, sign_in, code)
    with pytest.raises(HttpError) as reused:
        flows.exchange_code(lab, sign_in, code)
    assert explain(reused.value).key == "oauth-invalid-grant" and not lab.journal[-1].ok
    with pytest.raises(HttpError) as no_openid:
        flows.user_info(lab, sign_in.ui, tokens)
    assert explain(no_openid.value).key == "oauth-invalid-token"
    with pytest.raises(BrowseError, match="Incorrect username or password"):
        browse(lab, flows.hosted_ui(lab, pool), username="Lee", password="Wrong-Passw0rd!", codes_tried=1,
               max_steps=4)


def test_logout_comes_back_to_the_sign_out_url(lab, pool) -> None:
    ui = flows.hosted_ui(lab, pool).ui
    from cognito_mfa_kit.httpcall import http_call

    call = http_call(lab.journal, "GET", flows.logout_url(ui))
    assert call.http_status == 302 and call.response["location"] == ui.logout_uri
    with urllib.request.urlopen(ui.logout_uri, timeout=5) as page:
        assert "Signed out" in page.read().decode()


def test_clean_up_deletes_the_domain_before_its_pool(lab, run_id) -> None:
    pool = flows.create_teaching_pool(lab, "hosted-gone", run_id=run_id)
    domain = flows.hosted_ui(lab, pool).ui.domain
    assert flows.delete_run(lab, run_id) == [pool.pool_id]
    assert lab.client.describe_user_pool_domain(Domain=domain)["DomainDescription"] == {}


def test_the_local_callback_listener_for_aws_catches_a_code_once() -> None:
    listener = CallbackListener(0)
    try:
        assert listener.redirect_uri == f"http://localhost:{listener.port}/callback"
        with urllib.request.urlopen(f"http://127.0.0.1:{listener.port}/callback?code=c0de&state=s1",
                                    timeout=5) as page:
            assert "Signed in" in page.read().decode()
        assert listener.take("other") is None
        assert listener.take("s1") == {"code": "c0de", "state": "s1"} and listener.take("s1") is None
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{listener.port}/callback?code=x", timeout=5)
    finally:
        listener.stop()


def test_on_a_sandbox_that_requires_credentials_the_kernel_signs_its_callback_poll(monkeypatch, run_id) -> None:
    from cognito_mfa_kit.connect import connect
    from cognito_mfa_kit.sandbox import Sandbox

    box = Sandbox.start(require_credentials=True)
    try:
        trainer = box.trainer
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", trainer.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", trainer.secret_access_key)
        lab = connect(endpoint_url=box.endpoint_url)
        pool = flows.create_teaching_pool(lab, "hosted-shared", run_id=run_id)
        user = flows.create_user(lab, pool, "Mo")
        sign_in = flows.hosted_ui(lab, pool)  # the domain and client calls are signed like any admin call
        browse(lab, sign_in, username="Mo", password=user.password)  # the pages themselves are open
        unsigned = urllib.request.Request(f"{box.endpoint_url}/_sandbox/callback/result?state={sign_in.state}")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(unsigned, timeout=5)
        assert refused.value.code == 400
        tokens = flows.exchange_code(lab, sign_in, flows.wait_for_code(lab, sign_in, timeout=5))
        assert tokens.username == "Mo"
        lab.close()
    finally:
        box.stop()
