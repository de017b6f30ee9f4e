"""The challenge responder beyond TOTP: EMAIL_OTP with the code read from the sandbox's outbox, and choice-based
sign-in's SELECT_CHALLENGE (then the TOTP challenge that follows the password)."""

from __future__ import annotations

from cognito_mfa_kit import flows
from cognito_mfa_kit.flows import Challenge, Tokens
from cognito_mfa_kit.ui import ChallengeResponder

USER_AUTH = [*flows.DEFAULT_AUTH_FLOWS, "ALLOW_USER_AUTH"]


def test_email_code_is_read_from_the_outbox_and_answers(lab, unique):
    pool = flows.create_teaching_pool(lab, unique, mfa="OPTIONAL", email=True)
    bob = flows.create_user(lab, pool, "Bob", email="bob@example.com")
    flows.admin_set_preference(lab, pool, "Bob", totp_enabled=None, email_enabled=True, email_preferred=True)
    responder = ChallengeResponder(lab, pool, autostart=False)
    responder.challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    assert responder.challenge.name == "EMAIL_OTP"
    assert responder.outbox_button in responder.body.children
    responder.outbox_button.click()
    assert responder.status.kind == "ok", responder.status.text
    assert responder.code_entry.text.value == flows.sent_code(lab, pool, "Bob", medium="EMAIL")
    responder.code_entry.button.click()
    assert isinstance(responder.tokens, Tokens), responder.status.text
    assert responder.history == ["EMAIL_OTP"]


def test_a_wrong_email_code_is_explained_and_may_be_retried(lab, unique):
    pool = flows.create_teaching_pool(lab, unique, mfa="OPTIONAL", email=True)
    bob = flows.create_user(lab, pool, "Bob", email="bob@example.com")
    flows.admin_set_preference(lab, pool, "Bob", totp_enabled=None, email_enabled=True, email_preferred=True)
    responder = ChallengeResponder(lab, pool, autostart=False)
    responder.challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    right = flows.sent_code(lab, pool, "Bob", medium="EMAIL")
    responder.code_entry.text.value = f"{(int(right) + 1) % 1_000_000:06d}"
    responder.code_entry.button.click()
    assert responder.status.kind == "error"
    assert responder.status.explanation.key == "sms-email-mismatch"
    responder.code_entry.text.value = right
    responder.code_entry.button.click()
    assert isinstance(responder.tokens, Tokens), responder.status.text


def test_select_challenge_then_totp(lab, unique):
    pool = flows.create_teaching_pool(lab, unique, mfa="OPTIONAL", auth_flows=USER_AUTH)
    bob = flows.create_user(lab, pool, "Bob")
    tokens = flows.sign_in(lab, pool, "Bob", bob.password)
    association = flows.associate(lab, access_token=tokens.access_token)
    phone = flows.authenticator(lab, association, account_name="Bob")
    flows.verify(lab, phone.code(), access_token=tokens.access_token)
    flows.set_preference(lab, tokens.access_token)
    lab.advance_clock(30)
    responder = ChallengeResponder(lab, pool, autostart=False, authenticator=phone)
    responder.challenge = flows.sign_in_with_choice(lab, pool, "Bob")
    assert list(responder.first_factor.options) == ["PASSWORD", "PASSWORD_SRP"]
    responder.password.value = "Not-The-Password-1!"
    responder.respond_button.click()
    assert responder.status.explanation.key == "incorrect-password", responder.status.text
    responder.challenge = flows.sign_in_with_choice(lab, pool, "Bob")  # the attempt ended: start again
    responder.first_factor.value = "PASSWORD_SRP"
    responder.password.value = bob.password
    responder.respond_button.click()
    assert isinstance(responder.challenge, Challenge) and responder.challenge.name == "SOFTWARE_TOKEN_MFA"
    assert responder.password.value == ""  # not kept once used
    responder.code_entry.text.value = phone.code()
    responder.code_entry.button.click()
    assert isinstance(responder.tokens, Tokens), responder.status.text
    assert responder.history == ["SELECT_CHALLENGE", "SOFTWARE_TOKEN_MFA"]
