"""Challenges after the password (MFA_SETUP, NEW_PASSWORD_REQUIRED, SELECT_MFA_TYPE), lost-device reset, sessions,
and remembered devices."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from cognito_mfa_kit import flows


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


@pytest.mark.parametrize("api", ["admin", "client"])
def test_mfa_setup_chain_then_totp_sign_in(lab, run_id, api):
    pool = flows.create_teaching_pool(lab, "setup", mfa="ON", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    challenge = flows.sign_in(lab, pool, "Bob", bob.password, api=api)
    assert isinstance(challenge, flows.Challenge) and challenge.name == "MFA_SETUP"
    assert flows.choices(challenge) == ["SOFTWARE_TOKEN_MFA"]
    start = len(lab.journal)
    outcome = flows.complete_mfa_setup(lab, pool, challenge, device_name="BobPhone")
    assert outcome.tokens is not None and outcome.verification.ok
    ops = [c.operation for c in lab.journal[start:]]
    respond = "AdminRespondToAuthChallenge" if api == "admin" else "RespondToAuthChallenge"
    assert ops == ["AssociateSoftwareToken", "VerifySoftwareToken", respond]
    # Each step used the session the previous one returned.
    assoc, verify, answer = lab.journal[start:]
    assert assoc.request["Session"] == challenge.session
    assert verify.request["Session"] == assoc.response["Session"] == outcome.association.session
    assert answer.request["Session"] == verify.response["Session"] == outcome.verification.session
    assert answer.request["ChallengeName"] == "MFA_SETUP"

    lab.advance_clock(30)
    phone = flows.authenticator(lab, outcome.association)
    again = flows.sign_in(lab, pool, "Bob", bob.password, api=api)
    assert isinstance(again, flows.Challenge) and again.name == "SOFTWARE_TOKEN_MFA"
    assert isinstance(flows.respond(lab, pool, again, code=phone.code()), flows.Tokens)


def test_mfa_setup_step_by_step_needs_the_verify_session(lab, run_id):
    pool = flows.create_teaching_pool(lab, "steps", mfa="ON", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    association = flows.associate(lab, session=challenge.session)
    assert association.session and association.secret_code not in repr(association)
    with pytest.raises(ValueError, match=r"^session:"):
        flows.respond(lab, pool, challenge)  # the challenge's own session would give no tokens
    phone = flows.authenticator(lab, association)
    wrong = f"{(int(phone.code()) + 1) % 10**6:06d}"
    with pytest.raises(ClientError) as exc:
        flows.verify(lab, wrong, session=association.session)
    assert _code(exc) == "EnableSoftwareTokenMFAException"
    verification = flows.verify(lab, phone.code(), session=association.session)  # the same session may retry
    with pytest.raises(ClientError) as exc:  # Cognito too: the associate session is not the verify one
        flows.respond(lab, pool, challenge, session=association.session)
    assert _code(exc) == "NotAuthorizedException"
    assert isinstance(flows.respond(lab, pool, challenge, session=verification.session), flows.Tokens)


def test_new_password_required_then_mfa_setup(lab, run_id):
    pool = flows.create_teaching_pool(lab, "newpw", mfa="ON", run_id=run_id)
    alice = flows.create_user(lab, pool, "Alice", permanent=False)
    challenge = flows.sign_in(lab, pool, "Alice", alice.password, api="client")
    assert challenge.name == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(ValueError, match=r"^new_password:"):
        flows.respond(lab, pool, challenge, new_password=" padded ")
    setup = flows.respond(lab, pool, challenge, new_password="N3w-Passw0rd!")
    assert isinstance(setup, flows.Challenge) and setup.name == "MFA_SETUP" and setup.api == "client"
    outcome = flows.complete_mfa_setup(lab, pool, setup, code_source=lambda a: flows.authenticator(lab, a).code())
    assert outcome.tokens is not None
    assert flows.mfa_status(lab, pool, "Alice").user_status == "CONFIRMED"
    with pytest.raises(ClientError):
        flows.sign_in(lab, pool, "Alice", alice.password)  # the temporary password is gone


def test_select_mfa_type_then_sms_code_from_the_outbox(lab, run_id, enrol):
    pool = flows.create_teaching_pool(lab, "select", mfa="OPTIONAL", totp=True, sms=True, run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob", phone="+447700900123")
    enrol(pool, bob, preferred=False)
    flows.admin_set_preference(lab, pool, "Bob", totp_enabled=True, totp_preferred=False, sms_enabled=True)
    status = flows.mfa_status(lab, pool, "Bob")
    assert set(status.mfa_setting_list) == {"SOFTWARE_TOKEN_MFA", "SMS_MFA"} and status.preferred is None
    challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    assert challenge.name == "SELECT_MFA_TYPE"
    assert set(flows.choices(challenge)) == {"SMS_MFA", "SOFTWARE_TOKEN_MFA"}
    with pytest.raises(ValueError, match=r"^answer:"):
        flows.respond(lab, pool, challenge, answer="EMAIL_OTP")
    sms = flows.respond(lab, pool, challenge, answer="SMS_MFA")
    assert isinstance(sms, flows.Challenge) and sms.name == "SMS_MFA" and sms.session != challenge.session
    assert sms.parameters["CODE_DELIVERY_DESTINATION"].endswith("0123")
    sent = [m for m in lab.sandbox_messages() if m["to"] == "+447700900123"][-1]
    assert isinstance(flows.respond(lab, pool, sms, code=sent["code"]), flows.Tokens)


def test_lost_device_reset(lab, run_id, enrol):
    pool = flows.create_teaching_pool(lab, "lost", mfa="ON", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    first = flows.sign_in(lab, pool, "Bob", bob.password)
    old = flows.complete_mfa_setup(lab, pool, first)
    assert flows.mfa_status(lab, pool, "Bob").totp_enabled
    flows.reset_lost_device(lab, pool, "Bob")
    assert lab.journal[-1].operation == "AdminDeleteSoftwareToken" and lab.journal[-1].ok
    status = flows.mfa_status(lab, pool, "Bob")
    assert not status.totp_enabled and status.preferred is None
    challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    assert challenge.name == "MFA_SETUP"  # a new phone must be enrolled
    lab.advance_clock(30)
    new = flows.complete_mfa_setup(lab, pool, challenge)
    assert new.tokens is not None and new.association.secret_code != old.association.secret_code


def test_expired_session_is_refused(lab, run_id, enrol):
    pool = flows.create_teaching_pool(lab, "expiry", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    phone = enrol(pool, bob)
    challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    lab.advance_clock(pool.session_minutes * 60 + 1)
    assert challenge.seconds_left(lab, pool) < 0
    with pytest.raises(ClientError) as exc:
        flows.respond(lab, pool, challenge, code=phone.code())
    assert _code(exc) == "NotAuthorizedException" and "expired" in str(exc.value)


def _first_sign_in_on_new_device(lab, pool, user, phone):
    challenge = flows.sign_in(lab, pool, user.username, user.password)
    assert challenge.name == "SOFTWARE_TOKEN_MFA"
    tokens = flows.respond(lab, pool, challenge, code=phone.code())
    assert tokens.new_device and tokens.new_device["DeviceKey"].startswith(pool.region + "_")
    lab.advance_clock(30)
    return tokens


@pytest.mark.parametrize("method", ["password", "srp"])
def test_remembered_device_skips_mfa(lab, run_id, enrol, method):
    pool = flows.create_teaching_pool(lab, "devices", remember_devices="always", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    phone = enrol(pool, bob)
    tokens = _first_sign_in_on_new_device(lab, pool, bob, phone)
    device = flows.confirm_device(lab, tokens, name="Bob's laptop")
    assert device.remembered and device.device_password not in repr(device)
    assert [(d.device_key, d.name, d.remembered) for d in flows.list_devices(lab, tokens)] == [
        (device.device_key, "Bob's laptop", True)
    ]
    start = len(lab.journal)
    signed_in = flows.sign_in(lab, pool, "Bob", bob.password, method=method, device=device)
    assert isinstance(signed_in, flows.Tokens) and signed_in.new_device is None  # no MFA asked
    responds = [c for c in lab.journal[start:] if c.operation.endswith("RespondToAuthChallenge")]
    answered = [c.request["ChallengeName"] for c in responds]
    assert answered[-2:] == ["DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"]

    flows.forget_device(lab, signed_in, device)
    assert flows.list_devices(lab, signed_in) == []
    with pytest.raises(ClientError) as exc:
        flows.sign_in(lab, pool, "Bob", bob.password, device=device)
    assert _code(exc) == "ResourceNotFoundException"
    assert flows.sign_in(lab, pool, "Bob", bob.password).name == "SOFTWARE_TOKEN_MFA"  # MFA again


def test_device_not_remembered_still_asks_for_mfa(lab, run_id, enrol):
    pool = flows.create_teaching_pool(lab, "optin", remember_devices="user_opt_in", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    phone = enrol(pool, bob)
    tokens = _first_sign_in_on_new_device(lab, pool, bob, phone)
    device = flows.confirm_device(lab, tokens, remember=False)
    assert not device.remembered and not flows.list_devices(lab, tokens)[0].remembered
    challenge = flows.sign_in(lab, pool, "Bob", bob.password, device=device)
    assert isinstance(challenge, flows.Challenge) and challenge.name == "SOFTWARE_TOKEN_MFA"
    assert challenge.device == device
    tokens = flows.respond(lab, pool, challenge, code=phone.code())
    assert isinstance(tokens, flows.Tokens)
    assert lab.journal[-1].request["ChallengeResponses"]["DEVICE_KEY"] == device.device_key
    flows.remember_device(lab, tokens, device)
    lab.advance_clock(30)
    assert isinstance(flows.sign_in(lab, pool, "Bob", bob.password, device=device), flows.Tokens)


def test_a_challenge_s_countdown_moves_back_with_its_pool_s_clock(lab, run_id, enrol):
    """A sign-in made while the pool's clock ran ahead, then the clock put back: the sandbox moved the session's
    expiry back with it, and the challenge's countdown says the same (it had read 3 minutes + the time put back)."""
    pool = flows.create_teaching_pool(lab, "countdown", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    phone = enrol(pool, bob)
    lab.advance_clock(90, pool)
    challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    lab.back_to_real_time(pool)
    assert lab.time_put_back(pool) >= 90
    left = challenge.seconds_left(lab, pool)
    assert pool.session_minutes * 60 - 10 < left <= pool.session_minutes * 60
    lab.advance_clock(left + 1, pool)  # just past the countdown: the sandbox refuses the session as well
    assert challenge.seconds_left(lab, pool) < 0
    with pytest.raises(ClientError) as exc:
        flows.respond(lab, pool, challenge, code=phone.code())
    assert _code(exc) == "NotAuthorizedException" and "expired" in str(exc.value)
    lab.back_to_real_time(pool)
