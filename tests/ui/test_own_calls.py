"""Forms that show their own calls (EnrolForm, ChallengeResponder), the responder's virtual authenticator and token
view, and the enrolment card's Copy button, against the sandbox."""

from __future__ import annotations

import html
import json
import threading

from cognito_mfa_kit import flows
from cognito_mfa_kit.flows.auth import Challenge, Tokens
from cognito_mfa_kit.journal import Journal
from cognito_mfa_kit.totp import VirtualAuthenticator
from cognito_mfa_kit.ui import ChallengeResponder, EnrolForm, JournalView, SignInForm, TotpEnrolmentCard
from cognito_mfa_kit.ui.journal_view import copying_calls

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _operations(journal) -> list[tuple[str, bool]]:
    return [(c.operation, c.ok) for c in journal]


def _shown(view: JournalView) -> list[str]:
    return [part.split("'")[0] for part in view.calls.value.split("data-operation='")[1:]]


# ---------------------------------------------------------------- copying_calls

def test_copying_calls_copies_only_this_threads_calls_made_inside_the_block(lab, pool):
    own = Journal()
    lab.client.list_user_pools(MaxResults=1)  # before: not copied
    with copying_calls(lab.journal, own):
        lab.client.describe_user_pool(UserPoolId=pool.pool_id)
        other = threading.Thread(target=lambda: lab.client.list_users(UserPoolId=pool.pool_id))
        other.start()
        other.join()
    lab.client.list_user_pools(MaxResults=1)  # after: not copied
    assert _operations(own) == [("DescribeUserPool", True)]
    assert [c.operation for c in lab.journal][-4:] == ["ListUserPools", "DescribeUserPool", "ListUsers",
                                                         "ListUserPools"]


def test_copying_calls_without_a_source_copies_nothing():
    own = Journal()
    with copying_calls(None, own) as into:
        assert into is own
    assert len(own) == 0


# ---------------------------------------------------------------- EnrolForm

def test_enrol_form_shows_its_own_calls_live_and_masked(lab, pool, bob):
    tokens = flows.sign_in(lab, pool, "Bob", bob.password)
    form = EnrolForm(lab, access_token=tokens.access_token, autostart=False)
    assert form.journal_view in form.children and "No calls yet" in form.journal_view.calls.value
    form.associate_button.click()
    assert _shown(form.journal_view) == ["AssociateSoftwareToken"], form.status.text
    lab.client.list_user_pools(MaxResults=1)  # a call made elsewhere stays out of the form
    code = form.card.authenticator.code()
    form.code_entry.text.value = code
    form.code_entry.button.click()
    assert form.verification.ok, form.status.text
    assert _operations(form.journal) == [("AssociateSoftwareToken", True), ("VerifySoftwareToken", True)]
    assert _shown(form.journal_view) == ["AssociateSoftwareToken", "VerifySoftwareToken"]
    shown = form.journal_view.calls.value
    assert "data-ok='true'" in shown and "SUCCESS" in shown
    for secret in (form.card.secret, tokens.access_token, code):
        assert secret not in shown
    # the lab's journal still has every call
    assert [c.operation for c in lab.journal][-3:] == ["AssociateSoftwareToken", "ListUserPools",
                                                         "VerifySoftwareToken"]
    form.close()


def test_enrol_form_without_show_calls_has_no_view_but_still_collects_into_a_given_journal(lab, pool, bob):
    tokens = flows.sign_in(lab, pool, "Bob", bob.password)
    shared = Journal()
    form = EnrolForm(lab, access_token=tokens.access_token, autostart=False, journal=shared, show_calls=False)
    assert form.journal is shared and form.journal_view is None
    assert not any(isinstance(child, JournalView) for child in form.children)
    form.associate_button.click()
    assert _operations(shared) == [("AssociateSoftwareToken", True)]


# ---------------------------------------------------------------- ChallengeResponder

