"""Tests for cognito_mfa_kit.errors: every catalogue row reachable from its real error."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.parsers
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
)
from hypothesis import given
from hypothesis import strategies as st

from cognito_mfa_kit.errors import CATALOGUE, Explanation, explain, redact_message
from cognito_mfa_kit.errors import beyond_totp as errors_beyond_totp

_MODEL = botocore.session.get_session().get_service_model("cognito-idp")
_PARSER = botocore.parsers.create_parser("json")


def parsed_client_error(code: str, message: str, operation: str = "VerifySoftwareToken"):
    """A ClientError built the way botocore builds it: parse Cognito's JSON 1.1 error body."""
    body = json.dumps({"__type": code, "message": message}).encode()
    parsed = _PARSER.parse(
        {"status_code": 400, "headers": {"x-amzn-requestid": "r"}, "body": body},
        _MODEL.operation_model(operation).output_shape,
    )
    assert parsed["Error"]["Code"] == code
    return ClientError(parsed, operation)


# (operation, exception, message, expected rule key). The first block is §2 of
# /work/shared/reference/cognito-totp-behaviour.md, row by row.
REFERENCE_ROWS = [
    ("VerifySoftwareToken", "EnableSoftwareTokenMFAException",
     "Code mismatch and fail enable Software Token MFA", "totp-verify-mismatch"),
    ("RespondToAuthChallenge", "CodeMismatchException", "Invalid code received for user",
     "totp-signin-mismatch"),
    ("RespondToAuthChallenge", "CodeMismatchException", "Invalid code or auth state for the user.",
     "sms-email-mismatch"),
    ("RespondToAuthChallenge", "ExpiredCodeException",
     "Your software token has already been used once.", "totp-code-reused"),
    ("RespondToAuthChallenge", "NotAuthorizedException",
     "Invalid session for the user, session is expired.", "session-expired"),
    ("RespondToAuthChallenge", "NotAuthorizedException",
     "Invalid session for the user, session can only be used once.", "session-used"),
    ("AssociateSoftwareToken", "NotAuthorizedException", "Invalid session for the user.",
     "session-wrong"),
    ("RespondToAuthChallenge", "NotAuthorizedException", "Invalid session provided for the user.",
     "session-wrong"),
    ("VerifySoftwareToken", "InvalidParameterException",
     "2 validation errors detected: Value 'Aaaa' at 'userCode' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: [0-9]+; Value 'Aaaa' at 'userCode' failed "
     "to satisfy constraint: Member must have length greater than or equal to 6",
     "malformed-user-code"),
    ("AssociateSoftwareToken", "SoftwareTokenMFANotFoundException",
     "Software Token MFA has not been enabled by the userPool", "totp-not-enabled-pool"),
    ("RespondToAuthChallenge", "SoftwareTokenMFANotFoundException",
     "Software Token MFA does not exist for the user.", "totp-not-found-user"),
    ("SetUserMFAPreference", "InvalidParameterException",
     "User has not set up software token mfa", "totp-not-verified"),
    ("AdminSetUserMFAPreference", "InvalidParameterException",
     "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA", "totp-not-verified"),
    ("RespondToAuthChallenge", "InvalidParameterException", "Missing required parameter Session",
     "missing-session"),
    ("AssociateSoftwareToken", "NotAuthorizedException", "Invalid Access Token",
     "access-token-invalid"),
    ("GetUser", "NotAuthorizedException", "Access Token has been revoked", "access-token-revoked"),
    ("SetUserPoolMfaConfig", "InvalidParameterException",
     "Invalid MFA configuration given, can't disable all MFAs with a required or optional "
     "configuration.", "cannot-disable-all-mfa"),
    ("CreateUserPool", "InvalidParameterException",
     "SMS configuration and Auto verification for phone_number are required when MFA is "
     "required/optional", "sms-config-required"),
    ("SetUserPoolMfaConfig", "InvalidSmsRoleAccessPolicyException", "Role does not have permission",
     "sms-role"),
    ("SetUserPoolMfaConfig", "InvalidSmsRoleTrustRelationshipException", "", "sms-role"),
    ("SetUserPoolMfaConfig", "FeatureUnavailableInTierException", "", "feature-tier"),
    ("InitiateAuth", "NotAuthorizedException", "Password attempts exceeded",
     "password-attempts-exceeded"),
    ("InitiateAuth", "NotAuthorizedException", "Incorrect username or password.",
     "incorrect-password"),
    ("ChangePassword", "LimitExceededException",
     "Attempt limit exceeded, please try after some time.", "attempt-limit"),
    ("VerifySoftwareToken", "TooManyRequestsException", "Rate exceeded", "throttled"),
    ("AdminCreateUser", "TooManyRequestsException", "Too many requests", "throttled"),
    # The rest of the brief's list and the catalogue's other rows.
    ("InitiateAuth", "NotAuthorizedException", "User is disabled.", "user-disabled"),
    ("GetUser", "NotAuthorizedException", "Access Token has expired", "access-token-invalid"),
    ("InitiateAuth", "NotAuthorizedException",
     "Unable to verify secret hash for client 1abc", "secret-hash"),
    ("InitiateAuth", "NotAuthorizedException", "Something else entirely", "not-authorized"),
    ("InitiateAuth", "InvalidParameterException",
     "USER_PASSWORD_AUTH flow not enabled for this client", "auth-flow-not-enabled"),
    ("InitiateAuth", "InvalidParameterException", "1 validation error detected: Value null",
     "invalid-parameter"),
    ("AssociateSoftwareToken", "SoftwareTokenMFANotFoundException", "", "totp-not-found"),
    ("RespondToAuthChallenge", "CodeMismatchException", "", "code-mismatch"),
    ("ConfirmSignUp", "ExpiredCodeException", "Invalid code provided, please request a code again.",
     "code-expired"),
    ("CreateUserPool", "LimitExceededException", "Too many user pools", "limit-exceeded"),
    ("InitiateAuth", "ResourceNotFoundException", "Device does not exist.", "device-not-found"),
    ("InitiateAuth", "ResourceNotFoundException", "User pool client 123 does not exist.",
     "resource-not-found"),
    # the sandbox (moto) answers a missing provider with its bare name: the operation decides
    ("DescribeIdentityProvider", "ResourceNotFoundException", "ExampleOIDC", "identity-provider-not-found"),
    ("DeleteIdentityProvider", "ResourceNotFoundException", "Identity provider ExampleOIDC does not exist.",
     "identity-provider-not-found"),
    ("AdminGetUser", "UserNotFoundException", "User does not exist.", "user-not-found"),
    ("InitiateAuth", "UserNotConfirmedException", "User is not confirmed.", "user-not-confirmed"),
    ("InitiateAuth", "PasswordResetRequiredException", "Password reset required for the user",
     "password-reset-required"),
    ("SignUp", "InvalidPasswordException", "Password did not conform with policy",
     "invalid-password"),
    ("SignUp", "UsernameExistsException", "User already exists", "username-exists"),
    ("VerifySoftwareToken", "InvalidUserPoolConfigurationException", "", "pool-config"),
    ("InitiateAuth", "ForbiddenException", "", "forbidden"),
    ("AssociateSoftwareToken", "ConcurrentModificationException", "", "concurrent-modification"),
    ("InitiateAuth", "InternalErrorException", "", "internal-error"),
    ("ListUserPools", "UnrecognizedClientException", "The security token included in the "
     "request is invalid.", "aws-credentials-rejected"),
    ("ListUserPools", "AccessDeniedException", "User: arn:aws:iam::1:user/x is not authorized",
     "access-denied"),
    ("ListUserPools", "ThrottlingException", "Rate exceeded", "throttled"),
    # Managed login, domains and federation (issue 13)
    ("AssociateSoftwareToken", "NotAuthorizedException", "Access Token does not have required scopes",
     "access-token-scope"),
    ("AdminInitiateAuth", "NotAuthorizedException", "User is not authorized to get auth details.",
     "federated-user-api"),
    ("CreateUserPoolDomain", "InvalidParameterException", "Domain already associated with another user pool.",
     "domain-taken"),
    ("CreateUserPoolDomain", "InvalidParameterException", "Domain cannot contain reserved word: aws",
     "domain-reserved-word"),
    ("DeleteUserPool", "InvalidParameterException",
     "User pool cannot be deleted. It has a domain configured that should be deleted first.", "domain-first"),
    ("CreateIdentityProvider", "DuplicateProviderException", "", "duplicate-provider"),
]
# OAuth 2.0 errors of managed login's endpoints (RFC 6749 codes, not cognito-idp exceptions): (code, message, key).
# tests/flows/test_hosted_ui_flow.py reaches them from real HttpErrors of the sandbox's endpoints.
OAUTH_ROWS = [
    ("invalid_grant", "Invalid 'code' in request.", "oauth-invalid-grant"),
    ("invalid_client", "", "oauth-invalid-client"),
    ("invalid_scope", "", "oauth-invalid-scope"),
    ("unauthorized_client", "", "oauth-unauthorized-client"),
    ("invalid_request", "Missing 'code_verifier'", "oauth-invalid-request"),
    ("unsupported_grant_type", "", "oauth-invalid-request"),
    ("invalid_token", "Access token does not contain openid scope", "oauth-invalid-token"),
]


