"""The cognito-idp protocol's refusals, as Cognito answers them: HTTP 400 with a named ``__type``.

Raw HTTP where botocore's own client-side checks would stop the request before it left; boto3 where it can send it.
"""

from __future__ import annotations

import http.client
import json
import logging
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from sandbox_helpers import make_pool

from cognito_mfa_kit.sandbox import protocol
from cognito_mfa_kit.sandbox.app import SandboxApp

PREFIX = "AWSCognitoIdentityProviderService"


def _call(sandbox: Any, target: str | None, body: bytes | str, headers: dict[str, str] | None = None
          ) -> tuple[int, dict[str, Any], http.client.HTTPResponse]:
    url = urlparse(sandbox.endpoint_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    sent = {"Content-Type": "application/x-amz-json-1.1", **(headers or {})}
    if target is not None:
        sent["X-Amz-Target"] = target
    conn.request("POST", "/", body.encode() if isinstance(body, str) else body, sent)
    answer = conn.getresponse()
    payload = json.loads(answer.read())
    conn.close()
    return answer.status, payload, answer


@pytest.mark.parametrize("body", [b"{", b"not json", b'{"MaxResults": 5,}', b"\xff\xfe{}", b'{"a": NaN'])
def test_malformed_json_is_serialization_exception(sandbox, body):
    status, payload, _ = _call(sandbox, f"{PREFIX}.ListUserPools", body)
    assert status == 400 and payload["__type"] == "SerializationException", payload
    assert payload["message"]


@pytest.mark.parametrize("body", [b"[]", b"5", b'"text"', b"null", b"true"])
def test_json_that_is_not_an_object_is_serialization_exception(sandbox, body):
    status, payload, _ = _call(sandbox, f"{PREFIX}.ListUserPools", body)
    assert (status, payload["__type"]) == (400, "SerializationException"), payload
    assert "JSON object" in payload["message"]


@pytest.mark.parametrize("target", [None, "", f"{PREFIX}.NoSuchOperation", "DynamoDB_20120810.ListTables",
                                    "ListUserPools", f"{PREFIX}."])
def test_unknown_or_missing_operation_is_unknown_operation_exception(sandbox, target):
    status, payload, answer = _call(sandbox, target, b"{}")
    assert (status, payload["__type"]) == (400, "UnknownOperationException"), payload
    assert answer.getheader("Content-Type") == "application/x-amz-json-1.1"


def test_missing_required_member_is_invalid_parameter_with_cognitos_wording(sandbox):
    status, payload, _ = _call(sandbox, f"{PREFIX}.DescribeUserPool", b"{}")
    assert (status, payload["__type"]) == (400, "InvalidParameterException")
    assert payload["message"] == ("1 validation error detected: Value null at 'userPoolId' failed to satisfy "
                                  "constraint: Member must not be null")


def test_several_violations_are_counted_and_listed(sandbox):
    status, payload, _ = _call(sandbox, f"{PREFIX}.AdminGetUser", json.dumps({"UserPoolId": "x" * 60}))
    assert (status, payload["__type"]) == (400, "InvalidParameterException")
    message = payload["message"]
    assert message.startswith("3 validation errors detected: ")
    assert "at 'username' failed to satisfy constraint: Member must not be null" in message
    assert f"Value '{'x' * 60}' at 'userPoolId' failed to satisfy constraint: Member must have length less than " \
           "or equal to 55" in message
    assert "at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: " \
           "[\\w-]+_[0-9a-zA-Z]+" in message


def test_sensitive_values_are_not_echoed(sandbox):
    pool = make_pool(boto3.client("cognito-idp", endpoint_url=sandbox.endpoint_url, region_name="us-east-1",
                                  aws_access_key_id="sandbox", aws_secret_access_key="sandbox"))
    status, payload, _ = _call(sandbox, f"{PREFIX}.SignUp", json.dumps(
        {"ClientId": pool.client_id, "Username": "bob", "Password": "trailing space "}))
    assert (status, payload["__type"]) == (400, "InvalidParameterException")
    assert payload["message"] == ("1 validation error detected: Value at 'password' failed to satisfy constraint: "
                                  "Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$")
    assert "trailing" not in payload["message"]


def test_a_password_with_inner_spaces_passes_the_pattern(cognito):
    pool = make_pool(cognito)
    answer = cognito.sign_up(ClientId=pool.client_id, Username="spaced-" + pool.short_id, Password="Two Words-1!")
    assert answer["UserSub"]


def test_max_results_abc_is_a_serialization_exception_not_a_500(sandbox):
    status, payload, _ = _call(sandbox, f"{PREFIX}.ListUserPools", json.dumps({"MaxResults": "abc"}))
    assert (status, payload["__type"]) == (400, "SerializationException"), payload
    assert payload["message"] == "STRING_VALUE can not be converted to an Integer"


@pytest.mark.parametrize(("member", "value", "message"), [
    ("UserPoolId", 5, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an "
                      "String"),
    ("UserPoolId", {"a": 1}, "Start of structure or map found where not expected"),
    ("UserPoolId", True, "class java.lang.Boolean can not be converted to an String"),
    ("UserPoolId", ["x"], "Start of list found where not expected"),
])
def test_wrong_json_types_are_serialization_exceptions(sandbox, member, value, message):
    status, payload, _ = _call(sandbox, f"{PREFIX}.DescribeUserPool", json.dumps({member: value}))
    assert (status, payload) == (400, {"__type": "SerializationException", "message": message})


def test_a_string_where_a_list_belongs_names_the_list(sandbox):
    status, payload, _ = _call(sandbox, f"{PREFIX}.AdminUpdateUserAttributes", json.dumps(
        {"UserPoolId": "us-east-1_abc", "Username": "bob", "UserAttributes": "x"}))
    assert (status, payload) == (400, {"__type": "SerializationException",
                                       "message": "STRING_VALUE can not be converted to a List"})


def test_out_of_range_and_enum_values_get_cognitos_constraint_messages(sandbox):
    status, payload, _ = _call(sandbox, f"{PREFIX}.ListUserPools", json.dumps({"MaxResults": 0}))
    assert (status, payload["__type"]) == (400, "InvalidParameterException")
    assert payload["message"] == ("1 validation error detected: Value '0' at 'maxResults' failed to satisfy "
                                  "constraint: Member must have value greater than or equal to 1")
    status, payload, _ = _call(sandbox, f"{PREFIX}.InitiateAuth", json.dumps(
        {"ClientId": "abc", "AuthFlow": "USER_PASWORD_AUTH"}))
    assert status == 400 and "Value 'USER_PASWORD_AUTH' at 'authFlow' failed to satisfy constraint: Member must " \
        "satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH" in payload["message"]


def test_nested_members_are_named_by_path(sandbox):
    status, payload, _ = _call(sandbox, f"{PREFIX}.AdminCreateUser", json.dumps(
        {"UserPoolId": "us-east-1_abc", "Username": "bob", "UserAttributes": [{"Value": "x"}]}))
    assert (status, payload["__type"]) == (400, "InvalidParameterException")
    assert "Value null at 'userAttributes.1.member.name' failed to satisfy constraint: Member must not be null" \
        in payload["message"]


def test_unknown_members_are_ignored(cognito, sandbox):
    status, payload, _ = _call(sandbox, f"{PREFIX}.ListUserPools", json.dumps({"MaxResults": 2, "Color": "red"}))
    assert status == 200 and "UserPools" in payload


def test_a_document_member_is_kept_whole_while_unknown_members_go():
    """CompleteWebAuthnRegistration's Credential is a document (free-form JSON): its contents are not "unknown
    members" of a structure to drop; an unknown top-level member still is."""
    credential = {"id": "abc", "response": {"clientDataJSON": "eyJ9", "transports": ["internal"]}}
    body = json.dumps({"AccessToken": "a" * 20, "Credential": credential, "Color": "red"}).encode()
    request = protocol.check(f"{PREFIX}.CompleteWebAuthnRegistration", body)
    assert request.params == {"AccessToken": "a" * 20, "Credential": credential}
    assert request.pruned


def _document_members() -> list[tuple[str, str]]:
    """(operation, top-level member) for every document-typed input member of the model."""
    model = protocol.service_model()
    found = []
    for name in model.operation_names:
        shape = model.operation_model(name).input_shape
        for member, member_shape in (shape.members.items() if shape is not None else ()):
            if member_shape.metadata.get("document"):
                found.append((name, member))
    return found


@pytest.mark.parametrize(("operation", "member"), _document_members())
@pytest.mark.parametrize("value", ["x", [1, 2], 5, True, {"any": ["json"]}])
def test_any_json_in_a_document_member_gets_a_named_400_never_a_500(sandbox, operation, member, value):
    """A document is any JSON value: the protocol checks nothing inside it, and what reads it refuses in words."""
    assert _document_members(), "the model has document members (CompleteWebAuthnRegistration's Credential...)"
    shape = protocol.service_model().operation_model(operation).input_shape
    body = {m: ("us-east-1_abcdefghi" if m == "UserPoolId" else "a" * 20) for m in shape.required_members}
    status, payload, _ = _call(sandbox, f"{PREFIX}.{operation}", json.dumps({**body, member: value}))
    assert status == 400 and payload["__type"] not in ("InternalErrorException", "SerializationException"), payload


def test_empty_body_is_an_empty_object(sandbox):
    status, payload, _ = _call(sandbox, f"{PREFIX}.ListUserPools", b"")
    assert (status, payload["__type"]) == (400, "InvalidParameterException")
    assert "at 'maxResults' failed to satisfy constraint: Member must not be null" in payload["message"]


def test_a_model_operation_the_sandbox_does_not_emulate_is_a_clear_400(sandbox):
    status, payload, _ = _call(sandbox, f"{PREFIX}.ListTerms", json.dumps({"UserPoolId": "us-east-1_abc"}))
    assert (status, payload) == (400, {"__type": "InvalidParameterException",
                                       "message": "The sandbox doesn't emulate ListTerms."})


def test_boto3_sees_the_modelled_exception_and_does_not_retry(sandbox):
    """boto3 maps the answers to its modelled exceptions; a 400 is not retried (a 500 would be)."""
    client = boto3.client("cognito-idp", endpoint_url=sandbox.endpoint_url, region_name="us-east-1",
                          aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                          config=Config(parameter_validation=False, retries={"mode": "standard", "max_attempts": 3}))
    with pytest.raises(client.exceptions.InvalidParameterException) as info:
        client.list_user_pools(MaxResults=0)
    assert info.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    with pytest.raises(ClientError) as info:
        client.list_user_pools(MaxResults="abc")
    assert info.value.response["Error"]["Code"] == "SerializationException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_exception_inside_dispatch_is_internal_error_500_logged_once(sandbox, monkeypatch, caplog):
    """A genuine sandbox bug (here: moto's dispatch made to raise) is InternalErrorException, HTTP 500, with its
    traceback in the log once, and the server goes on serving."""
    from cognito_mfa_kit.sandbox import responses

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom inside moto")

    monkeypatch.setattr(responses.SandboxResponse, "dispatch", classmethod(broken))
    with caplog.at_level(logging.ERROR, logger="cognito_mfa_kit.sandbox.app"):
        status, payload, _ = _call(sandbox, f"{PREFIX}.ListUserPools", json.dumps({"MaxResults": 1}))
    assert (status, payload["__type"]) == (500, "InternalErrorException")
    records = [r for r in caplog.records if r.name == "cognito_mfa_kit.sandbox.app"]
    assert len(records) == 1 and records[0].exc_info and "boom inside moto" in str(records[0].exc_info[1])
    monkeypatch.undo()
    status, payload, _ = _call(sandbox, f"{PREFIX}.ListUserPools", json.dumps({"MaxResults": 1}))
    assert status == 200


def test_the_model_includes_the_kits_extras():
    assert "AdminDeleteSoftwareToken" in protocol.operations()
    assert SandboxApp  # the app imports the protocol layer, not the kit's core
