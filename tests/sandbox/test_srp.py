"""Server-side SRP (cognito_mfa_kit.sandbox.srp) against pycognito's real client math."""

from __future__ import annotations

import base64
import datetime
import json

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycognito.aws_srp import AWSSRP, N_HEX, generate_hash_device, long_to_hex

from cognito_mfa_kit.sandbox import srp

POOL_ID = "us-east-1_AbCdEf123"
SHORT_ID = "AbCdEf123"
USER_ID = "7f3c2a10-1111-4e2b-9c3d-0123456789ab"  # USER_ID_FOR_SRP (the real username / sub)
PASSWORD = "Correct-Horse-9!"
DEVICE_GROUP_KEY = "-wt2ha1Zd"
DEVICE_KEY = "us-east-1_fec070d2-1b2c-4d5e-8f90-123456789abc"

_CLIENT = boto3.client(
    "cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
)


def _client(password: str = PASSWORD, pool_id: str = POOL_ID, username: str = "alice") -> AWSSRP:
    return AWSSRP(username, password, pool_id, "client-id", client=_CLIENT)


def _device_client(device_password: str, group_key: str = DEVICE_GROUP_KEY) -> AWSSRP:
    return AWSSRP(
        "alice",
        PASSWORD,
        POOL_ID,
        "client-id",
        client=_CLIENT,
        device_key=DEVICE_KEY,
        device_group_key=group_key,
        device_password=device_password,
    )


def _user_round(
    client: AWSSRP,
    *,
    stored_password: str = PASSWORD,
    short_id: str = SHORT_ID,
    user_id: str = USER_ID,
) -> tuple[srp.SrpState, dict[str, str], dict[str, str]]:
    """InitiateAuth → PASSWORD_VERIFIER → client answer; returns (state, challenge, answer)."""
    salt = srp.new_salt_hex()
    verifier = srp.user_verifier(short_id, user_id, stored_password, salt)
    auth_params = client.get_auth_params()
    state = srp.start(verifier, salt, auth_params["SRP_A"])
    challenge = {
        **srp.challenge_parameters(state),
        "USERNAME": user_id,
        "USER_ID_FOR_SRP": user_id,
    }
    answer = client.process_challenge(challenge, auth_params)
    return state, challenge, answer


def _check(
    state: srp.SrpState, answer: dict[str, str], prefix: str = SHORT_ID, user_id: str = USER_ID
) -> bool:
    return srp.check_claim(
        state,
        identity_prefix=prefix,
        user_id=user_id,
        signature_b64=answer["PASSWORD_CLAIM_SIGNATURE"],
        secret_block=answer["PASSWORD_CLAIM_SECRET_BLOCK"],
        timestamp=answer["TIMESTAMP"],
    )


# --- USER_SRP_AUTH --------------------------------------------------------------------------


def test_right_password_is_accepted() -> None:
    state, _, answer = _user_round(_client())
    assert _check(state, answer) is True


def test_wrong_password_is_refused() -> None:
    state, _, answer = _user_round(_client(password="Wrong-Horse-9!"))
    assert _check(state, answer) is False


def test_claim_for_another_pool_or_user_is_refused() -> None:
    state, _, answer = _user_round(_client())
    assert _check(state, answer, prefix="OtherPool1") is False
    assert _check(state, answer, user_id="someone-else") is False


def test_challenge_parameters_shape() -> None:
    state, _challenge, _ = _user_round(_client())
    params = srp.challenge_parameters(state)
    assert set(params) == {"SALT", "SRP_B", "SECRET_BLOCK"}
    assert int(params["SRP_B"], 16) % int(N_HEX, 16) != 0
    assert len(base64.b64decode(params["SECRET_BLOCK"], validate=True)) == srp.SECRET_BLOCK_BYTES
    # a second exchange gets a fresh B and a fresh secret block
    other, _, _ = _user_round(_client())
    assert other.B_hex != state.B_hex and other.secret_block != state.secret_block


