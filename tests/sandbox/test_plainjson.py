"""The sandbox writes a plain answer without moto's serializer (sandbox/plainjson.py): the JSON must be what moto's
serializer writes, for every output shape of the service model, and for the answers of a real sign-in."""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

import pytest
from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.core.responses import BaseResponse
from moto.core.serialize import XFormedAttributePicker, get_serializer_class
from moto.core.utils import get_service_model
from sandbox_helpers import answer_totp, enrol_totp, fresh_code, make_pool, make_user, sign_in

from cognito_mfa_kit.sandbox import plainjson
from cognito_mfa_kit.sandbox.responses import SandboxResponse

MODEL = get_service_model("cognito-idp")
OPERATIONS = sorted(name for name in MODEL.operation_names if MODEL.operation_model(name).output_shape is not None)
SERIALIZER = get_serializer_class("cognito-idp", MODEL.protocol)


def moto_json(operation: str, result: Any) -> Any:
    """What moto's own serializer writes for ``result`` (parsed)."""
    serializer = SERIALIZER(
        operation_model=MODEL.operation_model(operation), pretty_print=False, value_picker=XFormedAttributePicker()
    )
    return json.loads(serializer.serialize(result)["body"])


def values(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Data for ``shape`` as a backend might answer it: mostly plain, sometimes ``None`` members, empty maps and
    lists, and, where the shape has them, the timestamps, blobs and floats the fast path leaves to moto."""
    kind = shape.type_name
    if depth > 4:
        return st.none()
    if kind == "structure":
        members = shape.members  # type: ignore[attr-defined]
        return st.fixed_dictionaries(
            {}, optional={name: st.one_of(st.none(), values(member, depth + 1)) for name, member in members.items()}
        )
    if kind == "list":
        return st.lists(values(shape.member, depth + 1), max_size=3)  # type: ignore[attr-defined]
    if kind == "map":
        return st.dictionaries(st.text(max_size=8), values(shape.value, depth + 1), max_size=3)  # type: ignore[attr-defined]
    if kind == "string":
        return st.text(max_size=20)
    if kind in ("integer", "long"):
        return st.integers(-(2**40), 2**40)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1))
    if kind == "blob":
        return st.binary(max_size=8)
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    return st.none()


@st.composite
def answers(draw: st.DrawFn) -> tuple[str, Any]:
    operation = draw(st.sampled_from(OPERATIONS))
    return operation, draw(values(MODEL.operation_model(operation).output_shape))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(answers())
def test_a_plain_answer_is_the_json_moto_writes(answer: tuple[str, Any]) -> None:
    operation, result = answer
    fast = plainjson.plain(result, MODEL.operation_model(operation).output_shape)
    if fast is not plainjson.NOT_PLAIN:
        assert json.loads(json.dumps(fast)) == moto_json(operation, result)


def test_what_the_fast_path_leaves_to_moto() -> None:
    shape = MODEL.operation_model("AdminInitiateAuth").output_shape
    plain = {
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": "s",
        "ChallengeParameters": {"USERNAME": "u"},
        "AuthenticationResult": None,
    }
    assert plainjson.plain(plain, shape) == {
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": "s",
        "ChallengeParameters": {"USERNAME": "u"},
    }

    class Kind(enum.Enum):
        MFA = "SOFTWARE_TOKEN_MFA"

    for other in (
        {**plain, "Unknown": 1},
        {**plain, "ChallengeName": Kind.MFA},
        {**plain, "ChallengeParameters": {"USERNAME": None}},
        {**plain, "AuthenticationResult": {"ExpiresIn": True}},
        {**plain, "AuthenticationResult": {"ExpiresIn": 1.5}},
        object(),
    ):
        assert plainjson.plain(other, shape) is plainjson.NOT_PLAIN, other
    pool = MODEL.operation_model("DescribeUserPool").output_shape
    assert (
        plainjson.plain({"UserPool": {"Id": "x", "CreationDate": dt.datetime(2026, 1, 1)}}, pool) is plainjson.NOT_PLAIN
    )


@pytest.fixture()
def both_serializers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, Any, bool]]:
    """Every answer the sandbox writes in the test, as written and as moto's serializer would have (and whether the
    fast path wrote it)."""
    seen: list[tuple[str, Any, Any, bool]] = []
    ours = SandboxResponse.serialized

    def compare(self: SandboxResponse, action_result: Any) -> Any:
        status, headers, body = ours(self, action_result)
        status2, headers2, body2 = BaseResponse.serialized(self, action_result)
        assert (status, headers) == (status2, headers2)
        fast = (
            plainjson.plain(
                action_result.result, get_service_model("cognito-idp").operation_model(self._get_action()).output_shape
            )
            is not plainjson.NOT_PLAIN
            if isinstance(action_result.result, dict)
            else False
        )
        seen.append((self._get_action(), json.loads(body), json.loads(body2), fast))
        return status, headers, body

    monkeypatch.setattr(SandboxResponse, "serialized", compare)
    return seen


def test_a_sign_in_with_totp_answers_as_moto_would(
    cognito: Any, sandbox: Any, both_serializers: list[tuple[str, Any, Any, bool]]
) -> None:
    pool = make_pool(cognito, mfa="ON")
    user = make_user(cognito, pool)
    first = sign_in(cognito, pool, user)
    assert first["ChallengeName"] == "MFA_SETUP"
    associated = cognito.associate_software_token(Session=first["Session"])
    secret = associated["SecretCode"]
    verified = cognito.verify_software_token(Session=associated["Session"], UserCode=fresh_code(secret, sandbox))
    signed_in = cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": user},
    )
    token = signed_in["AuthenticationResult"]["AccessToken"]
    cognito.get_user(AccessToken=token)
    challenge = sign_in(cognito, pool, user)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert "AuthenticationResult" in answer_totp(cognito, pool, user, challenge["Session"], fresh_code(secret, sandbox))
    optional = make_pool(cognito, mfa="OPTIONAL")
    enrol_totp(cognito, sandbox, optional, make_user(cognito, optional))
    cognito.admin_get_user(UserPoolId=pool.id, Username=user)
    cognito.describe_user_pool(UserPoolId=pool.id)

    assert both_serializers, "no answer went through the serializer"
    for operation, written, by_moto, _ in both_serializers:
        assert written == by_moto, operation
    fast = {operation for operation, _, _, was_fast in both_serializers if was_fast}
    assert {"AdminInitiateAuth", "AdminRespondToAuthChallenge", "AssociateSoftwareToken", "VerifySoftwareToken"} <= fast