@pytest.mark.parametrize(("code", "message", "key"), OAUTH_ROWS, ids=[r[0] for r in OAUTH_ROWS])
def test_oauth_rows(code, message, key):
    explained = explain((code, message))
    assert explained.key == key and explained.code == code and explained.reference.startswith("https://")


@pytest.mark.parametrize(("operation", "code", "message", "key"), REFERENCE_ROWS,
                         ids=[f"{r[1]}:{r[3]}" for r in REFERENCE_ROWS])
def test_rows_from_parsed_client_errors(operation, code, message, key):
    exp = explain(parsed_client_error(code, message, operation))
    assert exp.key == key
    assert exp.code == code
    assert exp.operation == operation
    assert exp.reference is None or exp.reference.startswith("https://")
    # The same row from a plain (code, message) pair and the operation that failed (as the journal has them).
    assert explain((code, message), operation=operation).key == key


def test_every_catalogue_row_is_reachable():
    covered = {row[3] for row in REFERENCE_ROWS} | {row[2] for row in OAUTH_ROWS} | {
        "client-user-code", "param-validation", "no-credentials", "no-region",
        "endpoint-unreachable",
    } | set(errors_beyond_totp.EXAMPLES)  # checked in tests/test_errors_beyond_totp.py
    assert {rule.key for rule in CATALOGUE} <= covered
    assert len({rule.key for rule in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize(
    "key",
    ["totp-verify-mismatch", "totp-signin-mismatch", "code-mismatch"],
)
def test_code_rows_cite_clock_skew(key):
    """A wrong code may come from a skewed clock; a used or expired one does not (issue 15)."""
    rule = next(r for r in CATALOGUE if r.key == key)
    assert "30" in rule.why and "clock" in rule.why


def test_throttling_mentions_retry_modes():
    exp = explain(("TooManyRequestsException", "Rate exceeded"))
    assert "standard" in exp.why and "legacy" in exp.why


# --------------------------------------------------------------------------- real botocore


@pytest.fixture
def error_server():
    """A local endpoint answering every call with the Cognito error body set in ``state``."""
    state = {"status": 400, "body": {}}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps(state["body"]).encode()
            self.send_response(state["status"])
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = boto3.client(
        "cognito-idp", endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
        region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"mode": "legacy", "max_attempts": 1}),
    )
    yield client, state
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("code", "message", "key"),
    [
        ("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA",
         "totp-verify-mismatch"),
        ("TooManyRequestsException", "Rate exceeded", "throttled"),
        ("NotAuthorizedException", "Invalid Access Token", "access-token-invalid"),
    ],
)
def test_modeled_exception_from_the_wire(error_server, code, message, key):
    client, state = error_server
    state["body"] = {"__type": code, "message": message}
    with pytest.raises(ClientError) as info:
        client.verify_software_token(AccessToken="abc", UserCode="123456")
    assert type(info.value).__name__ == code  # client.exceptions.<code>
    exp = explain(info.value)
    assert exp.key == key and exp.operation == "VerifySoftwareToken"
    assert exp.message == message