def test_responder_shows_the_virtual_code_answers_and_shows_tokens_and_its_calls(lab, pool, bob, enrolled):
    _, phone = enrolled
    responder = ChallengeResponder(lab, pool, autostart=False, account_name="Bob", authenticator=phone)
    responder.challenge = flows.sign_in(lab, pool, "Bob", bob.password, api="client")
    assert responder.virtual in responder.body.children
    shown_code = responder.virtual.current_code
    assert shown_code == phone.code() and shown_code in responder.virtual.code_display.value
    assert not responder.virtual.ticker.running  # autostart=False: no timer
    responder.code_entry.text.value = shown_code
    responder.code_entry.button.click()
    assert isinstance(responder.tokens, Tokens), responder.status.text
    assert _operations(responder.journal) == [("RespondToAuthChallenge", True)]
    assert _shown(responder.journal_view) == ["RespondToAuthChallenge"]
    viewer = responder.token_viewer
    assert viewer is not None and viewer in responder.body.children
    assert viewer.verified == {"id": True, "access": True}, viewer.status.text
    for token in (responder.tokens.id_token, responder.tokens.access_token):
        assert token not in viewer.table.value and token not in responder.journal_view.calls.value
    responder.close()


def test_responder_builds_its_authenticator_from_a_secret_on_the_labs_clock(lab):
    responder = ChallengeResponder(lab, autostart=False, account_name="Bob", authenticator=SECRET)
    assert isinstance(responder.authenticator, VirtualAuthenticator)
    assert responder.authenticator.clock is lab.clock
    assert responder.authenticator.code() == VirtualAuthenticator(SECRET, lab.clock).code()


def test_responder_without_authenticator_or_views(lab, pool, bob, enrolled):
    responder = ChallengeResponder(lab, pool, autostart=False, show_calls=False, show_tokens=False)
    assert responder.virtual is None and responder.journal_view is None
    responder.challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    assert responder.body.children == (responder.code_entry,)
    responder.code_entry.text.value = enrolled[1].code()
    responder.code_entry.button.click()
    assert isinstance(responder.tokens, Tokens), responder.status.text
    assert responder.token_viewer is None and responder.body.children == ()
    assert _operations(responder.journal) == [("AdminRespondToAuthChallenge", True)]  # collected, not shown


def test_mfa_setup_enrolment_calls_land_in_the_responders_journal_in_order(lab, unique):
    pool = flows.create_teaching_pool(lab, unique, mfa="ON")
    user = flows.create_user(lab, pool, "Bob")
    signin = SignInForm(lab, pool, password=user.password)
    signin.button.click()
    assert isinstance(signin.result, Challenge) and signin.result.name == "MFA_SETUP"
    responder = ChallengeResponder(lab, pool, autostart=False)
    responder.challenge = signin.result
    enrol = responder.enrol
    assert enrol.journal is responder.journal and enrol.journal_view is None  # one list, under the responder
    enrol.associate_button.click()
    enrol.code_entry.text.value = enrol.card.authenticator.code()
    enrol.code_entry.button.click()
    responder.finish_button.click()
    assert isinstance(responder.tokens, Tokens), responder.status.text
    assert _shown(responder.journal_view) == ["AssociateSoftwareToken", "VerifySoftwareToken",
                                              "AdminRespondToAuthChallenge"]


# ---------------------------------------------------------------- Copy button

def test_copy_button_exists_only_while_revealed_and_falls_back_to_selecting_the_key():
    card = TotpEnrolmentCard(SECRET, autostart=False)
    assert "cmk-copy-button" not in card.copy.value and SECRET not in card.copy.value
    card.set_revealed(True)
    button = card.copy.value
    assert "cmk-copy-button" in button
    script = html.unescape(button.split('onclick="')[1].split('"')[0])
    assert f"k={json.dumps(SECRET)}" in script
    assert "navigator.clipboard.writeText(k)" in script and "window.isSecureContext" in script
    assert ".then(()=>{b.textContent='Copied';},sel)" in script  # refused → select
    assert "else{sel();}" in script  # no clipboard → select
    assert "selectNodeContents" in script and ".cmk-setup-key code" in script
    card.set_revealed(False)
    assert SECRET not in card.copy.value
