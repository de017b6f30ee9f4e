"""In-process unit tests of the sandbox's rule modules: challenges.decide, sessions, totp, devices."""

from __future__ import annotations

import dataclasses
import json
import re

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError, ResourceNotFoundError

from cognito_mfa_kit.sandbox import challenges, devices, sessions, totp
from cognito_mfa_kit.sandbox.challenges import SMS, TOTP, MfaFacts, decide
from cognito_mfa_kit.sandbox.clock import CLOCK, pool_time

facts = st.builds(
    MfaFacts,
    pool_mfa=st.sampled_from(["OFF", "ON", "OPTIONAL"]),
    pool_totp=st.booleans(),
    pool_sms=st.booleans(),
    totp_verified=st.booleans(),
    totp_enabled=st.booleans(),
    sms_enabled=st.booleans(),
    has_phone=st.booleans(),
    preferred=st.sampled_from([None, TOTP, SMS]),
)


def _facts(**changes) -> MfaFacts:
    base = dict(pool_mfa="OPTIONAL", pool_totp=True, pool_sms=False, totp_verified=False, totp_enabled=False,
                sms_enabled=False, has_phone=False, preferred=None)
    base.update(changes)
    return MfaFacts(**base)


# ---------------------------------------------------------------- challenges.decide
@given(facts)
def test_pool_off_never_challenges(f):
    assert decide(dataclasses.replace(f, pool_mfa="OFF")) == challenges.Decision(None, {})


@given(facts)
def test_decision_is_one_of_cognitos_challenges(f):
    decision = decide(f)
    assert decision.challenge in (None, TOTP, SMS, "SELECT_MFA_TYPE", "MFA_SETUP")
    if decision.challenge == "SELECT_MFA_TYPE":
        choices = json.loads(decision.parameters["MFAS_CAN_CHOOSE"])
        assert len(choices) >= 2 and set(choices) <= {TOTP, SMS}
        assert f.preferred not in choices
    if decision.challenge == "MFA_SETUP":
        assert f.pool_mfa == "ON"
        assert set(json.loads(decision.parameters["MFAS_CAN_SETUP"])) <= {TOTP, SMS}
        assert not challenges.user_factors(f)
    if decision.challenge == TOTP:
        assert f.totp_verified  # never a TOTP challenge without a verified token
    if decision.challenge is None and f.pool_mfa == "ON":
        raise AssertionError("pool MFA ON always challenges")


@given(facts)
def test_a_preferred_enabled_factor_wins(f):
    if f.pool_mfa != "OFF" and f.preferred in challenges.user_factors(f):
        assert decide(f).challenge == f.preferred


def test_totp_enabled_gives_totp():
    assert decide(_facts(totp_verified=True, totp_enabled=True)).challenge == TOTP


def test_totp_verified_but_not_enabled_in_optional_pool_gives_nothing():
    assert decide(_facts(totp_verified=True)).challenge is None


def test_totp_verified_counts_when_pool_requires_mfa():
    assert decide(_facts(pool_mfa="ON", totp_verified=True)).challenge == TOTP


def test_two_factors_none_preferred_selects():
    decision = decide(_facts(pool_sms=True, totp_verified=True, totp_enabled=True, sms_enabled=True, has_phone=True))
    assert decision.challenge == "SELECT_MFA_TYPE"
    assert decision.parameters["MFAS_CAN_CHOOSE"] == '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'


def test_pool_on_no_factor_mfa_setup_lists_what_the_pool_offers():
    assert decide(_facts(pool_mfa="ON")).parameters == {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}
    both = decide(_facts(pool_mfa="ON", pool_sms=True))
    assert both.challenge == "MFA_SETUP"
    assert both.parameters["MFAS_CAN_SETUP"] == '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'


def test_pool_on_sms_and_phone_goes_straight_to_sms():
    assert decide(_facts(pool_mfa="ON", pool_sms=True, has_phone=True)).challenge == SMS


def test_sms_enabled_without_pool_sms_is_no_factor():
    assert decide(_facts(sms_enabled=True, has_phone=True)).challenge is None