def test_wire_message_with_user_code_is_masked(error_server):
    client, state = error_server
    state["body"] = {"__type": "InvalidParameterException",
                     "message": "1 validation error detected: Value '12a45z' at 'userCode' "
                                "failed to satisfy constraint"}
    with pytest.raises(ClientError) as info:
        client.verify_software_token(AccessToken="abc", UserCode="12a45z")
    exp = explain(info.value)
    assert exp.key == "malformed-user-code"
    assert "12a45z" not in exp.as_text() and "12a45z" not in exp.as_markdown()


def test_param_validation_error_from_botocore(error_server):
    client, _ = error_server
    with pytest.raises(ParamValidationError) as info:
        client.verify_software_token(AccessToken="abc", UserCode="12345")
    exp = explain(info.value)
    assert exp.key == "client-user-code"
    assert "UserCode" in exp.message
    with pytest.raises(ParamValidationError) as info:
        client.initiate_auth(ClientId="c")  # AuthFlow missing
    assert explain(info.value).key == "param-validation"


def test_param_validation_masks_sensitive_values():
    err = ParamValidationError(
        report="Invalid type for parameter Password, value: hunter22, type: <class 'int'>, "
        "valid types: <class 'str'>"
    )
    exp = explain(err)
    assert "hunter22" not in exp.as_text()
    assert "parameter Password, value: ***" in exp.message


