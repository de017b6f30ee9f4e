"""Managed login (the hosted UI) in the sandbox: the pages and OAuth 2.0 / OpenID Connect endpoints of every user pool
domain, routed by the Host header (``<prefix>.auth.localhost:<port>``), and the callback URL the sandbox provides
for the kit (``/_sandbox/callback``).

- ``app``: the endpoints and pages (``ManagedLogin``); ``hosts``: which host names are a domain's;
- ``oauth``: the OAuth grammar with Authlib (authorization code + PKCE, refresh, client authentication, errors);
- ``tokens``: the tokens of a managed-login sign-in (exactly the scopes granted) and userInfo;
- ``steps``: where a browser is between the sign-in page and the code, and what a page says on a refusal;
- ``pages``: Jinja2 templates (package data) and the set-up page's QR code;
- ``callback``: ``/_sandbox/callback``, where the kit's sign-ins come back.

Every page calls the backend's managed-login steps (``..hosted_signin``): the API's rules, not a copy of them.
"""

from __future__ import annotations

from .app import ManagedLogin, discovery
from .callback import CallbackCatcher
from .hosts import domain_host, domain_prefix, sandbox_host

__all__ = ["CallbackCatcher", "ManagedLogin", "discovery", "domain_host", "domain_prefix", "sandbox_host"]
