"""The token viewer: the claims of the ID and access tokens, verified against the pool's keys."""

from __future__ import annotations

import html
import time
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from ..journal import mask_value
from ..tokens import TokenClaims, decode_unverified, issuer_url, jwks_url, verify
from .feedback import StatusLine
from .restart import add_restart_note

#: The claims that matter for MFA, in display order.
CLAIMS = ("token_use", "username", "client_id", "auth_time", "iat", "exp")


def _token_strings(tokens: Any) -> dict[str, str]:
    """``{"id": ..., "access": ...}`` from an AuthenticationResult dict or an object with those attributes."""
    found: dict[str, str] = {}
    for use, keys in (("id", ("IdToken", "id_token")), ("access", ("AccessToken", "access_token"))):
        for key in keys:
            value = tokens.get(key) if isinstance(tokens, Mapping) else getattr(tokens, key, None)
            if isinstance(value, str) and value:
                found[use] = value
                break
    return found


def _when(epoch: int | None) -> str:
    if epoch is None:
        return "—"
    return f"{epoch} ({time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(epoch))} UTC)"


class TokenViewer(widgets.VBox):
    """Shows the MFA-relevant claims of the tokens (``cmk-tokens``), each token masked.

    ``show(tokens, pool_id=..., client_id=...)`` verifies each token (signature from the pool's JWKS, issuer,
    client, times on the lab's clock); a token that fails verification is shown decoded but marked NOT
    verified, with the reason explained.
    """

    def __init__(self, lab: Any) -> None:
        self.lab = lab
        self.table = widgets.HTML("<i>No tokens yet.</i>")
        self.table.add_class("cmk-token-claims")
        self.status = StatusLine()
        self.claims: dict[str, TokenClaims] = {}
        self.verified: dict[str, bool] = {}
        super().__init__([widgets.HTML("<b>Tokens</b>"), self.table, self.status])
        add_restart_note(self)
        self.add_class("cmk-tokens")

    def show(self, tokens: Any, *, pool_id: str, client_id: str | None = None) -> None:
        """Verify and display ``tokens`` (never raises)."""
        self.claims, self.verified = {}, {}
        problems: list[Exception] = []
        try:
            strings = _token_strings(tokens)
            endpoint = self.lab.target.endpoint_url if self.lab.target.kind != "aws" else None
            url = jwks_url(pool_id, region=self.lab.region, endpoint_url=endpoint)
            now = (self.lab.clock_for(pool_id) if hasattr(self.lab, "clock_for") else self.lab.clock).now()
            for use, token in strings.items():
                try:
                    self.claims[use] = verify(token, jwks_url=url, issuer=issuer_url(pool_id, region=self.lab.region),
                                              client_id=client_id, token_use=use, now=now)
                    self.verified[use] = True
                except Exception as exc:  # noqa: BLE001 - never raise into the notebook: the viewer says why
                    problems.append(exc)
                    self.claims[use] = decode_unverified(token)
                    self.verified[use] = False
            self.table.value = self._render(strings, now)
        except Exception as exc:  # noqa: BLE001 - never raise into the notebook: the viewer says why
            self.status.error(exc)
            return
        if problems:
            self.status.error(problems[0])
        elif self.claims:
            self.status.ok("Signatures, issuer, client and times verified against the pool's public keys.")
        else:
            self.status.refuse("No ID or access token in what was given.")

    def _render(self, strings: dict[str, str], now: float) -> str:
        e = html.escape
        rows = []
        for use, claims in self.claims.items():
            mark = "verified" if self.verified.get(use) else "NOT verified"
            rows.append(f"<tr><th colspan='2' style='text-align:left'>{e(use)} token "
                        f"<code>{e(str(mask_value(strings[use])))}</code> — {mark}</th></tr>")
            for name in CLAIMS:
                value = getattr(claims, name)
                shown = _when(value) if name in ("auth_time", "iat", "exp") else ("—" if value is None else str(value))
                rows.append(f"<tr><td><code>{e(name)}</code></td><td>{e(shown)}</td></tr>")
            left = claims.expires_in(now)
            if left is not None:
                rows.append(f"<tr><td><i>expires in</i></td><td>{left:.0f} s</td></tr>")
            amr = claims.raw.get("amr")
            if amr:
                rows.append(f"<tr><td><code>amr</code></td><td>{e(str(amr))}</td></tr>")
        return "<table class='cmk-token-table'>" + "".join(rows) + "</table>"
