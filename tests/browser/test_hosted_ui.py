"""Managed login in a real browser (issue 13): Chromium on the sandbox's pages at ``<domain>.auth.localhost`` (it
resolves ``*.localhost`` itself), the kit catching the code and exchanging it; and notebook 09 in JupyterLab.

Stable hooks on the pages: inputs ``username``, ``password``, ``code``, ``new_password``, ``email``; ``#message``
(what the page says), ``#cant-scan`` / ``#setup-key`` (the set-up page's key), ``.idp-button``; the callback page's
``#callback-title``. In JupyterLab: ``.cmk-hosted-ui``, ``a.cmk-hosted-link``, ``.cmk-hosted-scopes``,
``.cmk-virtual-code``.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pyotp
import pytest

pytest.importorskip("playwright", reason="browser tests need Python Playwright (pip install playwright)")

from cognito_mfa_kit import flows
from cognito_mfa_kit.course import enrolled_user

CODE = re.compile(r"\b(\d{6})\b")


def _run_id() -> str:
    return "b-" + uuid.uuid4().hex[:8]


def _signed_in(lab, page, sign_in):
    """The browser is on the sandbox's callback page; the kit picks the code up and exchanges it."""
    page.locator("#callback-title", has_text="Signed in").wait_for()
    return flows.exchange_code(lab, sign_in, flows.wait_for_code(lab, sign_in, timeout=10))


def test_a_totp_user_signs_in_on_the_login_pages_wrong_code_then_right(lab, browser_page) -> None:
    page = browser_page
    pool = flows.create_teaching_pool(lab, "browser-hosted", run_id=_run_id())
    user, phone, _ = enrolled_user(lab, pool, "Hana", prefer=True)  # seed steps 1-8
    lab.advance_clock(30)  # the enrolment's code is used

    sign_in = flows.hosted_ui(lab, pool, scopes=("openid", "email"))
    page.goto(sign_in.url)
    assert ".auth.localhost:" in page.url and "/login?" in page.url
    page.fill("input[name=username]", "Hana")
    page.fill("input[name=password]", user.password)
    page.click("button[type=submit]")
    page.locator("#prompt", has_text="HanaPhone").wait_for()
    now = lab.clock_for(pool).now()
    accepted = {phone.code_at(now + step * 30) for step in (-1, 0, 1)}
    page.fill("input[name=code]", next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in accepted))
    page.click("button[type=submit]")
    page.locator("#message", has_text="not right").wait_for()
    page.fill("input[name=code]", phone.code())
    page.click("button[type=submit]")
    got = _signed_in(lab, page, sign_in)
    assert got.username == "Hana" and got.scopes == ("openid", "email") and not got.has_admin_scope
    page.screenshot(path=_shot("hosted-ui-totp-signed-in"))


def test_an_mfa_on_user_enrols_on_the_set_up_page_with_the_key_shown(lab, browser_page) -> None:
    page = browser_page
    pool = flows.create_teaching_pool(lab, "browser-hosted-on", mfa="ON", run_id=_run_id())
    user = flows.create_user(lab, pool, "Ivy")
    sign_in = flows.hosted_ui(lab, pool)
    page.goto(sign_in.url)
    page.fill("input[name=username]", "Ivy")
    page.fill("input[name=password]", user.password)
    page.click("button[type=submit]")
    qr = page.locator("img#qr")
    qr.wait_for()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100"), "the QR code renders"
    key = page.locator("#setup-key")
    assert not key.is_visible()  # behind "Can't scan the QR code?"
    page.locator("#cant-scan summary").click()
    shown = key.inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", shown), shown
    page.screenshot(path=_shot("hosted-ui-set-up-page"))
    now = lab.clock_for(pool).now()
    page.fill("input[name=code]", pyotp.TOTP(shown.replace(" ", "")).at(now))
    page.click("button[type=submit]")
    got = _signed_in(lab, page, sign_in)
    assert got.username == "Ivy" and got.has_admin_scope
    status = flows.mfa_status(lab, pool, "Ivy")
    assert status.preferred == "SOFTWARE_TOKEN_MFA"


