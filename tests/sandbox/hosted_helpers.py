"""Managed login over plain HTTP, as a browser would drive it: Python connects to 127.0.0.1 and sends the domain's
Host header (``<prefix>.auth.localhost:<port>``: Python here can't resolve ``*.localhost``). No redirect is followed
by itself: each test sees every 302 and page."""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import json
import re
import secrets
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from sandbox_helpers import Pool, make_pool, unique

CALLBACK = "http://localhost:8976/callback"
LOGOUT = "http://localhost:8976/signed-out"
ALL_SCOPES = ["openid", "email", "profile", "phone", "aws.cognito.signin.user.admin"]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    @property
    def query(self) -> dict[str, str]:
        """The query of the redirect's Location."""
        return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(self.location).query).items()}

    def json(self) -> Any:
        return json.loads(self.body)

    def field(self, name: str) -> str:
        """The value of the hidden input ``name`` of the page."""
        found = re.search(rf'name="{name}" value="([^"]*)"', self.body)
        assert found, f"no input {name} on the page:\n{self.body[:2000]}"
        return html.unescape(found.group(1))

    def element(self, element_id: str) -> str:
        """The text of the element with id ``element_id`` (tags removed)."""
        found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', self.body, re.S)
        assert found, f"no element #{element_id} on the page:\n{self.body[:2000]}"
        return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()

    @property
    def message(self) -> str:
        found = re.search(r'id="message"[^>]*>(.*?)</p>', self.body, re.S)
        return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def pkce() -> tuple[str, str]:
    """(code_verifier, code_challenge) for S256."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass
class Domain:
    """A pool's domain on the sandbox, and its app client with OAuth on."""

    sandbox: Any
    pool: Pool
    prefix: str
    client_id: str
    client_secret: str | None = None
    verifier: str = ""
    params: dict[str, str] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return int(self.sandbox.endpoint_url.rsplit(":", 1)[1])

    @property
    def host(self) -> str:
        return f"{self.prefix}.auth.localhost:{self.port}"

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None, host: str | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        sent = {"Host": host or self.host, **(headers or {})}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Answer(response.status, dict(response.getheaders()), response.read().decode())
        finally:
            connection.close()

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, headers=headers)

    def authorize_query(self, *, scope: str = "openid email", pkce_on: bool = True, **extra: str) -> str:
        """A fresh /oauth2/authorize query (new state, nonce and PKCE pair)."""
        self.verifier, challenge = pkce()
        params = {"response_type": "code", "client_id": self.client_id, "redirect_uri": CALLBACK, "scope": scope,
                  "state": secrets.token_urlsafe(12), "nonce": secrets.token_urlsafe(12)}
        if pkce_on:
            params.update(code_challenge=challenge, code_challenge_method="S256")
        params.update(extra)
        self.params = {k: v for k, v in params.items() if v is not None}
        return urllib.parse.urlencode(self.params)

    def sign_in_page(self, **kwargs: str) -> Answer:
        """/oauth2/authorize → 302 /login (same query) → the sign-in page."""
        first = self.get("/oauth2/authorize?" + self.authorize_query(**kwargs))
        assert first.status == 302 and first.location.startswith("/login?"), (first.status, first.location)
        page = self.get(first.location)
        assert page.status == 200, page.body
        return page

    def password(self, username: str, password: str) -> Answer:
        """POST the sign-in page's form."""
        return self.request("POST", "/login?" + urllib.parse.urlencode(self.params),
                            {"username": username, "password": password})

    def follow(self, answer: Answer) -> Answer:
        """The page a 303/302 to one of the domain's pages leads to."""
        assert answer.status in (302, 303), (answer.status, answer.body[:500])
        return self.get(answer.location)

    def post_page(self, page: str, flow: str, **fields: str) -> Answer:
        return self.request("POST", page, {"flow": flow, **fields})

    def code_of(self, answer: Answer) -> str:
        """The authorization code of the redirect to the app (checking its state)."""
        assert answer.status == 302 and answer.location.startswith(CALLBACK), (answer.status, answer.location,
                                                                               answer.body[:500])
        query = answer.query
        assert query.get("state") == self.params["state"]
        return query["code"]

    def token(self, form: dict[str, str], *, basic: tuple[str, str] | None = None, **headers: str) -> Answer:
        if basic is not None:
            raw = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {raw}"
        return self.request("POST", "/oauth2/token", form, headers)

    def exchange(self, code: str, **extra: str) -> Answer:
        form = {"grant_type": "authorization_code", "client_id": self.client_id, "code": code,
                "redirect_uri": CALLBACK, "code_verifier": self.verifier, **extra}
        return self.token({k: v for k, v in form.items() if v is not None})


def make_domain(cognito: Any, sandbox: Any, *, mfa: str = "OPTIONAL", sms: bool = False, secret: bool = False,
                scopes: list[str] | None = None, providers: list[str] | None = None, session_validity: int = 3,
                **client_extra: Any) -> Domain:
    """A pool (MFA ``mfa``, TOTP on) with an OAuth app client and a prefix domain."""
    extra: dict[str, Any] = {
        "AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthScopes": scopes or ALL_SCOPES, "CallbackURLs": [CALLBACK], "LogoutURLs": [LOGOUT],
        "SupportedIdentityProviders": providers or ["COGNITO"], "GenerateSecret": secret, **client_extra,
    }
    pool = make_pool(cognito, mfa=mfa, sms=sms, session_validity=session_validity, **extra)
    prefix = unique("d")
    cognito.create_user_pool_domain(UserPoolId=pool.id, Domain=prefix)
    app = cognito.describe_user_pool_client(UserPoolId=pool.id, ClientId=pool.client_id)["UserPoolClient"]
    return Domain(sandbox, pool, prefix, pool.client_id, app.get("ClientSecret") if secret else None)
