"""User pool domains: CreateUserPoolDomain / DescribeUserPoolDomain / DeleteUserPoolDomain rules, and a domain, its
managed-login version, a managed-login sign-in's scopes and a federated user surviving a restart (issue 13)."""

from __future__ import annotations

import jwt
import pytest
from hosted_helpers import CALLBACK, Domain
from sandbox_helpers import PASSWORD, Pool, make_pool, make_user, unique
from test_store import sandbox_process

from cognito_mfa_kit.sandbox.idp import subject


def test_create_describe_delete_a_prefix_domain(cognito) -> None:
    pool = make_pool(cognito)
    prefix = unique("dom")
    made = cognito.create_user_pool_domain(UserPoolId=pool.id, Domain=prefix, ManagedLoginVersion=2)
    assert made["ManagedLoginVersion"] == 2 and made["CloudFrontDomain"]
    described = cognito.describe_user_pool_domain(Domain=prefix)["DomainDescription"]
    assert described["UserPoolId"] == pool.id and described["Domain"] == prefix
    assert described["ManagedLoginVersion"] == 2 and described["Status"] == "ACTIVE"
    assert described["AWSAccountId"] == "123456789012"
    assert cognito.describe_user_pool(UserPoolId=pool.id)["UserPool"]["Domain"] == prefix
    with pytest.raises(cognito.exceptions.InvalidParameterException, match="should be deleted first"):
        cognito.delete_user_pool(UserPoolId=pool.id)
    other = make_pool(cognito)
    with pytest.raises(cognito.exceptions.InvalidParameterException):
        cognito.delete_user_pool_domain(Domain=prefix, UserPoolId=other.id)
    cognito.delete_user_pool_domain(Domain=prefix, UserPoolId=pool.id)
    assert cognito.describe_user_pool_domain(Domain=prefix)["DomainDescription"] == {}
    with pytest.raises(cognito.exceptions.ResourceNotFoundException):
        cognito.delete_user_pool_domain(Domain=prefix, UserPoolId=pool.id)
    cognito.delete_user_pool(UserPoolId=pool.id)  # no domain left: it goes


def test_the_default_version_is_the_classic_hosted_ui(cognito) -> None:
    pool = make_pool(cognito)
    prefix = unique("classic")
    assert cognito.create_user_pool_domain(UserPoolId=pool.id, Domain=prefix)["ManagedLoginVersion"] == 1
    assert cognito.describe_user_pool_domain(Domain=prefix)["DomainDescription"]["ManagedLoginVersion"] == 1


@pytest.mark.parametrize(("domain", "message"), [
    ("Upper-Case", "regular expression"),
    ("-dash-first", "regular expression"),
    ("my_underscore", "regular expression"),
    ("my-aws-login", "reserved word: aws"),
    ("cognito-test", "reserved word: cognito"),
    ("amazonian", "reserved word: amazon"),
])
def test_a_prefix_must_match_the_pattern_and_avoid_reserved_words(cognito, domain: str, message: str) -> None:
    pool = make_pool(cognito)
    with pytest.raises(cognito.exceptions.InvalidParameterException, match=message):
        cognito.create_user_pool_domain(UserPoolId=pool.id, Domain=domain)


def test_a_prefix_names_one_pool_and_a_pool_has_one_prefix(cognito) -> None:
    first, second = make_pool(cognito), make_pool(cognito)
    prefix = unique("taken")
    cognito.create_user_pool_domain(UserPoolId=first.id, Domain=prefix)
    with pytest.raises(cognito.exceptions.InvalidParameterException, match="associated with another user pool"):
        cognito.create_user_pool_domain(UserPoolId=second.id, Domain=prefix)
    with pytest.raises(cognito.exceptions.InvalidParameterException, match="already has a domain"):
        cognito.create_user_pool_domain(UserPoolId=first.id, Domain=unique("second"))
    with pytest.raises(cognito.exceptions.ResourceNotFoundException):
        cognito.create_user_pool_domain(UserPoolId="us-east-1_nopenope1", Domain=unique("nopool"))


