"""What a browser does on the sandbox's managed-login pages, done over plain HTTP: for lessons run with nobody at the
keyboard, and to show, call by call, what happens between the sign-in link and the callback.

>>> result = browse(lab, sign_in, username="Hana", password=..., code=lambda: phone.code())
>>> result.steps        # ['GET /oauth2/authorize → 302 /login', 'POST /login → 303 /mfa', ...]

Each request is journaled (:mod:`cognito_mfa_kit.httpcall`: passwords and codes masked, pages shown by their title).
Sandbox only: the page paths and field names are the sandbox's (AWS's are undocumented, and AWS "doesn't support
programmatic access" to its pages — open the link in a browser there). The browse ends at the app's callback URL,
which the callback catcher keeps for :func:`cognito_mfa_kit.flows.hosted_ui.wait_for_code`.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .httpcall import http_call

if TYPE_CHECKING:
    from .connect import Lab
    from .flows.hosted_ui import HostedSignIn

_FLOW = re.compile(r'name="flow" value="([^"]*)"')
_KEY = re.compile(r'id="setup-key"[^>]*>([^<]*)<')
_MESSAGE = re.compile(r'id="message"[^>]*>(.*?)</p>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class BrowseError(RuntimeError):
    """The pages stopped the sign-in (the page's message says why)."""


@dataclass
class BrowseResult:
    """The pages visited (``steps``), the messages the pages showed, and whether the browser reached the callback."""

    steps: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    reached_callback: bool = False

    def __repr__(self) -> str:
        return "\n".join(self.steps) + (f"\npages said: {self.messages}" if self.messages else "")

    def _repr_markdown_(self) -> str:
        lines = [f"{i}. `{step}`" for i, step in enumerate(self.steps, 1)]
        lines += [f"> the page said: *{message}*" for message in self.messages]
        return "\n".join(lines)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split(" API:")[0].strip()


def browse(lab: Lab, sign_in: HostedSignIn, *, username: str | None = None, password: str | None = None,
           code: Callable[[], str] | None = None, setup: Callable[[str], Callable[[], str]] | None = None,
           new_password: str | None = None, email: str | None = None, choice: str = "SOFTWARE_TOKEN_MFA",
           codes_tried: int = 2, max_steps: int = 16) -> BrowseResult:
    """Follow ``sign_in.url`` through the sandbox's pages: the password, a code (``code()`` gives one; a refused
    code is retried with a fresh ``code()`` up to ``codes_tried`` times), the set-up page (``setup(key)`` gives the
    code function of an authenticator for the key shown), the choice, a new password, DemoIdP's e-mail page."""
    if sign_in.ui.on_aws:
        raise BrowseError("On AWS, open the sign-in link in your browser: AWS doesn't support programmatic access "
                          "to its managed-login pages.")
    result = BrowseResult()
    method, url, form = "GET", sign_in.url, None
    tries: dict[str, int] = {}
    for _ in range(max_steps):
        call = http_call(lab.journal, method, url, form=form, raise_for_error=False, keep_page=True)
        path = urllib.parse.urlsplit(url).path
        status = call.http_status or 0
        answer = call.response or {}
        location = str(answer.get("location") or "")
        shown = urllib.parse.urlsplit(location).path if location else str(answer.get("page") or call.error or "")
        result.steps.append(f"{method} {path} → {status} {shown}".rstrip())
        page = call.page_text or ""
        said = _MESSAGE.search(page)
        if said and status == 200:
            result.messages.append(_text(said.group(1)))
        if call.error is not None:
            raise BrowseError(f"{method} {path}: {_text(said.group(1)) if said else call.error}")
        typed_page = path in ("/login", "/new-password") or path.endswith("/_sandbox/idp/authorize")
        if method == "POST" and status == 200 and said and typed_page:
            raise BrowseError(f"{path}: {result.messages[-1]}")  # the same page again: what was typed was refused
        if location:
            target = urllib.parse.urljoin(url, location)
            if target.startswith(sign_in.ui.redirect_uri):
                http_call(lab.journal, "GET", target, raise_for_error=True)
                result.steps.append(f"GET {urllib.parse.urlsplit(target).path} → callback caught")
                result.reached_callback = True
                return result
            method, url, form = "GET", target, None
            continue
        flow = _FLOW.search(page)
        base = url.split("?", 1)[0]
        if path == "/login":
            if username is None or password is None:
                raise BrowseError("the sign-in page asks for a username and a password")
            method, url, form = "POST", url, {"username": username, "password": password}
        elif path in ("/mfa", "/mfa-setup"):
            if path == "/mfa-setup" and setup is not None:
                key = _KEY.search(page)
                if key is None:
                    raise BrowseError("the set-up page shows no key")
                code = setup(key.group(1).replace(" ", ""))
                setup = None  # one authenticator for this key
            if code is None:
                raise BrowseError(f"{path} asks for a code and no code was given")
            tries[path] = tries.get(path, 0) + 1
            if tries[path] > codes_tried:
                raise BrowseError(f"{path}: the code was refused {codes_tried} times: "
                                  f"{result.messages[-1] if result.messages else ''}")
            method, url, form = "POST", base, {"flow": flow.group(1) if flow else "", "code": code()}
        elif path == "/mfa-choice":
            method, url, form = "POST", base, {"flow": flow.group(1) if flow else "", "mfa_type": choice}
        elif path == "/new-password":
            if new_password is None:
                raise BrowseError("the new-password page asks for a new password")
            method, url, form = "POST", base, {"flow": flow.group(1) if flow else "", "new_password": new_password}
        elif path.endswith("/_sandbox/idp/authorize"):
            if email is None:
                raise BrowseError("DemoIdP asks for an e-mail address")
            fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}
            method, url, form = "POST", base, {**fields, "email": email}
        else:
            raise BrowseError(f"an unexpected page: {path}")
    raise BrowseError(f"no callback after {max_steps} pages")


__all__ = ["BrowseError", "BrowseResult", "browse"]