# ---------------------------------------------------------------- totp
def test_new_secret_is_52_base32_and_fresh():
    secrets = {totp.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(re.fullmatch(r"[A-Z2-7]{52}", s) for s in secrets)


@settings(max_examples=30)
@given(st.sampled_from([-1, 0, 1]))
def test_check_code_accepts_one_step_either_side(offset):
    secret = totp.new_secret()
    CLOCK.advance(30 - CLOCK.now() % 30 + 1)  # early in a step: no tick-over before the check
    now = CLOCK.now()
    user_code = pyotp.TOTP(secret).at(now, counter_offset=offset)
    outcome, counter = totp.check_code(secret, user_code, None, CLOCK.now())
    assert outcome is totp.CodeCheck.OK
    # The counter remembered is the code's own step.
    assert counter == pyotp.TOTP(secret).timecode(now) + offset


def test_check_code_refuses_far_steps_and_garbage():
    secret = totp.new_secret()
    now = CLOCK.now()
    near = {pyotp.TOTP(secret).at(now, counter_offset=o) for o in (-2, -1, 0, 1, 2)}
    for offset in (-10, -3, 3, 10):
        far = pyotp.TOTP(secret).at(now, counter_offset=offset)
        if far not in near:
            assert totp.check_code(secret, far, None, CLOCK.now()) == (totp.CodeCheck.MISMATCH, None)
    assert totp.check_code(secret, "000000" if "000000" not in near else "999999", None, CLOCK.now())[0] is (
        totp.CodeCheck.MISMATCH)


def test_check_code_refuses_the_used_step_and_earlier():
    secret = totp.new_secret()
    user_code = pyotp.TOTP(secret).at(CLOCK.now())
    outcome, counter = totp.check_code(secret, user_code, None, CLOCK.now())
    assert outcome is totp.CodeCheck.OK
    assert totp.check_code(secret, user_code, counter, CLOCK.now()) == (totp.CodeCheck.REUSED, None)
    assert totp.check_code(secret, user_code, counter + 1, CLOCK.now())[0] is totp.CodeCheck.REUSED
    assert totp.check_code(secret, user_code, counter - 1, CLOCK.now())[0] is totp.CodeCheck.OK


def test_check_code_is_timed_by_the_pool_clock_it_is_given():
    secret, pool = totp.new_secret(), "us-east-1_unitClock"
    CLOCK.advance(30 - CLOCK.now() % 30 + 1)  # early in a step: no tick-over before the checks
    user_code = pyotp.TOTP(secret).at(CLOCK.now())
    CLOCK.advance(300, pool)
    try:
        later = {pyotp.TOTP(secret).at(CLOCK.now(pool), counter_offset=o) for o in (-1, 0, 1)}
        if user_code not in later:
            assert totp.check_code(secret, user_code, None, CLOCK.now(pool))[0] is totp.CodeCheck.MISMATCH
        # the sandbox's own time (and every other pool's) did not move
        assert totp.check_code(secret, user_code, None, CLOCK.now())[0] is totp.CodeCheck.OK
        assert totp.check_code(secret, user_code, None, CLOCK.now("us-east-1_otherPool"))[0] is totp.CodeCheck.OK
    finally:
        CLOCK.forget(pool)


@given(st.text(min_size=6, max_size=6, alphabet="0123456789"))
def test_validate_user_code_accepts_six_digits(code):
    assert totp.validate_user_code(code) == code


@pytest.mark.parametrize(
    ("code", "errors"),
    [
        ("Aaaa", ["regular expression pattern: [0-9]+", "length greater than or equal to 6"]),
        ("12345", ["length greater than or equal to 6"]),
        ("1234567", ["length less than or equal to 6"]),
        ("12a456", ["regular expression pattern: [0-9]+"]),
        ("١٢٣٤٥٦", ["regular expression pattern: [0-9]+"]),  # Arabic-Indic digits are not [0-9]
        ("", ["regular expression pattern: [0-9]+", "length greater than or equal to 6"]),
    ],
)
def test_validate_user_code_words_errors_like_cognito(code, errors):
    with pytest.raises(InvalidParameterException) as info:
        totp.validate_user_code(code)
    message = info.value.message
    noun = "error" if len(errors) == 1 else "errors"
    assert message.startswith(f"{len(errors)} validation {noun} detected: ")
    for error in errors:
        assert f"Value '{code}' at 'userCode' failed to satisfy constraint: Member must " in message
        assert error in message


def test_validate_user_code_reference_message_exactly():
    with pytest.raises(InvalidParameterException) as info:
        totp.validate_user_code("Aaaa")
    assert info.value.message == (
        "2 validation errors detected: Value 'Aaaa' at 'userCode' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [0-9]+; Value 'Aaaa' at 'userCode' failed to satisfy constraint: "
        "Member must have length greater than or equal to 6"
    )


# ---------------------------------------------------------------- sessions
def _issue(store: sessions.SessionStore, step: str = "SOFTWARE_TOKEN_MFA", minutes: int | None = None, **data):
    return store.issue(pool_id="p", client_id="c", username="u", step=step, validity_minutes=minutes, data=data)


def _message(info) -> str:
    return info.value.message


def test_session_ids_are_opaque_and_long_enough():
    store = sessions.SessionStore(pool_time)
    ids = {_issue(store).id for _ in range(10)}
    assert len(ids) == 10
    assert all(20 <= len(i) <= 2048 for i in ids)  # SessionType length 20–2048


def test_session_take_spend_and_reuse():
    store = sessions.SessionStore(pool_time)
    session = _issue(store)
    assert store.take(session.id, "SOFTWARE_TOKEN_MFA", client_id="c") is session
    assert store.take(session.id) is session  # taking does not consume
    store.spend(session)
    with pytest.raises(NotAuthorizedError) as info:
        store.take(session.id, "SOFTWARE_TOKEN_MFA")
    assert _message(info) == sessions.USED


def test_session_wrong_step_client_or_unknown_is_invalid():
    store = sessions.SessionStore(pool_time)
    session = _issue(store)
    for call in (lambda: store.take(session.id, "MFA_SETUP"), lambda: store.take(session.id, client_id="other"),
                 lambda: store.take("nope"), lambda: store.take(None)):
        with pytest.raises(NotAuthorizedError) as info:
            call()
        assert _message(info) == sessions.INVALID


@pytest.mark.parametrize("minutes", [None, 3, 5, 15])
def test_session_expires_after_validity(minutes):
    store = sessions.SessionStore(pool_time)
    session = _issue(store, minutes=minutes)
    lifetime = 60 * (minutes or sessions.DEFAULT_VALIDITY_MINUTES)
    assert session.expires_at == pytest.approx(CLOCK.now() + lifetime, abs=2)
    CLOCK.advance(lifetime - 5)
    store.take(session.id)
    CLOCK.advance(6)
    with pytest.raises(NotAuthorizedError) as info:
        store.take(session.id)
    assert _message(info) == sessions.EXPIRED


def test_wrong_codes_spend_the_session_at_the_cap():
    store = sessions.SessionStore(pool_time)
    session = _issue(store)
    for _ in range(sessions.MAX_CODE_ATTEMPTS - 1):
        store.wrong_code(session)
        store.take(session.id)
    store.wrong_code(session)
    with pytest.raises(NotAuthorizedError):
        store.take(session.id)


def test_newest_finds_the_open_session_of_a_user_and_device():
    store = sessions.SessionStore(pool_time)
    old = _issue(store, "DEVICE_SRP_AUTH", device_key="k1")
    CLOCK.advance(1)
    new = _issue(store, "DEVICE_SRP_AUTH", device_key="k1")
    _issue(store, "DEVICE_SRP_AUTH", device_key="k2")
    assert store.newest("DEVICE_SRP_AUTH", client_id="c", username="u", device_key="k1") == new.id
    store.spend(new)
    assert store.newest("DEVICE_SRP_AUTH", client_id="c", username="u", device_key="k1") == old.id
    assert store.newest("DEVICE_SRP_AUTH", client_id="c", username="someone", device_key="k1") is None
    assert store.newest("DEVICE_SRP_AUTH", client_id="x", username="u", device_key="k1") is None


def test_store_membership():
    store = sessions.SessionStore(pool_time)
    session = _issue(store)
    assert session.id in store and "nope" not in store and 42 not in store
    assert len(store) == 1


# ---------------------------------------------------------------- devices
def test_new_device_key_and_group_key():
    device = devices.new_device("eu-west-1", "alice", None)
    assert re.fullmatch(r"eu-west-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", device.key)
    assert re.fullmatch(r"[\w-]+", device.group_key)
    assert devices.new_device("eu-west-1", "alice", device.group_key).group_key == device.group_key


def test_tracking_enabled_by_any_configuration():
    assert not devices.tracking_enabled(None)
    assert not devices.tracking_enabled({})
    assert devices.tracking_enabled({"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False})


def test_device_store_lifecycle():
    store = devices.DeviceStore(CLOCK.now)
    device = store.add(devices.new_device("us-east-1", "alice", None))
    assert store.group_key_of("alice") == device.group_key and store.group_key_of("bob") is None
    assert store.list("alice") == []  # unconfirmed devices are not listed
    assert store.confirm("alice", device.key, verifier_hex="ab", salt_hex="cd", name="phone", user_prompt=True)
    assert not device.remembered
    assert store.list("alice") == [device]
    store.set_status("alice", device.key, "remembered")
    assert device.remembered
    attributes = {a["Name"]: a["Value"] for a in device.to_api()["DeviceAttributes"]}
    assert attributes == {"device_status": "valid", "device_name": "phone",
                          "dev:device_remembered_status": "remembered"}
    with pytest.raises(InvalidParameterException):
        store.set_status("alice", device.key, "sometimes")
    store.forget("alice", device.key)
    with pytest.raises(ResourceNotFoundError) as info:
        store.get("alice", device.key)
    assert info.value.message == devices.NOT_FOUND


def test_device_confirm_without_prompt_is_remembered():
    store = devices.DeviceStore(CLOCK.now)
    device = store.add(devices.new_device("us-east-1", "alice", None))
    assert store.confirm("alice", device.key, verifier_hex="ab", salt_hex="cd", name=None,
                         user_prompt=False) is False
    assert device.remembered


def test_devices_belong_to_their_user():
    store = devices.DeviceStore(CLOCK.now)
    device = store.add(devices.new_device("us-east-1", "alice", None))
    with pytest.raises(ResourceNotFoundError):
        store.get("bob", device.key)
    with pytest.raises(ResourceNotFoundError):
        store.get("alice", None)
    store.add(devices.new_device("us-east-1", "bob", None))
    store.forget_user("alice")
    assert [d.username for d in store.devices.values()] == ["bob"]


def test_session_ids_never_start_with_a_dash() -> None:
    """A session pasted after ``--session`` in the AWS CLI must not read as an option (sessions.py)."""
    from cognito_mfa_kit.sandbox.sessions import _new_id

    ids = [_new_id() for _ in range(2000)]  # about 1 in 64 random ids would start with "-"
    assert all(not i.startswith("-") and len(i) == 128 for i in ids)


# ---------------------------------------------------------------- model.claims_of (decoded once per token)
def test_claims_of_remembers_a_token_but_hands_out_copies() -> None:
    import jwt

    from cognito_mfa_kit.sandbox import model

    token = jwt.encode({"sub": "u-1", "exp": 2_000_000_000, "cognito:groups": ["a"]}, "k" * 32, algorithm="HS256")
    model._remembered_claims.cache_clear()
    first = model.claims_of(token)
    first["sub"] = "changed by a caller"
    second = model.claims_of(token)
    assert second["sub"] == "u-1"  # a caller's change does not reach the next caller
    assert model._remembered_claims.cache_info().hits == 1  # ...yet the token was decoded only once
    other = jwt.encode({"sub": "u-2"}, "k" * 32, algorithm="HS256")
    assert model.claims_of(other)["sub"] == "u-2"  # keyed by the whole token text
    assert model.claims_of("not a jwt") == {}


def test_claims_of_does_not_remember_oversized_text() -> None:
    from cognito_mfa_kit.sandbox import model

    model._remembered_claims.cache_clear()
    big = "x" * (model.CACHED_TOKEN_CHARS + 1)
    assert model.claims_of(big) == {}
    assert model._remembered_claims.cache_info().currsize == 0  # a 1 MiB AccessToken is not kept in memory


def test_fresh_token_deadlines_are_bounded_and_taken_once() -> None:
    from cognito_mfa_kit.sandbox import model

    fresh = model._FreshExpiry()
    for i in range(model._FreshExpiry.LIMIT + 10):
        fresh[f"t{i}"] = float(i)
    assert len(fresh) == model._FreshExpiry.LIMIT  # tokens made and never stored don't pile up
    assert "t0" not in fresh and fresh.pop(f"t{model._FreshExpiry.LIMIT + 9}") == model._FreshExpiry.LIMIT + 9


def test_deadlines_are_flat_entries_that_keep_nothing_alive() -> None:
    import gc
    import weakref

    from cognito_mfa_kit.sandbox.janitor import Janitor

    class Thing:
        pass

    janitor, dropped = Janitor(), []
    thing = Thing()

    def drop(ref: weakref.ref[Thing], name: str) -> None:
        dropped.append((ref() is not None, name))

    janitor.schedule(CLOCK.now() - 1, None, drop, weakref.ref(thing), "access")
    janitor.schedule(CLOCK.now() + 3600, None, drop, weakref.ref(thing), "later")
    assert all(type(entry) is tuple and len(entry) == 6 for entry in janitor._heap)  # one object per deadline
    assert janitor.sweep() == 1 and dropped == [(True, "access")] and len(janitor) == 1
    ref = weakref.ref(thing)
    del thing
    gc.collect()
    assert ref() is None  # a pending deadline does not keep what it will drop alive


def test_a_value_kept_in_a_dict_is_dropped_only_while_it_is_still_the_one_kept() -> None:
    import gc
    import weakref

    from cognito_mfa_kit.sandbox.janitor import Janitor, drop_entry

    class Owner:
        def __init__(self) -> None:
            self._codes: dict[str, object] = {}

    janitor, owner = Janitor(), Owner()
    first, replaced = object(), object()
    owner._codes.update(a=first, b=replaced)
    janitor.schedule(CLOCK.now() - 1, None, drop_entry, weakref.ref(owner), "_codes", "a", first)
    janitor.schedule(CLOCK.now() - 1, None, drop_entry, weakref.ref(owner), "_codes", "b", object())  # b was replaced
    assert janitor.sweep() == 2
    assert owner._codes == {"b": replaced}  # the expired one gone, the one that replaced an expired one kept
    janitor.schedule(CLOCK.now() - 1, None, drop_entry, weakref.ref(owner), "_codes", "b", replaced)
    del owner
    gc.collect()
    assert janitor.sweep() == 1  # its owner gone: nothing to drop, and no error


def test_pending_sign_ins_and_codes_expire_through_flat_entries() -> None:
    import weakref

    from cognito_mfa_kit.sandbox.janitor import JANITOR
    from cognito_mfa_kit.sandbox.login.oauth import AuthorizationCode, CodeStore
    from cognito_mfa_kit.sandbox.login.steps import PendingSignIns, _drop_pending

    last = max((entry[1] for entry in JANITOR._heap), default=-1)
    pending, codes = PendingSignIns(), CodeStore()
    item = pending.start("us-east-1_unit", "client", {}, "SOFTWARE_TOKEN_MFA")
    codes.add(AuthorizationCode(code="c", pool_id="us-east-1_unit", client_id="client", redirect_uri="https://x",
                                scope="openid", user=None, code_challenge=None,  # type: ignore[arg-type]
                                code_challenge_method=None, expires_at=CLOCK.now() + 300))
    new = [entry for entry in JANITOR._heap if entry[1] > last]
    assert len(new) == 2 and all(entry[3].__closure__ is None for entry in new)
    store = weakref.ref(pending)
    item.expires_at = CLOCK.now() + 60  # its pool's clock was put back meanwhile: asked again later
    assert _drop_pending(store, item) == item.expires_at and pending.get(item.id, "us-east-1_unit") is item
    item.expires_at = CLOCK.now() - 1
    assert _drop_pending(store, item) is None and pending.get(item.id, "us-east-1_unit") is None


def test_a_sign_in_leaves_no_closures_in_the_janitor(cognito) -> None:
    from sandbox_helpers import make_pool, make_user, sign_in

    from cognito_mfa_kit.sandbox.janitor import JANITOR

    pool = make_pool(cognito)
    user = make_user(cognito, pool)
    last = max((entry[1] for entry in JANITOR._heap), default=-1)
    assert "AuthenticationResult" in sign_in(cognito, pool, user)
    new = [entry for entry in JANITOR._heap if entry[1] > last]
    assert len(new) >= 3  # the access, ID and refresh token
    assert all(entry[3].__closure__ is None for entry in new)  # module functions with plain arguments
