"""The call journal: recording from botocore events, masking by the `sensitive` trait."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError
from botocore.model import ShapeResolver
from botocore.stub import Stubber

from cognito_mfa_kit.journal import SHOWN_KEYS, SHOWN_SHAPES, Call, CallError, Journal, mask_value, masked
from cognito_mfa_kit.servicemodel import botocore_session, service_model

POOL = "us-east-1_123456789"
TOKEN = "eyJraWQiO" + "A1b2C3d4E5" * 30 + "ua5Pq3NaA"
SESSION = "Xxz6iadwu" + "Q" * 200 + "3A6GokZWK"
SECRET = "AHEKOHRSIXWRIDJZBJZFD3T3TBUB6YGX4HHHDH4GXGM2ZKUXDOTA"

SEED_OPERATIONS = [
    "AssociateSoftwareToken", "VerifySoftwareToken", "SetUserMFAPreference",
    "AdminSetUserMFAPreference", "AdminInitiateAuth", "AdminRespondToAuthChallenge",
    "InitiateAuth", "RespondToAuthChallenge", "AdminDeleteSoftwareToken",
]


def make_client(**kwargs: Any) -> Any:
    session = boto3.Session(botocore_session=botocore_session())
    return session.client(
        "cognito-idp", region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x", **kwargs,
    )


@pytest.fixture
def client() -> Any:
    return make_client()


@pytest.fixture
def journal(client: Any) -> Journal:
    return _attached(client)


def _attached(client: Any) -> Journal:
    j = Journal()
    assert j.attach(client) is client
    return j


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _http(status: int, body: dict, headers: dict | None = None) -> AWSResponse:
    return AWSResponse("https://x", status, headers or {}, _Raw(json.dumps(body).encode()))


# -- recording -----------------------------------------------------------------------------------

def test_success_is_recorded_with_request_as_sent_and_response_without_metadata(
    client: Any, journal: Journal
) -> None:
    params = {"AccessToken": TOKEN, "UserCode": "269194", "FriendlyDeviceName": "BobPhone"}
    with Stubber(client) as stub:
        stub.add_response("verify_software_token", {"Status": "SUCCESS"}, params)
        assert client.verify_software_token(**params)["Status"] == "SUCCESS"
    params["UserCode"] = "000000"  # the journal keeps its own copy
    assert len(journal) == 1
    call = journal[-1]
    assert call.operation == "VerifySoftwareToken"
    assert call.request == {
        "AccessToken": TOKEN, "UserCode": "269194", "FriendlyDeviceName": "BobPhone"
    }
    assert call.response == {"Status": "SUCCESS"}
    assert call.error is None and call.ok
    assert call.elapsed_ms >= 0
    assert isinstance(call.started_at, datetime) and call.started_at.tzinfo is not None
    assert call.region == "us-east-1"
    assert call.endpoint_url is None  # an AWS host needs no --endpoint-url
    assert call.attempts == 1


def test_service_error_is_recorded_and_still_raised(client: Any, journal: Journal) -> None:
    with Stubber(client) as stub:
        stub.add_client_error(
            "verify_software_token", "EnableSoftwareTokenMFAException",
            "Code mismatch and fail enable Software Token MFA", 400,
        )
        with pytest.raises(ClientError):
            client.verify_software_token(AccessToken=TOKEN, UserCode="123456")
    (call,) = list(journal)
    assert call.error == CallError(
        "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA", 400
    )
    assert call.response is None and not call.ok
    assert call.http_status == 400


def test_client_side_validation_error_is_recorded_once(client: Any, journal: Journal) -> None:
    with pytest.raises(ParamValidationError):
        client.verify_software_token(AccessToken=TOKEN, UserCode=269194)  # int, not str
    with pytest.raises(ParamValidationError):
        client.admin_get_user(UserPoolId=POOL)  # Username missing
    assert [c.operation for c in journal] == ["VerifySoftwareToken", "AdminGetUser"]
    assert all(c.error is not None and c.error.code == "ParamValidationError" for c in journal)
    assert "Username" in journal[1].error.message  # type: ignore[union-attr]


def test_validation_off_records_the_service_answer_instead() -> None:
    client = make_client(config=Config(parameter_validation=False))
    journal = _attached(client)
    with Stubber(client) as stub:
        stub.add_client_error("admin_get_user", "InvalidParameterException", "bad", 400)
        with pytest.raises(ClientError):
            client.admin_get_user(UserPoolId=POOL)
    assert [c.error.code for c in journal] == ["InvalidParameterException"]  # type: ignore


def test_retries_are_one_entry_with_the_attempt_count() -> None:
    client = make_client(config=Config(retries={"mode": "standard", "total_max_attempts": 3}))
    journal = _attached(client)
    sent: list[int] = []

    def fake_send(**_: Any) -> AWSResponse:
        sent.append(1)
        if len(sent) < 3:
            return _http(400, {"__type": "TooManyRequestsException", "message": "Rate exceeded"})
        return _http(200, {"SecretCode": SECRET})

    client.meta.events.register("before-send.cognito-identity-provider", fake_send)
    assert client.associate_software_token(AccessToken=TOKEN)["SecretCode"] == SECRET
    assert len(sent) == 3
    assert len(journal) == 1
    assert journal[0].attempts == 3 and journal[0].ok


def test_retries_exhausted_is_one_error_entry() -> None:
    client = make_client(config=Config(retries={"mode": "standard", "total_max_attempts": 2}))
    journal = _attached(client)
    sent: list[int] = []

    def fake_send(**_: Any) -> AWSResponse:
        sent.append(1)
        return _http(400, {"__type": "TooManyRequestsException", "message": "Rate exceeded"})

    client.meta.events.register("before-send.cognito-identity-provider", fake_send)
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.associate_software_token(AccessToken=TOKEN)
    assert len(sent) == 2
    (call,) = list(journal)
    assert call.error == CallError("TooManyRequestsException", "Rate exceeded", 400)
    assert call.attempts == 2


def test_connection_failure_is_recorded_via_after_call_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = make_client(
        endpoint_url=f"http://127.0.0.1:{port}",
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}),
    )
    journal = _attached(client)
    with pytest.raises(EndpointConnectionError):
        client.admin_get_user(UserPoolId=POOL, Username="bob")
    (call,) = list(journal)
    assert call.error is not None and call.error.code == "EndpointConnectionError"
    assert call.endpoint_url == f"http://127.0.0.1:{port}"  # not AWS: kept for --endpoint-url


def test_concurrent_calls_do_not_mix() -> None:
    client = make_client()
    journal = _attached(client)

    def echo(request: Any, **_: Any) -> AWSResponse:
        body = json.loads(request.body)
        return _http(200, {"Username": body["Username"], "UserAttributes": []})

    client.meta.events.register("before-send.cognito-identity-provider", echo)

    def work(t: int) -> None:
        for i in range(20):
            client.admin_get_user(UserPoolId=POOL, Username=f"u{t}-{i}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(journal) == 160
    assert all(c.request["Username"] == c.response["Username"] for c in journal)  # type: ignore
    assert len({c.request["Username"] for c in journal}) == 160


def test_subscribe_unsubscribe_and_a_broken_subscriber(client: Any, journal: Journal) -> None:
    seen: list[Call] = []
    unsubscribe = journal.subscribe(seen.append)

    def broken(call: Call) -> None:
        raise RuntimeError("widget bug")

    journal.subscribe(broken)
    with Stubber(client) as stub:
        stub.add_response("associate_software_token", {"SecretCode": SECRET})
        stub.add_response("associate_software_token", {"SecretCode": SECRET})
        client.associate_software_token(AccessToken=TOKEN)  # the broken one doesn't break this
        unsubscribe()
        client.associate_software_token(AccessToken=TOKEN)
    assert seen == [journal[0]]
    assert len(journal) == 2


def test_sequence_protocol_clear_and_detach(client: Any, journal: Journal) -> None:
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_response("associate_software_token", {"SecretCode": SECRET})
        for _ in range(2):
            client.associate_software_token(AccessToken=TOKEN)
        assert len(journal) == 2 and journal[0] is not journal[1]
        assert journal[-1] is journal[1] and journal[0:1] == [journal[0]]
        assert [c.operation for c in journal] == ["AssociateSoftwareToken"] * 2
        journal.clear()
        assert len(journal) == 0
        journal.detach(client)
        client.associate_software_token(AccessToken=TOKEN)
    assert len(journal) == 0


def test_two_journals_on_one_client(client: Any, journal: Journal) -> None:
    other = _attached(client)
    with Stubber(client) as stub:
        stub.add_response("associate_software_token", {"SecretCode": SECRET})
        client.associate_software_token(AccessToken=TOKEN)
    assert len(journal) == 1 and len(other) == 1


# -- masking ---------------------------------------------------------------------------------------

def test_mask_value_seed_style() -> None:
    assert mask_value(TOKEN) == "eyJraWQiO........ua5Pq3NaA"
    assert mask_value("269194") == "******"
    assert mask_value("P@ssw0rd") == "********"
    assert mask_value("a much longer passphrase") == "********"  # length not given away
    assert mask_value(None) is None and mask_value("") == ""
    assert SECRET[9:-9] not in mask_value(SECRET)


def _sample(shape: Any, depth: int = 0) -> Any:
    """A value for every member of a shape (strings are long and distinct)."""
    kind = shape.type_name
    if kind == "structure":
        return {n: _sample(s, depth + 1) for n, s in shape.members.items() if depth < 4}
    if kind == "list":
        return [_sample(shape.member, depth + 1)]
    if kind == "map":
        return {"KEY_ONE": _sample(shape.value, depth + 1)}
    if kind == "boolean":
        return True
    if kind in ("integer", "long"):
        return 7
    return f"value-of-{shape.name}-" + "z" * 40


def _leaves(original: Any, masked_: Any, shape: Any, sensitive: bool, path: str) -> Iterator:
    sensitive = sensitive or bool(shape.metadata.get("sensitive"))
    if shape.name in SHOWN_SHAPES:  # identifiers the model marks sensitive: shown on purpose
        sensitive = False
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            if name in original:
                yield from _leaves(original[name], masked_[name], member, sensitive,
                                   f"{path}.{name}")
    elif shape.type_name == "list":
        for o, m in zip(original, masked_, strict=True):
            yield from _leaves(o, m, shape.member, sensitive, f"{path}[]")
    elif shape.type_name == "map":
        assert list(original) == list(masked_)  # keys stay
        for k in original:
            yield from _leaves(original[k], masked_[k], shape.value, sensitive and k not in SHOWN_KEYS,
                               f"{path}.{k}")
    else:
        yield path, sensitive, original, masked_


@pytest.mark.parametrize("operation", SEED_OPERATIONS)
def test_every_sensitive_member_of_the_seed_operations_is_masked(operation: str) -> None:
    op = service_model().operation_model(operation)
    checked = {True: 0, False: 0}
    for shape in (op.input_shape, op.output_shape):
        if shape is None:
            continue
        value = _sample(shape)
        for path, sensitive, before, after in _leaves(value, masked(shape, value), shape,
                                                      False, shape.name):
            if sensitive and isinstance(before, str):
                assert after != before and before[9:-9] not in after, path
            elif not sensitive:
                assert after == before, path
            checked[sensitive] += 1
    # every seed operation carries a secret somewhere, but for the two admin calls that name a user only
    assert checked[True] > 0 or operation in ("AdminSetUserMFAPreference", "AdminDeleteSoftwareToken")


def test_named_members_follow_the_model() -> None:
    call = Call(
        operation="AdminInitiateAuth",
        request={"UserPoolId": POOL, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                 "AuthParameters": {"USERNAME": "Bob", "PASSWORD": "P@ssw0rd"}},
        response={"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION,
                  "ChallengeParameters": {"USER_ID_FOR_SRP": "Bob"}},
    )
    assert call.request_masked == {
        "UserPoolId": POOL, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        # USERNAME names the user; the password proves it: only the proof is masked.
        "AuthParameters": {"USERNAME": "Bob", "PASSWORD": "********"},
    }
    assert call.response_masked == {
        "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "Xxz6iadwu........3A6GokZWK",
        # ChallengeParametersType is not sensitive in the model, so it is shown.
        "ChallengeParameters": {"USER_ID_FOR_SRP": "Bob"},
    }
    request, response = call.reveal()
    assert request == call.request and request is not call.request
    request["AuthParameters"]["PASSWORD"] = "changed"
    assert call.request["AuthParameters"]["PASSWORD"] == "P@ssw0rd"
    assert response is not None and response["Session"] == SESSION


def test_masking_is_by_trait_not_by_key_name() -> None:
    resolver = ShapeResolver({
        "Req": {"type": "structure", "members": {
            "Password": {"shape": "Plain"}, "Colour": {"shape": "Secret"},
            "Nested": {"shape": "Box"},
        }},
        "Box": {"type": "structure", "sensitive": True, "members": {"Inner": {"shape": "Plain"}}},
        "Plain": {"type": "string"},
        "Secret": {"type": "string", "sensitive": True},
    })
    value = {"Password": "hunter22", "Colour": "blue", "Nested": {"Inner": "x" * 40}}
    assert masked(resolver.get_shape_by_name("Req"), value) == {
        "Password": "hunter22", "Colour": "****", "Nested": {"Inner": "xxxxxxxxx........xxxxxxxxx"},
    }


def test_handouts_are_always_masked(client: Any, journal: Journal) -> None:
    with Stubber(client) as stub:
        stub.add_response("associate_software_token", {"SecretCode": SECRET})
        stub.add_client_error("verify_software_token", "CodeMismatchException",
                              "Invalid code received for user", 400)
        client.associate_software_token(AccessToken=TOKEN)
        with pytest.raises(ClientError):
            client.verify_software_token(AccessToken=TOKEN, UserCode="269194")
    jsonl = journal.to_jsonl()
    markdown = journal.to_markdown()
    for text in (jsonl, markdown):
        assert TOKEN not in text and SECRET not in text and "269194" not in text
        assert "eyJraWQiO........ua5Pq3NaA" in text
        assert "CodeMismatchException" in text
    records = [json.loads(line) for line in jsonl.splitlines()]
    assert [r["operation"] for r in records] == ["AssociateSoftwareToken", "VerifySoftwareToken"]
    assert records[0]["response"]["SecretCode"] == SECRET[:9] + "........" + SECRET[-9:]
    assert records[1]["error"]["code"] == "CodeMismatchException"
    assert records[1]["cli"].startswith("aws cognito-idp verify-software-token ")


def test_secrets_the_model_does_not_mark_are_masked_too() -> None:
    block = "c2VjcmV0LWJsb2Nr" * 8
    verifier = "dmVyaWZpZXI" * 10
    challenge = Call(operation="InitiateAuth", request={"AuthFlow": "USER_SRP_AUTH", "ClientId": "app",
                                                        "AuthParameters": {"USERNAME": "Bob", "SRP_A": "abc"}},
                     response={"ChallengeName": "PASSWORD_VERIFIER",
                               "ChallengeParameters": {"SECRET_BLOCK": block, "USERNAME": "Bob", "SALT": "00ff"}})
    params = challenge.response_masked["ChallengeParameters"]
    assert block not in str(params) and params["SECRET_BLOCK"] == mask_value(block)
    assert params["USERNAME"] == "Bob" and params["SALT"] == "00ff"
    device = Call(operation="ConfirmDevice", request={
        "AccessToken": "eyJ" + "a" * 60, "DeviceKey": "us-east-1_abc",
        "DeviceSecretVerifierConfig": {"PasswordVerifier": verifier, "Salt": "c2FsdA=="}})
    config = device.request_masked["DeviceSecretVerifierConfig"]
    assert verifier not in str(device.request_masked) and config["Salt"] == "c2FsdA=="


# -- secrets quoted in error messages ------------------------------------------------------------

def _sandbox_journal(sandbox: Any) -> tuple[Any, Journal]:
    client = make_client(endpoint_url=sandbox.endpoint_url)
    return client, _attached(client)


def _every_export(journal: Journal) -> str:
    """Everything a journal shows, saves or exports, masked by default."""
    calls = list(journal)
    texts = [journal.to_jsonl(), journal.to_markdown()]
    for call in calls:
        texts += [repr(call), call.as_cli(), str(call.error_masked), json.dumps(call.to_dict(), default=str)]
    return "\n".join(texts)


def test_botocore_validation_errors_quoting_a_password_are_masked_in_every_export(sandbox: Any) -> None:
    """botocore's ParamValidationError quotes the refused value ("Invalid type for parameter Password, value: ...");
    the journal records the real error and masks the value everywhere it is shown or exported."""
    client, journal = _sandbox_journal(sandbox)
    pool = client.create_user_pool(PoolName="journal-masking")["UserPool"]["Id"]
    refused = [
        ({"Password": 98765432}, "98765432"),  # an int: botocore prints str(value)
        ({"Password": ["Hunter-22-secret"]}, "Hunter-22-secret"),  # a list: botocore prints its repr
    ]
    for params, secret in refused:
        with pytest.raises(ParamValidationError) as info:
            client.admin_set_user_password(UserPoolId=pool, Username="Bob", Permanent=True, **params)
        assert secret in str(info.value)  # the real error quotes it
        call = journal[-1]
        assert call.error is not None and call.error.code == "ParamValidationError"
        assert secret in call.error.message  # the journal keeps what botocore said (reveal is explicit) ...
        assert secret not in _every_export(journal)  # ... and shows or exports it masked
        assert "parameter Password, value:" in call.error_masked.message  # the rest of the message stays


def test_service_errors_quoting_a_code_are_masked_in_every_export(sandbox: Any) -> None:
    """The service's validation errors quote the value too ("Value '12a45z' at 'userCode' ...")."""
    client, journal = _sandbox_journal(sandbox)
    with pytest.raises(ClientError) as info:
        client.verify_software_token(AccessToken=TOKEN, UserCode="12a45z")
    assert "Value '12a45z' at 'userCode'" in info.value.response["Error"]["Message"]
    assert "12a45z" not in _every_export(journal)
    assert "at 'userCode' failed to satisfy constraint" in journal[-1].error_masked.message