def test_secret_block_not_issued_by_this_exchange_is_refused() -> None:
    salt = srp.new_salt_hex()
    verifier = srp.user_verifier(SHORT_ID, USER_ID, PASSWORD, salt)
    client = _client()
    auth_params = client.get_auth_params()
    state = srp.start(verifier, salt, auth_params["SRP_A"])
    block = bytearray(base64.b64decode(state.secret_block))
    block[0] ^= 0xFF
    tampered = base64.standard_b64encode(bytes(block)).decode()
    challenge = {
        **srp.challenge_parameters(state),
        "SECRET_BLOCK": tampered,
        "USERNAME": USER_ID,
        "USER_ID_FOR_SRP": USER_ID,
    }
    answer = client.process_challenge(challenge, auth_params)
    assert answer["PASSWORD_CLAIM_SECRET_BLOCK"] == tampered
    assert _check(state, answer) is False


def test_echoed_secret_block_must_match_even_with_a_valid_signature() -> None:
    state, _, answer = _user_round(_client())
    assert _check(state, answer) is True
    other_block = base64.standard_b64encode(b"\x00" * srp.SECRET_BLOCK_BYTES).decode()
    assert _check(state, {**answer, "PASSWORD_CLAIM_SECRET_BLOCK": other_block}) is False


def test_altered_timestamp_or_signature_is_refused() -> None:
    state, _, answer = _user_round(_client())
    stamp = answer["TIMESTAMP"]
    year = int(stamp[-4:])
    assert _check(state, {**answer, "TIMESTAMP": f"{stamp[:-4]}{year + 1}"}) is False
    sig = bytearray(base64.b64decode(answer["PASSWORD_CLAIM_SIGNATURE"]))
    sig[-1] ^= 0x01
    bad_sig = base64.standard_b64encode(bytes(sig)).decode()
    assert _check(state, {**answer, "PASSWORD_CLAIM_SIGNATURE": bad_sig}) is False
    assert _check(state, {**answer, "PASSWORD_CLAIM_SIGNATURE": "not base64!"}) is False


def test_claim_from_one_exchange_does_not_verify_another() -> None:
    client = _client()
    first, _, answer = _user_round(client)
    second, _, _ = _user_round(client)  # same client A, fresh server b/B/block
    assert _check(first, answer) is True
    assert (
        srp.check_claim(
            second,
            identity_prefix=SHORT_ID,
            user_id=USER_ID,
            signature_b64=answer["PASSWORD_CLAIM_SIGNATURE"],
            secret_block=second.secret_block,
            timestamp=answer["TIMESTAMP"],
        )
        is False
    )


@pytest.mark.parametrize("bad_a", ["0", "00", N_HEX, long_to_hex(2 * int(N_HEX, 16)), "zz", ""])
def test_bad_srp_a_is_rejected(bad_a: str) -> None:
    salt = srp.new_salt_hex()
    verifier = srp.user_verifier(SHORT_ID, USER_ID, PASSWORD, salt)
    with pytest.raises(ValueError):
        srp.start(verifier, salt, bad_a)


def test_state_survives_a_json_round_trip_and_hides_secrets_in_repr() -> None:
    client = _client()
    state, _, answer = _user_round(client)
    restored = srp.SrpState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    assert _check(restored, answer) is True
    shown = repr(state)
    assert state.b_hex not in shown and state.verifier_hex not in shown
    assert state.secret_block not in shown


def test_verifier_depends_on_every_input() -> None:
    salt = srp.new_salt_hex()
    base = srp.user_verifier(SHORT_ID, USER_ID, PASSWORD, salt)
    assert base == srp.user_verifier(SHORT_ID, USER_ID, PASSWORD, salt)
    assert base != srp.user_verifier("Other1", USER_ID, PASSWORD, salt)
    assert base != srp.user_verifier(SHORT_ID, "bob", PASSWORD, salt)
    assert base != srp.user_verifier(SHORT_ID, USER_ID, PASSWORD + "x", salt)
    assert base != srp.user_verifier(SHORT_ID, USER_ID, PASSWORD, srp.new_salt_hex())


@pytest.mark.parametrize("day", range(1, 32))
def test_pycognito_timestamps_have_the_accepted_shape(day: int) -> None:
    moment = datetime.datetime(2025, 1, day, 7, 5, 3)
    stamp = AWSSRP.get_cognito_formatted_timestamp(moment)
    assert srp.valid_timestamp(stamp), stamp