def test_managed_login_needs_a_plan_other_than_lite(cognito) -> None:
    pool_id = cognito.create_user_pool(PoolName=unique("lite"), UserPoolTier="LITE")["UserPool"]["Id"]
    with pytest.raises(cognito.exceptions.FeatureUnavailableInTierException):
        cognito.create_user_pool_domain(UserPoolId=pool_id, Domain=unique("lite"), ManagedLoginVersion=2)
    assert cognito.create_user_pool_domain(UserPoolId=pool_id, Domain=unique("lite"),
                                           ManagedLoginVersion=1)["ManagedLoginVersion"] == 1
    with pytest.raises(cognito.exceptions.InvalidParameterException, match="ManagedLoginVersion"):
        cognito.create_user_pool_domain(UserPoolId=make_pool(cognito).id, Domain=unique("v3"),
                                        ManagedLoginVersion=3)


def test_update_changes_the_version_of_its_own_pools_domain_only(cognito) -> None:
    pool, other = make_pool(cognito), make_pool(cognito)
    prefix = unique("upd")
    cognito.create_user_pool_domain(UserPoolId=pool.id, Domain=prefix)
    answer = cognito.update_user_pool_domain(UserPoolId=pool.id, Domain=prefix, ManagedLoginVersion=2)
    assert answer["ManagedLoginVersion"] == 2 and answer["CloudFrontDomain"]
    assert cognito.describe_user_pool_domain(Domain=prefix)["DomainDescription"]["ManagedLoginVersion"] == 2

    with pytest.raises(cognito.exceptions.InvalidParameterException, match="not a domain of user pool"):
        cognito.update_user_pool_domain(UserPoolId=other.id, Domain=prefix, ManagedLoginVersion=1)
    with pytest.raises(cognito.exceptions.InvalidParameterException, match="custom domains only"):
        cognito.update_user_pool_domain(UserPoolId=pool.id, Domain=prefix, CustomDomainConfig={
            "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"})
    with pytest.raises(cognito.exceptions.InvalidParameterException, match="ManagedLoginVersion"):
        cognito.update_user_pool_domain(UserPoolId=pool.id, Domain=prefix, ManagedLoginVersion=3)
    with pytest.raises(cognito.exceptions.ResourceNotFoundException):
        cognito.update_user_pool_domain(UserPoolId=pool.id, Domain=unique("none"), ManagedLoginVersion=1)
    # the refusals changed nothing
    described = cognito.describe_user_pool_domain(Domain=prefix)["DomainDescription"]
    assert described["ManagedLoginVersion"] == 2 and "CustomDomainConfig" not in described

    lite = cognito.create_user_pool(PoolName=unique("lite"), UserPoolTier="LITE")["UserPool"]["Id"]
    lite_prefix = unique("lite")
    cognito.create_user_pool_domain(UserPoolId=lite, Domain=lite_prefix)
    with pytest.raises(cognito.exceptions.FeatureUnavailableInTierException):
        cognito.update_user_pool_domain(UserPoolId=lite, Domain=lite_prefix, ManagedLoginVersion=2)


class _Box:
    """A sandbox process seen as a :class:`Domain`'s sandbox (its URL; the clock isn't moved)."""

    def __init__(self, url: str) -> None:
        self.endpoint_url = url