def test_any_sensitive_request_value_is_masked_wherever_a_message_quotes_it() -> None:
    """Not only in the known patterns: each value of a sensitive member, wherever it appears (a short one as a
    word, so that a six-digit code does not eat into other numbers)."""
    call = Call(operation="AdminSetUserPassword",
                request={"UserPoolId": POOL, "Username": "Bob", "Password": "Tr0ub4dor&3x", "Permanent": True},
                error=CallError("InvalidPasswordException", "Password Tr0ub4dor&3x was used before (Tr0ub4dor&3x)"))
    assert "Tr0ub4dor" not in str(call.error_masked) and "Tr0ub4dor" not in repr(call)
    assert call.error_masked.message == "Password ******** was used before (********)"
    code = Call(operation="VerifySoftwareToken", request={"AccessToken": TOKEN, "UserCode": "269194"},
                error=CallError("EnableSoftwareTokenMFAException", "code 269194 refused at step 12691945"))
    assert code.error_masked.message == "code ****** refused at step 12691945"
    shown = Call(operation="AdminGetUser", request={"UserPoolId": POOL, "Username": "Bob"},
                 error=CallError("UserNotFoundException", "User Bob does not exist."))
    assert shown.error_masked.message == "User Bob does not exist."  # user names are shown, as in requests