def test_a_demoidp_user_signs_in_with_no_code(lab, browser_page) -> None:
    page = browser_page
    pool = flows.create_teaching_pool(lab, "browser-hosted-idp", mfa="ON", run_id=_run_id())
    flows.add_demo_idp(lab, pool)
    sign_in = flows.hosted_ui(lab, pool, providers=("COGNITO", "DemoIdP"))
    page.goto(sign_in.url)
    page.locator(".idp-button", has_text="Sign in with DemoIdP").click()
    page.locator("input[name=email]").wait_for()
    assert "/_sandbox/idp/authorize" in page.url and page.locator("input[name=password]").count() == 0
    page.fill("input[name=email]", "dana@example.com")
    page.click("button[type=submit]")
    got = _signed_in(lab, page, sign_in)
    assert got.username.startswith("DemoIdP_")
    assert not any("/mfa" in url for url in page.visited), page.visited  # type: ignore[attr-defined]
    assert lab.client.admin_get_user(UserPoolId=pool.pool_id, Username=got.username)["UserStatus"] == \
        "EXTERNAL_PROVIDER"


def test_course_09_runs_and_the_widget_catches_a_browser_sign_in(jupyter) -> None:
    """Notebook 09 top to bottom in JupyterLab with no widget error; then "Your turn": open the widget's link, sign in
    as "you" in the new tab with the virtual authenticator's code; the widget shows the tokens and their scopes."""
    from cognito_mfa_kit.course.hosted import YOUR_PASSWORD

    page = jupyter.page
    jupyter.open_notebook("09_sign_in_through_the_hosted_ui.ipynb")
    jupyter.run_all_cells()
    jupyter.assert_healthy()
    widget = page.locator(".cmk-hosted-ui").last
    link = widget.locator("a.cmk-hosted-link")
    link.wait_for()
    with page.context.expect_page() as opened:
        link.click()
    login = opened.value
    login.set_default_timeout(20_000)
    login.fill("input[name=username]", "you")
    login.fill("input[name=password]", YOUR_PASSWORD)
    login.click("button[type=submit]")
    login.locator("input[name=code]").wait_for()
    virtual = page.locator(".cmk-virtual-authenticator").last
    virtual.scroll_into_view_if_needed()
    virtual.locator(".cmk-virtual-code").get_by_text(re.compile(r"\d{6}")).wait_for()
    # The notebook's last cell put the pool's clock back on real time; the view redraws from it once a second: read
    # its code after two redraws (before, it may still show the code of the clock that ran ahead).
    seconds, deadline = virtual.locator(".cmk-virtual-seconds"), time.monotonic() + 15
    for _ in range(2):
        shown = seconds.inner_text()
        while seconds.inner_text() == shown:
            assert time.monotonic() < deadline, "the virtual authenticator stopped redrawing"
            time.sleep(0.1)
    first = CODE.search(virtual.locator(".cmk-virtual-code").inner_text()).group(1)
    login.fill("input[name=code]", first)
    login.click("button[type=submit]")
    title = login.locator("#callback-title, #message").first
    title.wait_for()
    # The enrolment used this step's code (or, on a pool clock that ran ahead, the next step's): wait for the next
    # code, as a trainee would, until one is accepted (at most three 30-second steps).
    deadline = time.monotonic() + 100
    while login.locator("#callback-title").count() == 0:
        assert "already" in login.locator("#message").inner_text()
        tried = CODE.search(virtual.locator(".cmk-virtual-code").inner_text()).group(1)
        while CODE.search(virtual.locator(".cmk-virtual-code").inner_text()).group(1) == tried:
            assert time.monotonic() < deadline, "no code of the virtual authenticator was accepted"
            time.sleep(0.5)
        login.fill("input[name=code]", CODE.search(virtual.locator(".cmk-virtual-code").inner_text()).group(1))
        login.click("button[type=submit]")
        login.locator("#callback-title, #message").first.wait_for()
    login.locator("#callback-title", has_text="Signed in").wait_for()
    scopes = widget.locator(".cmk-hosted-scopes")
    scopes.get_by_text("The access token carries").wait_for(timeout=30_000)
    assert "openid email" in scopes.inner_text() and "lacks" in scopes.inner_text()
    widget.locator(".cmk-tokens").get_by_text("verified against the pool's public keys").wait_for()
    jupyter.assert_healthy()
    jupyter.screenshot_element(widget, "course-09-hosted-ui-widget")


def _shot(name: str) -> str:
    folder = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{name}.png")
