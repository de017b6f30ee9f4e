"""Teaching pools and users: call order, get-or-create without duplicates, updates, clean-up."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from cognito_mfa_kit import flows
from cognito_mfa_kit.connect import Lab, Target
from cognito_mfa_kit.journal import Journal
from cognito_mfa_kit.naming import NAME_PREFIX, TAG_KEY
from cognito_mfa_kit.totp import SystemClock


def test_new_pool_sets_mfa_after_creating_it_then_the_client(lab, run_id):
    start = len(lab.journal)
    pool = flows.create_teaching_pool(lab, "order", mfa="ON", session_minutes=7, run_id=run_id)
    ops = [c.operation for c in lab.journal[start:]]
    # Looking for an existing pool takes one ListUserPools call per page (the shared test sandbox holds many pools).
    listing = ops.count("ListUserPools")
    assert listing >= 1 and ops == ["ListUserPools"] * listing + [
        "CreateUserPool", "SetUserPoolMfaConfig", "CreateUserPoolClient"]
    create = lab.journal[start + listing].request
    assert "MfaConfiguration" not in create and create["UserPoolTags"] == {TAG_KEY: run_id}
    assert pool.created and pool.name == NAME_PREFIX + "order" and pool.mfa == "ON"
    described = lab.client.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    assert described["MfaConfiguration"] == "ON"
    app = lab.client.describe_user_pool_client(UserPoolId=pool.pool_id, ClientId=pool.client_id)["UserPoolClient"]
    assert app["AuthSessionValidity"] == 7 and set(app["ExplicitAuthFlows"]) == set(flows.DEFAULT_AUTH_FLOWS)


def test_rerunning_create_teaching_pool_reuses_and_updates(lab, run_id):
    first = flows.create_teaching_pool(lab, "rerun", run_id=run_id)
    again = flows.create_teaching_pool(lab, "rerun", run_id=run_id)
    assert (again.pool_id, again.client_id, again.created) == (first.pool_id, first.client_id, False)
    changed = flows.create_teaching_pool(
        lab, "rerun", run_id=run_id, mfa="ON", session_minutes=10, auth_flows=["ALLOW_USER_SRP_AUTH",
                                                                               "ALLOW_REFRESH_TOKEN_AUTH"],
        remember_devices="always",
    )
    assert changed.pool_id == first.pool_id and changed.client_id == first.client_id
    assert [p.pool_id for p in flows.find_kit_pools(lab, run_id=run_id)] == [first.pool_id]
    described = lab.client.describe_user_pool(UserPoolId=first.pool_id)["UserPool"]
    assert described["MfaConfiguration"] == "ON" and described["DeviceConfiguration"]
    app = lab.client.describe_user_pool_client(UserPoolId=first.pool_id, ClientId=first.client_id)["UserPoolClient"]
    assert app["AuthSessionValidity"] == 10 and app["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH",
                                                                             "ALLOW_REFRESH_TOKEN_AUTH"]
    # The admin password flow is now off: Cognito refuses it.
    user = flows.create_user(lab, changed, "Bob")
    with pytest.raises(ClientError) as exc:
        flows.sign_in(lab, changed, "Bob", user.password)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"
    # Asking for a client secret replaces the client (Cognito can't add one to an existing client).
    secret = flows.create_teaching_pool(lab, "rerun", run_id=run_id, generate_secret=True)
    assert secret.pool_id == first.pool_id and secret.client_id != first.client_id and secret.client_secret


def test_same_name_other_run_is_another_pool_and_cleanup_is_per_run(lab, run_id):
    mine = flows.create_teaching_pool(lab, "shared-name", run_id=run_id)
    theirs = flows.create_teaching_pool(lab, "shared-name", run_id=run_id + "-other")
    assert mine.pool_id != theirs.pool_id
    assert flows.delete_run(lab, run_id) == [mine.pool_id]
    assert flows.find_kit_pools(lab, run_id=run_id) == []
    assert [p.pool_id for p in flows.find_kit_pools(lab, run_id=run_id + "-other")] == [theirs.pool_id]
    with pytest.raises(ClientError) as exc:
        lab.client.describe_user_pool(UserPoolId=mine.pool_id)
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    flows.delete_teaching_pool(lab, theirs)
    assert flows.find_kit_pools(lab, run_id=run_id + "-other") == []


def test_pools_not_made_by_the_kit_are_never_found(lab, run_id):
    untagged = lab.client.create_user_pool(PoolName=NAME_PREFIX + "hand-made")["UserPool"]["Id"]
    other = lab.client.create_user_pool(PoolName="prod-users", UserPoolTags={TAG_KEY: run_id})["UserPool"]["Id"]
    found = {p.pool_id for p in flows.find_kit_pools(lab)}
    assert untagged not in found and other not in found
    assert flows.delete_run(lab, run_id) == []
    for pool_id in (untagged, other):
        lab.client.delete_user_pool(UserPoolId=pool_id)


def test_flow_cleanup_follows_the_cleanup_rules_domain_and_protection(lab, run_id):
    """flows.delete_run / delete_teaching_pool are cognito_mfa_kit.cleanup: domain first, protection respected,
    nothing deleted that the kit did not make."""
    with_domain = flows.create_teaching_pool(lab, "with-domain", run_id=run_id)
    lab.client.create_user_pool_domain(Domain=f"d-{run_id}", UserPoolId=with_domain.pool_id)
    protected = lab.client.create_user_pool(
        PoolName=NAME_PREFIX + run_id + "-p", UserPoolTags={TAG_KEY: run_id}, DeletionProtection="ACTIVE"
    )["UserPool"]["Id"]
    hand_made = lab.client.create_user_pool(PoolName="prod-" + run_id)["UserPool"]["Id"]
    found = {p.pool_id: p for p in flows.find_kit_pools(lab, run_id=run_id)}
    assert set(found) == {with_domain.pool_id, protected}
    assert found[protected].protected and found[with_domain.pool_id].domain == f"d-{run_id}"

    with pytest.raises(ValueError, match="deletion protection"):
        flows.delete_teaching_pool(lab, protected)
    with pytest.raises(ValueError, match="not a pool the kit made"):
        flows.delete_teaching_pool(lab, hand_made)
    assert flows.delete_run(lab, run_id) == [with_domain.pool_id]
    assert lab.client.describe_user_pool_domain(Domain=f"d-{run_id}")["DomainDescription"] == {}
    assert [p.pool_id for p in flows.find_kit_pools(lab, run_id=run_id)] == [protected]
    lab.client.describe_user_pool(UserPoolId=hand_made)  # still there
    for pool_id in (protected, hand_made):
        lab.client.delete_user_pool(UserPoolId=pool_id)


def test_configure_pool_mfa_and_cognitos_refusal(lab, run_id):
    pool = flows.create_teaching_pool(lab, "mfa", run_id=run_id)
    on = flows.configure_pool_mfa(lab, pool, mfa="ON")
    assert (on.mfa, on.totp) == ("ON", True)
    assert lab.client.get_user_pool_mfa_config(UserPoolId=pool.pool_id)["MfaConfiguration"] == "ON"
    with pytest.raises(ClientError) as exc:
        flows.configure_pool_mfa(lab, on, totp=False, sms=False)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"
    sms = flows.configure_pool_mfa(lab, on, sms=True)
    sent = lab.journal[-1].request["SmsMfaConfiguration"]["SmsConfiguration"]
    assert sms.sms and sent["SnsCallerArn"].startswith("arn:aws:iam::") and sent["ExternalId"]
    shorter = flows.update_client(lab, sms, session_minutes=15)
    assert shorter.session_minutes == 15 and lab.journal[-1].request["AuthSessionValidity"] == 15


def test_sms_on_aws_needs_a_role_arn_before_any_call():
    journal = Journal()
    aws = Lab(client=None, journal=journal, target=Target("aws", "eu-west-1", account="111122223333"),
              clock=SystemClock())
    with pytest.raises(ValueError, match=r"^sms_role_arn:"):
        flows.create_teaching_pool(aws, "sms", sms=True)
    assert len(journal) == 0


def test_create_user_get_or_create_and_password_states(lab, run_id):
    pool = flows.create_teaching_pool(lab, "users", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob", email="bob@example.com")
    assert bob.created and bob.password not in repr(bob)
    assert flows.mfa_status(lab, pool, "Bob").user_status == "CONFIRMED"
    assert isinstance(flows.sign_in(lab, pool, "Bob", bob.password), flows.Tokens)
    again = flows.create_user(lab, pool, "Bob", "An0ther-Passw0rd!")
    assert not again.created
    users = lab.client.list_users(UserPoolId=pool.pool_id)["Users"]
    assert [u["Username"] for u in users] == ["Bob"]
    assert isinstance(flows.sign_in(lab, pool, "Bob", "An0ther-Passw0rd!"), flows.Tokens)
    with pytest.raises(ClientError):
        flows.sign_in(lab, pool, "Bob", bob.password)

    alice = flows.create_user(lab, pool, "Alice", permanent=False)
    assert flows.mfa_status(lab, pool, "Alice").user_status == "FORCE_CHANGE_PASSWORD"
    challenge = flows.sign_in(lab, pool, "Alice", alice.password)
    assert isinstance(challenge, flows.Challenge) and challenge.name == "NEW_PASSWORD_REQUIRED"
    flows.delete_user(lab, pool, "Alice")
    with pytest.raises(ClientError) as exc:
        flows.mfa_status(lab, pool, "Alice")
    assert exc.value.response["Error"]["Code"] == "UserNotFoundException"


def test_pool_password_policy_is_cognitos_to_enforce(lab, run_id):
    pool = flows.create_teaching_pool(lab, "policy", run_id=run_id)
    with pytest.raises(ClientError) as exc:
        flows.create_user(lab, pool, "Carol", "alllowercase")
    assert exc.value.response["Error"]["Code"] == "InvalidPasswordException"


def test_generated_passwords_meet_the_default_policy():
    for _ in range(50):
        password = flows.generate_password()
        assert len(password) == 20
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password) and any(not c.isalnum() for c in password)