def test_redact_keeps_non_sensitive_and_lengths():
    msg = "Invalid type for parameter UserPoolId, value: 42, type: <class 'int'>, valid types: str"
    assert redact_message(msg) == msg
    # ClientId is marked sensitive in botocore's cognito-idp model, so it is masked.
    msg = "Invalid type for parameter ClientId, value: 42, type: <class 'int'>, valid types: str"
    assert "value: ***" in redact_message(msg)
    msg = "Invalid length for parameter UserCode, value: 5, valid min length: 6"
    assert redact_message(msg) == msg
    msg = "Value 'us-east-1_x' at 'userPoolId' failed"
    assert redact_message(msg) == msg


def test_unreachable_endpoint():
    client = boto3.client(
        "cognito-idp", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=1),
    )
    with pytest.raises((EndpointConnectionError, ConnectTimeoutError)) as info:
        client.list_user_pools(MaxResults=1)
    exp = explain(info.value)
    assert exp.key == "endpoint-unreachable"
    assert "sandbox" in exp.what_to_do


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (NoCredentialsError(), "no-credentials"),
        (PartialCredentialsError(provider="env", cred_var="aws_secret_access_key"),
         "no-credentials"),
        (NoRegionError(), "no-region"),
        (ConnectionRefusedError(111, "Connection refused"), "endpoint-unreachable"),
        (RuntimeError("boom"), "unexpected-error"),
        ("CodeMismatchException", "code-mismatch"),
        ({"Error": {"Code": "ExpiredCodeException",
                    "Message": "Your software token has already been used once."}},
         "totp-code-reused"),
        (("CodeMismatch", "Invalid code received for user"), "totp-signin-mismatch"),
    ],
)
def test_other_inputs(error, key):
    assert explain(error).key == key


def test_unknown_cognito_code_names_it():
    exp = explain(parsed_client_error("BrandNewException", "new", "GetUser"))
    assert exp.key == "unexpected-error"
    assert "BrandNewException" in exp.why
    assert exp.reference.endswith("API_GetUser.html")