def test_a_domain_its_version_a_sign_ins_scopes_and_a_federated_user_survive_a_restart(tmp_path) -> None:
    path = tmp_path / "state.sqlite3"
    with sandbox_process(path) as box:
        c = box.cognito
        pool_id = c.create_user_pool(PoolName="restart")["UserPool"]["Id"]
        client_id = c.create_user_pool_client(
            UserPoolId=pool_id, ClientName="web", AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthScopes=["openid", "email"], CallbackURLs=[CALLBACK],
            SupportedIdentityProviders=["COGNITO", "DemoIdP"], ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        c.create_user_pool_domain(UserPoolId=pool_id, Domain="restart-domain", ManagedLoginVersion=2)
        c.create_identity_provider(
            UserPoolId=pool_id, ProviderName="DemoIdP", ProviderType="OIDC",
            ProviderDetails={"oidc_issuer": f"{box.url}/_sandbox/idp", "client_id": "x", "client_secret": "y",
                             "authorize_scopes": "openid email"}, AttributeMapping={"email": "email"})
        user = make_user(c, Pool(pool_id, client_id))
        domain = Domain(_Box(box.url), None, "restart-domain", client_id)  # type: ignore[arg-type]
        domain.sign_in_page()
        tokens = domain.exchange(domain.code_of(domain.password(user, PASSWORD))).json()
        # a federated user, signed in through the DemoIdP (its e-mail page posted directly)
        first = domain.get("/oauth2/authorize?" + domain.authorize_query(identity_provider="DemoIdP"))
        split = first.location.split("?", 1)
        idp = Domain(_Box(box.url), None, "", "")  # type: ignore[arg-type]
        back = idp.request("POST", split[0].removeprefix(box.url), {**first.query, "email": "gil@example.com"},
                           host=box.url.removeprefix("http://"))
        domain.code_of(domain.get(back.location.removeprefix(f"http://{domain.host}")))
    with sandbox_process(path) as box:
        c = box.cognito
        described = c.describe_user_pool_domain(Domain="restart-domain")["DomainDescription"]
        assert described["UserPoolId"] == pool_id and described["ManagedLoginVersion"] == 2
        refreshed = c.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                    AuthParameters={"REFRESH_TOKEN": tokens["refresh_token"]})
        access = refreshed["AuthenticationResult"]["AccessToken"]
        assert jwt.decode(access, options={"verify_signature": False})["scope"] == "openid email"
        with pytest.raises(c.exceptions.NotAuthorizedException, match="required scopes"):
            c.get_user(AccessToken=access)
        federated = c.admin_get_user(UserPoolId=pool_id, Username=f"DemoIdP_{subject('gil@example.com')}")
        assert federated["UserStatus"] == "EXTERNAL_PROVIDER"
        # the domain answers again after the restart
        domain = Domain(_Box(box.url), None, "restart-domain", client_id)  # type: ignore[arg-type]
        domain.sign_in_page()
        assert domain.exchange(domain.code_of(domain.password(user, PASSWORD))).status == 200


_AUDIT_SCRIPT = r"""
import json, sys
from cognito_mfa_kit.sandbox import Sandbox
from cognito_mfa_kit.connect import connect
from cognito_mfa_kit import flows
from cognito_mfa_kit.hosted_browser import browse
from cognito_mfa_kit.totp import VirtualAuthenticator

box = Sandbox.start(state_path=sys.argv[1])
lab = connect(endpoint_url=box.endpoint_url)
pool = flows.create_teaching_pool(lab, "audit", mfa="ON", run_id="audit")
user = flows.create_user(lab, pool, "Nia")
sign_in = flows.hosted_ui(lab, pool, managed_login_version=2)
browse(lab, sign_in, username="Nia", password=user.password,
       setup=lambda key: VirtualAuthenticator(key, lab.clock_for(pool)).code)
tokens = flows.exchange_code(lab, sign_in, flows.wait_for_code(lab, sign_in, timeout=5))
flows.add_demo_idp(lab, pool)
fed = flows.hosted_ui(lab, pool, identity_provider="DemoIdP")
browse(lab, fed, email="oz@example.com")
flows.exchange_code(lab, fed, flows.wait_for_code(lab, fed, timeout=5))
print(json.dumps({"audit": [list(k) for k in box.store.audit()], "refresh": tokens.refresh_token}))
box.stop()
"""


def test_everything_managed_login_changes_is_reported_to_the_store(tmp_path) -> None:
    """A store's audit lists changes nobody reported: after domains, set-up-page enrolment, a managed-login sign-in
    and a federated one, there must be none (run in a process of its own: one store per process)."""
    import json
    import subprocess
    import sys

    ran = subprocess.run([sys.executable, "-c", _AUDIT_SCRIPT, str(tmp_path / "audit.sqlite3")],
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr[-3000:]
    answer = json.loads(ran.stdout.strip().splitlines()[-1])
    assert answer["audit"] == [] and answer["refresh"]