@pytest.mark.parametrize(
    "stamp",
    [
        "Wed Jan 01 07:05:03 UTC 2025",  # zero-padded day
        "Wed Jan 1 7:05:03 UTC 2025",  # unpadded hour
        "Wed Jan 1 07:05:03 GMT 2025",
        "2025-01-01T07:05:03Z",
        "",
    ],
)
def test_malformed_timestamps_are_refused(stamp: str) -> None:
    assert srp.valid_timestamp(stamp) is False
    state, _, answer = _user_round(_client())
    assert _check(state, {**answer, "TIMESTAMP": stamp}) is False


# --- DEVICE_SRP_AUTH ------------------------------------------------------------------------


def _device_round(
    device_password: str, config: dict[str, str], group_key: str = DEVICE_GROUP_KEY
) -> tuple[srp.SrpState, dict[str, str]]:
    verifier, salt = srp.device_verifier_from_config(config["PasswordVerifier"], config["Salt"])
    client = _device_client(device_password, group_key)
    srp_a = client.get_auth_params()["SRP_A"]
    state = srp.start(verifier, salt, srp_a)
    challenge = {**srp.challenge_parameters(state), "USERNAME": USER_ID, "DEVICE_KEY": DEVICE_KEY}
    return state, client.process_device_challenge(challenge)


def test_device_proof_is_accepted() -> None:
    device_password, config = generate_hash_device(DEVICE_GROUP_KEY, DEVICE_KEY)
    state, answer = _device_round(device_password, config)
    assert answer["DEVICE_KEY"] == DEVICE_KEY
    assert _check(state, answer, prefix=DEVICE_GROUP_KEY, user_id=DEVICE_KEY) is True


def test_device_proof_with_wrong_password_is_refused() -> None:
    _, config = generate_hash_device(DEVICE_GROUP_KEY, DEVICE_KEY)
    other_password, _ = generate_hash_device(DEVICE_GROUP_KEY, DEVICE_KEY)
    state, answer = _device_round(other_password, config)
    assert _check(state, answer, prefix=DEVICE_GROUP_KEY, user_id=DEVICE_KEY) is False


def test_device_proof_with_wrong_group_key_is_refused() -> None:
    device_password, config = generate_hash_device(DEVICE_GROUP_KEY, DEVICE_KEY)
    state, answer = _device_round(device_password, config, group_key="-otherGrp")
    assert _check(state, answer, prefix=DEVICE_GROUP_KEY, user_id=DEVICE_KEY) is False
    assert _check(state, answer, prefix="-otherGrp", user_id=DEVICE_KEY) is False


def test_device_config_decodes_to_the_verifier_the_user_formula_gives() -> None:
    device_password, config = generate_hash_device(DEVICE_GROUP_KEY, DEVICE_KEY)
    verifier, salt = srp.device_verifier_from_config(config["PasswordVerifier"], config["Salt"])
    ours = srp.user_verifier(DEVICE_GROUP_KEY, DEVICE_KEY, device_password, salt)
    assert int(ours, 16) == int(verifier, 16)


@pytest.mark.parametrize(
    ("verifier_b64", "salt_b64"),
    [("not base64!", "AAAA"), ("AAAA", "@@@@"), ("", "AAAA"), ("AAAA", ""), ("AAAA", "AAAA")],
)
def test_bad_device_config_is_rejected(verifier_b64: str, salt_b64: str) -> None:
    # "AAAA" decodes to zero bytes' worth of value 0: a zero verifier is rejected too.
    with pytest.raises(ValueError):
        srp.device_verifier_from_config(verifier_b64, salt_b64)


# --- property-based --------------------------------------------------------------------------

_text = st.text(min_size=1, max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    short_id=st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        min_size=1,
        max_size=12,
    ),
    user_id=_text,
    password=_text,
    wrong_suffix=_text,
)
def test_right_password_always_verifies(
    short_id: str, user_id: str, password: str, wrong_suffix: str
) -> None:
    client = _client(password=password, pool_id=f"eu-west-1_{short_id}", username=user_id)
    state, _, answer = _user_round(
        client, short_id=short_id, user_id=user_id, stored_password=password
    )
    assert _check(state, answer, prefix=short_id, user_id=user_id) is True

    liar = _client(
        password=password + wrong_suffix, pool_id=f"eu-west-1_{short_id}", username=user_id
    )
    state, _, answer = _user_round(
        liar, short_id=short_id, user_id=user_id, stored_password=password
    )
    assert _check(state, answer, prefix=short_id, user_id=user_id) is False