def test_text_and_markdown_render_all_parts():
    exp = explain(parsed_client_error("ExpiredCodeException",
                                      "Your software token has already been used once.",
                                      "RespondToAuthChallenge"))
    text, md = exp.as_text(), exp.as_markdown()
    for part in (exp.title, exp.what_happened, exp.why, exp.what_to_do, exp.reference):
        assert part in text
    assert md.startswith("### " + exp.title)
    assert "**What to do.**" in md and f"]({exp.reference})" in md
    assert "`RespondToAuthChallenge`" in md


class _Hostile:
    def __str__(self):
        raise RuntimeError("no str")

    def __repr__(self):
        raise RuntimeError("no repr")


@given(
    st.one_of(
        st.none(), st.integers(), st.text(), st.binary(), st.floats(),
        st.tuples(st.text(), st.text()), st.tuples(st.none(), st.integers()),
        st.dictionaries(st.text(), st.text()),
        st.fixed_dictionaries({"Error": st.dictionaries(st.sampled_from(["Code", "Message"]),
                                                        st.text())}),
        st.builds(Exception, st.text()), st.builds(ValueError, st.integers()),
        st.builds(lambda c, m: ("x", c, m), st.text(), st.text()),
        st.just(_Hostile()),
    )
)
def test_explain_never_raises(value):
    exp = explain(value)
    assert isinstance(exp, Explanation)
    assert exp.title and exp.what_to_do
    assert isinstance(exp.as_text(), str) and isinstance(exp.as_markdown(), str)


def test_resource_not_found_depends_on_the_operation(sandbox):
    """A real DescribeIdentityProvider ResourceNotFoundException (from the sandbox) is about the provider, not the
    pool; the same code from DescribeUserPool is about the pool. A journal (code, message) pair gets the operation
    passed in."""
    client = boto3.client("cognito-idp", endpoint_url=sandbox.endpoint_url, region_name="us-east-1",
                          aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    pool_id = client.create_user_pool(PoolName="errors-idp")["UserPool"]["Id"]
    with pytest.raises(ClientError) as info:
        client.describe_identity_provider(UserPoolId=pool_id, ProviderName="NoSuchIdP")
    exp = explain(info.value)
    assert exp.key == "identity-provider-not-found" and "pool or app client" not in exp.title
    code, message = info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]
    assert explain((code, message), operation="DescribeIdentityProvider").key == "identity-provider-not-found"
    with pytest.raises(ClientError) as info:
        client.describe_user_pool(UserPoolId="us-east-1_DoesNotX1")
    assert explain(info.value).key == "resource-not-found"


def test_expired_code_why_says_nothing_about_clock_skew():
    for message in ("Your software token has already been used once.", "Invalid code provided"):
        why = explain(("ExpiredCodeException", message)).why
        assert "clock" not in why.lower() and "skew" not in why.lower(), why


def test_botocore_validation_errors_are_masked_by_the_quoted_value_rules():
    """Real ParamValidationErrors (no request known): every sensitive value botocore quotes is masked, lists too."""
    client = boto3.client("cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    cases = [
        ("admin_set_user_password", {"UserPoolId": "us-east-1_x", "Username": "Bob", "Password": 98765432},
         "98765432"),
        ("verify_software_token", {"UserCode": 654321, "AccessToken": "abc"}, "654321"),
        ("verify_software_token", {"UserCode": "123456", "AccessToken": ["tok-en-secret, with a comma"]},
         "tok-en-secret"),
        ("initiate_auth", {"ClientId": "c", "AuthFlow": "USER_PASSWORD_AUTH",
                           "AuthParameters": {"USERNAME": "Bob", "PASSWORD": 11223344}}, "11223344"),
    ]
    for operation, params, secret in cases:
        with pytest.raises(ParamValidationError) as info:
            getattr(client, operation)(**params)
        assert secret in str(info.value)  # botocore quotes it ...
        exp = explain(info.value)
        assert secret not in exp.as_text() and secret not in exp.as_html(), (operation, exp.message)
        assert "type: <class" in exp.message  # ... the rest of the message is kept
