"""Passkeys through the sandbox's managed login in a real browser (issue 14 item 4): Chromium with its virtual
authenticator (DevTools ``WebAuthn.addVirtualAuthenticator``: CTAP2, internal, resident keys, user verification)
registers a passkey at ``/passkeys/add`` after a password + TOTP sign-in, signs out, and signs in again with the
passkey, which satisfies MFA (``FactorConfiguration=MULTI_FACTOR_WITH_USER_VERIFICATION``, the user's passkey MFA on):
no TOTP page, a code, tokens.

The pages answer at ``http://<prefix>.auth.localhost:<port>`` — a secure context for Chromium (a loopback name) — so
the pool's relying party id is that host (a browser makes passkeys only for its page's domain or a parent of it).

Stable hooks: ``#passkey-sign-in`` (the sign-in page's button), ``#passkey-button`` (the ceremony's button on
``/passkey`` and ``/passkeys/add``), ``#passkey-rp``, ``#passkey-status``, the callback page's ``#callback-title``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

pytest.importorskip("playwright", reason="browser tests need Python Playwright (pip install playwright)")

from cognito_mfa_kit import flows
from cognito_mfa_kit.course import enrolled_user

AUTHENTICATOR = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
                 "isUserVerified": True}


@pytest.fixture()
def browser(browser_page) -> Iterator[tuple[Any, Any, str]]:
    """(page, DevTools session, virtual authenticator id): the login-pages page with Chromium's virtual
    authenticator (WebAuthn over the DevTools protocol)."""
    cdp = browser_page.context.new_cdp_session(browser_page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})["authenticatorId"]
    yield browser_page, cdp, authenticator


def _passkey_added(lab, browser) -> tuple[Any, str, Any, Any]:
    """Pia signed in on the pages with password + TOTP, a passkey added at /passkeys/add, her passkey MFA preferred,
    then signed out: (pool, the pages' host, the DevTools credential made, her tokens)."""
    page, cdp, authenticator = browser
    pool = flows.create_teaching_pool(lab, "browser-passkeys", run_id="b-" + uuid.uuid4().hex[:8])
    user, phone, _ = enrolled_user(lab, pool, "Pia", prefer=True)  # seed steps 1-8
    lab.advance_clock(30)  # the enrolment's code is used

    sign_in = flows.hosted_ui(lab, pool)  # the domain and its app client
    ui = sign_in.ui
    host = urlsplit(ui.base_url).hostname
    assert host is not None and host.endswith(".auth.localhost")
    pool = flows.configure_passkeys(lab, pool, relying_party=host, as_mfa=True)

    # 1 · a password + TOTP sign-in on the pages: the browser is signed in on the domain
    page.goto(sign_in.url)
    page.fill("input[name=username]", "Pia")
    page.fill("input[name=password]", user.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator("#prompt", has_text="PiaPhone").wait_for()
    page.fill("input[name=code]", phone.code())
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator("#callback-title", has_text="Signed in").wait_for()
    tokens = flows.exchange_code(lab, sign_in, flows.wait_for_code(lab, sign_in, timeout=10))
    assert tokens.username == "Pia" and tokens.has_admin_scope

    # 2 · /passkeys/add: navigator.credentials.create() with the virtual authenticator, then back to redirect_uri
    page.goto(f"{ui.base_url}/passkeys/add?" + urlencode({"client_id": ui.client_id, "redirect_uri": ui.redirect_uri}))
    assert page.locator("#passkey-rp").inner_text() == host
    assert page.locator("#passkey-user").inner_text() == "Pia"
    page.click("#passkey-button")
    page.locator("#callback-title", has_text="Back from managed login").wait_for()
    made = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(made) == 1 and made[0]["rpId"] == host and made[0]["isResidentCredential"]
    listed = flows.list_passkeys(lab, tokens.access_token)
    assert [(p.relying_party, p.attachment) for p in listed] == [(host, "platform")]
    flows.set_preference(lab, tokens.access_token, totp_enabled=None, passkey_mfa=True)

    # 3 · sign out
    page.goto(f"{ui.base_url}/logout?" + urlencode({"client_id": ui.client_id, "logout_uri": ui.logout_uri}))
    page.locator("#callback-title", has_text="Signed out").wait_for()
    assert not any(c["name"] == "cognito" for c in page.context.cookies(ui.base_url))
    return pool, host, made[0], tokens


def _to_the_passkey_prompt(lab, page, pool, host: str) -> Any:
    """A new sign-in (fresh state and PKCE) on the same domain and client, as Pia with her passkey, up to the page
    whose button runs navigator.credentials.get(); the sign-in (flows.hosted_ui's) to exchange its code."""
    again = flows.hosted_ui(lab, pool)
    page.goto(again.url)
    page.fill("input[name=username]", "Pia")
    page.click("#passkey-sign-in")
    page.locator("#prompt", has_text=host).wait_for()
    return again


def test_a_passkey_added_at_passkeys_add_then_signs_in_as_mfa(lab, browser) -> None:
    page, cdp, authenticator = browser
    pool, host, made, _ = _passkey_added(lab, browser)

    # 4 · sign in with the passkey: it verified the user, so it satisfies MFA — no TOTP page
    first = len(page.visited)  # type: ignore[attr-defined]
    again = _to_the_passkey_prompt(lab, page, pool, host)
    page.click("#passkey-button")
    page.locator("#callback-title", has_text="Signed in").wait_for()
    after = page.visited[first:]  # type: ignore[attr-defined]
    assert any("/passkey?" in url for url in after) and not any("/mfa" in url for url in after), after
    signed_in = flows.exchange_code(lab, again, flows.wait_for_code(lab, again, timeout=10))
    assert signed_in.username == "Pia"
    used = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert used[0]["credentialId"] == made["credentialId"] and used[0]["signCount"] > made["signCount"]


def test_a_refused_passkey_prompt_says_so_and_the_same_page_can_try_again(lab, browser) -> None:
    page, cdp, authenticator = browser
    pool, host, made, _ = _passkey_added(lab, browser)
    # the authenticator no longer holds the passkey: the browser's prompt ends with NotAllowedError, as when the
    # user cancels it
    cdp.send("WebAuthn.clearCredentials", {"authenticatorId": authenticator})

    again = _to_the_passkey_prompt(lab, page, pool, host)
    page.click("#passkey-button")
    page.locator("#passkey-status", has_text="cancelled or timed out. Try again.").wait_for()
    assert page.locator("#passkey-button").is_enabled()  # the page stays, ready for another try
    assert "/passkey?" in page.url and page.locator("#callback-title").count() == 0

    # the passkey is back (the user picked the right one): the same page, the same session, signs in
    cdp.send("WebAuthn.addCredential", {"authenticatorId": authenticator, "credential": made})
    page.click("#passkey-button")
    page.locator("#callback-title", has_text="Signed in").wait_for()
    signed_in = flows.exchange_code(lab, again, flows.wait_for_code(lab, again, timeout=10))
    assert signed_in.username == "Pia"
