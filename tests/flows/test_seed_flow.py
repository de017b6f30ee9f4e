"""The seed article's flow end to end through the flow functions (admin, client and SRP), and its journal."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from cognito_mfa_kit import flows
from cognito_mfa_kit.tokens import decode_unverified

SEED_OPERATIONS = [
    "AdminInitiateAuth",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "SetUserMFAPreference",
    "AdminGetUser",
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
]


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def test_seed_flow_end_to_end(lab, run_id):
    pool = flows.create_teaching_pool(lab, "seed", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    start = len(lab.journal)

    tokens = flows.sign_in(lab, pool, "Bob", bob.password)  # MFA OPTIONAL, nothing enrolled: tokens
    assert isinstance(tokens, flows.Tokens)
    association = flows.associate(lab, access_token=tokens.access_token)
    assert association.session is None  # the access-token path returns no session
    phone = flows.authenticator(lab, association, account_name="Bob")
    verification = flows.verify(lab, phone.code(), access_token=tokens.access_token, device_name="BobPhone")
    assert verification.status == "SUCCESS" and verification.session is None
    flows.set_preference(lab, tokens.access_token, totp_enabled=True, totp_preferred=True)
    status = flows.mfa_status(lab, pool, "Bob")
    assert status.mfa_setting_list == ("SOFTWARE_TOKEN_MFA",) and status.preferred == "SOFTWARE_TOKEN_MFA"

    challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    assert isinstance(challenge, flows.Challenge) and challenge.name == "SOFTWARE_TOKEN_MFA"
    assert challenge.username == "Bob" and challenge.api == "admin"
    assert challenge.parameters.get("FRIENDLY_DEVICE_NAME") == "BobPhone"
    assert challenge.expires_at(pool) == pytest.approx(challenge.issued_at + 180)
    lab.advance_clock(30)
    final = flows.respond(lab, pool, challenge, code=phone.code())
    assert isinstance(final, flows.Tokens)
    claims = decode_unverified(final.access_token)
    assert claims.token_use == "access" and claims.username == "Bob" and claims.client_id == pool.client_id

    assert [c.operation for c in lab.journal[start:]] == SEED_OPERATIONS
    assert all(c.ok for c in lab.journal[start:])


def test_journal_masks_every_secret_of_the_flow(lab, run_id, enrol):
    pool = flows.create_teaching_pool(lab, "masks", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob", "Corr3ct-Horse!")
    phone = enrol(pool, bob)
    challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    tokens = flows.respond(lab, pool, challenge, code=phone.code())
    secrets = [bob.password, phone.secret, challenge.session, tokens.access_token, tokens.id_token,
               tokens.refresh_token]
    text = lab.journal.to_jsonl() + lab.journal.to_markdown() + "".join(c.as_cli() for c in lab.journal)
    for value in secrets:
        assert value and value not in text
    # ...but the unmasked call still has them, and the CLI twin uses the seed's shorthand.
    prefs = [c for c in lab.journal if c.operation == "SetUserMFAPreference"][-1]
    assert "--software-token-mfa-settings Enabled=true,PreferredMfa=true" in prefs.as_cli()
    responds = [c for c in lab.journal if c.operation == "AdminRespondToAuthChallenge"][-1]
    assert challenge.session in responds.as_cli(redact=False)
    # The results' reprs mask them too.
    for obj, value in ((tokens, tokens.access_token), (challenge, challenge.session), (bob, bob.password)):
        assert value not in repr(obj)
    assert "Bob" in repr(bob)


@pytest.mark.parametrize(("api", "method"), [("client", "password"), ("admin", "srp"), ("client", "srp")])
def test_seed_flow_with_other_apis_and_srp(lab, run_id, enrol, api, method):
    pool = flows.create_teaching_pool(lab, "variants", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    phone = enrol(pool, bob)
    start = len(lab.journal)
    challenge = flows.sign_in(lab, pool, "Bob", bob.password, api=api, method=method)
    assert isinstance(challenge, flows.Challenge) and challenge.name == "SOFTWARE_TOKEN_MFA"
    assert challenge.api == api
    tokens = flows.respond(lab, pool, challenge, code=phone.code())
    assert isinstance(tokens, flows.Tokens) and decode_unverified(tokens.id_token).username == "Bob"
    ops = [c.operation for c in lab.journal[start:]]
    initiate = "AdminInitiateAuth" if api == "admin" else "InitiateAuth"
    respond = "AdminRespondToAuthChallenge" if api == "admin" else "RespondToAuthChallenge"
    expected = [initiate, respond, respond] if method == "srp" else [initiate, respond]
    assert ops == expected
    first = lab.journal[start]
    flow = first.request["AuthFlow"]
    assert flow == ("USER_SRP_AUTH" if method == "srp" else
                    "ADMIN_USER_PASSWORD_AUTH" if api == "admin" else "USER_PASSWORD_AUTH")
    if method == "srp":
        assert "PASSWORD" not in first.request["AuthParameters"]  # SRP never sends the password
        assert lab.journal[start + 1].request["ChallengeName"] == "PASSWORD_VERIFIER"


@pytest.mark.parametrize("method", ["password", "srp"])
def test_wrong_password_is_cognitos_not_authorized(lab, run_id, method):
    pool = flows.create_teaching_pool(lab, "wrongpw", run_id=run_id)
    flows.create_user(lab, pool, "Bob", "Right-Passw0rd!")
    with pytest.raises(ClientError) as exc:
        flows.sign_in(lab, pool, "Bob", "Wrong-Passw0rd!", method=method, api="client")
    assert _code(exc) == "NotAuthorizedException"
    assert lab.journal[-1].error is not None and lab.journal[-1].error.code == "NotAuthorizedException"


@pytest.mark.parametrize("method", ["password", "srp"])
def test_client_with_secret_sends_secret_hash(lab, run_id, enrol, method):
    pool = flows.create_teaching_pool(lab, "secret", run_id=run_id, generate_secret=True)
    assert pool.client_secret and pool.client_secret not in repr(pool)
    bob = flows.create_user(lab, pool, "Bob")
    phone = enrol(pool, bob)
    challenge = flows.sign_in(lab, pool, "Bob", bob.password, api="client", method=method)
    tokens = flows.respond(lab, pool, challenge, code=phone.code())
    assert isinstance(tokens, flows.Tokens)
    sent = [c for c in lab.journal if c.operation == "RespondToAuthChallenge"][-1]
    assert "SECRET_HASH" in sent.request["ChallengeResponses"]
    # Without the secret Cognito refuses: the hash is really checked.
    bare = flows.TeachingPool(**{**pool.__dict__, "client_secret": None})
    with pytest.raises(ClientError) as exc:
        flows.sign_in(lab, bare, "Bob", bob.password, api="client")
    assert _code(exc) == "NotAuthorizedException"


def test_wrong_and_reused_codes_raise_cognitos_errors(lab, run_id, enrol):
    pool = flows.create_teaching_pool(lab, "codes", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    phone = enrol(pool, bob)
    challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    wrong = f"{(int(phone.code()) + 1) % 10**6:06d}"
    with pytest.raises(ClientError) as exc:
        flows.respond(lab, pool, challenge, code=wrong)
    assert _code(exc) == "CodeMismatchException"
    tokens = flows.respond(lab, pool, challenge, code=phone.code())  # the same session may retry
    assert isinstance(tokens, flows.Tokens)
    again = flows.sign_in(lab, pool, "Bob", bob.password)
    with pytest.raises(ClientError) as exc:
        flows.respond(lab, pool, again, code=phone.code())  # same 30 s step: already used
    assert _code(exc) == "ExpiredCodeException"


def test_bad_input_raises_value_error_before_any_call(lab, run_id):
    pool = flows.create_teaching_pool(lab, "input", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    challenge = flows.Challenge("SOFTWARE_TOKEN_MFA", "x" * 40, {}, "Bob", 0.0, "admin")
    before = len(lab.journal)
    cases = [
        (lambda: flows.sign_in(lab, pool, "Bob Smith", bob.password), "username"),
        (lambda: flows.sign_in(lab, pool, "Bob", ""), "password"),
        (lambda: flows.sign_in(lab, pool, "Bob", bob.password, api="web"), "api"),
        (lambda: flows.respond(lab, pool, challenge, code="12a456"), "code"),
        (lambda: flows.respond(lab, pool, challenge, code="12345"), "code"),
        (lambda: flows.verify(lab, "1234567", access_token="t"), "code"),
        (lambda: flows.associate(lab), "access_token/session"),
        (lambda: flows.associate(lab, access_token="a", session="s"), "access_token/session"),
        (lambda: flows.create_user(lab, pool, "Al", phone="07700 900123"), "phone"),
        (lambda: flows.create_teaching_pool(lab, "x", session_minutes=20, run_id=run_id), "session_minutes"),
        (lambda: flows.create_teaching_pool(lab, "x", mfa="REQUIRED", run_id=run_id), "mfa"),
        (lambda: flows.set_preference(lab, "t", totp_preferred=True, sms_enabled=True, sms_preferred=True),
         "totp_preferred/sms_preferred"),
    ]
    for call, field in cases:
        with pytest.raises(ValueError, match=f"^{field}:"):
            call()
    assert len(lab.journal) == before
    # A typed code with a space is fine ("123 456"): it is sent as six digits.
    with pytest.raises(ClientError):
        flows.respond(lab, pool, challenge, code="123 456")
    assert lab.journal[-1].request["ChallengeResponses"]["SOFTWARE_TOKEN_MFA_CODE"] == "123456"


def test_refresh_and_sign_out(lab, run_id):
    pool = flows.create_teaching_pool(lab, "refresh", run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    tokens = flows.sign_in(lab, pool, "Bob", bob.password)
    lab.advance_clock(5)
    fresh = flows.refresh(lab, pool, tokens)
    assert fresh.access_token != tokens.access_token and fresh.refresh_token == tokens.refresh_token
    assert lab.journal[-1].request["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    assert flows.my_mfa_status(lab, fresh.access_token).username == "Bob"
    flows.sign_out(lab, fresh)
    with pytest.raises(ClientError) as exc:
        flows.refresh(lab, pool, tokens)
    assert _code(exc) == "NotAuthorizedException"
