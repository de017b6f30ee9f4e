"""The TOTP enrolment card: QR code, the setup key (masked, with Reveal and Copy), issuer and account name."""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as widgets
import traitlets

from ..totp import DEFAULT_ISSUER, Clock, VirtualAuthenticator, key_uri, normalise_secret, qr_png
from .authenticator import VirtualAuthenticatorView
from .feedback import StatusLine
from .restart import add_restart_note

# The browser copies the key with navigator.clipboard from the button's own click. Where that is missing (a page
# served over plain http from another host is not a secure context) or refused (clipboard-write denied), it
# selects the key on the card instead, for Ctrl+C. Nothing is thrown, so nothing reaches the browser console.
_COPY_JS = (
    "const b=this,k={key};"
    "const sel=()=>{{const c=b.closest('.cmk-enrolment-card');const t=c&&c.querySelector('.cmk-setup-key code');"
    "if(t){{const r=document.createRange();r.selectNodeContents(t);const s=window.getSelection();"
    "s.removeAllRanges();s.addRange(r);}}b.textContent='Selected: press Ctrl+C';}};"
    "if(navigator.clipboard&&window.isSecureContext){{navigator.clipboard.writeText(k)"
    ".then(()=>{{b.textContent='Copied';}},sel);}}else{{sel();}}"
)


def _copy_button(secret: str) -> str:
    """The Copy button's HTML (``cmk-copy-button``): clipboard, else the key selected for Ctrl+C."""
    script = _COPY_JS.format(key=json.dumps(secret))
    return ("<button class='jupyter-button cmk-copy-button' title='Copy the setup key' "
            f"onclick=\"{html.escape(script, quote=True)}\">Copy</button>")


class TotpEnrolmentCard(widgets.VBox):
    """What a trainee needs to add the account to an authenticator app.

    - the QR code of the key URI (``cmk-qr``), redrawn when issuer or account name change (``cmk-issuer``,
      ``cmk-account``); a value the key URI can't carry (``:``, an empty account) is refused and the QR kept;
    - the setup key, masked until the Reveal toggle (``cmk-reveal``) is pressed, masked again when released;
      while revealed, a Copy button (``cmk-copy``) copies it in the browser (or selects it for Ctrl+C);
    - a virtual authenticator (``cmk-virtual-code``) with a live countdown, on ``clock``.
    """

    issuer = traitlets.Unicode(DEFAULT_ISSUER)
    account_name = traitlets.Unicode("trainee")
    uri = traitlets.Unicode("")
    revealed = traitlets.Bool(False)

    def __init__(
        self,
        secret: str,
        *,
        account_name: str = "trainee",
        issuer: str = DEFAULT_ISSUER,
        clock: Clock | None = None,
        virtual: bool = True,
        autostart: bool = True,
    ) -> None:
        self._secret = normalise_secret(secret)
        self.qr = widgets.Image(format="png", layout=widgets.Layout(width="220px", height="220px"))
        self.qr.add_class("cmk-qr")
        self.issuer_field = widgets.Text(value=issuer, description="Issuer", continuous_update=False)
        self.issuer_field.add_class("cmk-issuer")
        self.account_field = widgets.Text(value=account_name, description="Account", continuous_update=False)
        self.account_field.add_class("cmk-account")
        self.key_display = widgets.HTML()
        self.key_display.add_class("cmk-setup-key")
        self.reveal = widgets.ToggleButton(value=False, description="Reveal", icon="eye",
                                           tooltip="Show the setup key (it is the second factor: keep it private)")
        self.reveal.add_class("cmk-reveal")
        self.copy = widgets.HTML("")
        self.copy.add_class("cmk-copy")
        self.status = StatusLine()
        self.authenticator = VirtualAuthenticator(self._secret, clock, account_name=account_name, issuer=issuer)
        self.virtual: VirtualAuthenticatorView | None = (
            VirtualAuthenticatorView(self.authenticator, autostart=autostart) if virtual else None
        )
        self._apply(issuer, account_name)
        self.issuer_field.observe(self._fields_changed, names="value")
        self.account_field.observe(self._fields_changed, names="value")
        self.reveal.observe(lambda change: self.set_revealed(bool(change["new"])), names="value")
        self._draw_key()
        left = widgets.VBox([self.qr], layout=widgets.Layout(min_width="230px"))
        right = widgets.VBox([
            widgets.HTML("<b>Scan the QR code</b> with an authenticator app, or enter the setup key by hand "
                         "(type of key: <i>Time based</i>)."),
            self.issuer_field, self.account_field,
            widgets.HBox([self.key_display, self.reveal, self.copy]),
            *([self.virtual] if self.virtual is not None else []),
            self.status,
        ])
        super().__init__([widgets.HBox([left, right])])
        add_restart_note(self)
        self.add_class("cmk-enrolment-card")

    @property
    def secret(self) -> str:
        """The setup key (unmasked: handle with care)."""
        return self._secret

    # -- QR ---------------------------------------------------------------------------------------
    def _apply(self, issuer: str, account_name: str) -> None:
        uri = key_uri(self._secret, account_name, issuer)  # raises ValueError for what a URI can't carry
        self.qr.value = qr_png(uri)
        self.uri = uri
        self.issuer, self.account_name = issuer, account_name
        self.authenticator.issuer, self.authenticator.account_name = issuer, account_name
        if self.virtual is not None:
            self.virtual.tick()

    def _fields_changed(self, _change: dict[str, Any] | None = None) -> None:
        issuer, account = self.issuer_field.value, self.account_field.value
        if (issuer, account) == (self.issuer, self.account_name):
            return
        try:
            self._apply(issuer, account)
        except ValueError as exc:
            self.status.refuse(f"QR not redrawn: {exc}. The QR code above is still for "
                               f"{self.issuer or '(no issuer)'}:{self.account_name}.")
            return
        except Exception as exc:  # noqa: BLE001 - never raise into the notebook
            self.status.error(exc)
            return
        self.status.ok(f"QR code redrawn for {issuer or '(no issuer)'}:{account}.")

    # -- key ----------------------------------------------------------------------------------------
    def set_revealed(self, revealed: bool) -> None:
        """Show (True) or mask (False) the setup key; Copy exists only while it is shown."""
        self.revealed = revealed
        if self.reveal.value != revealed:
            self.reveal.value = revealed
        self.reveal.description = "Hide" if revealed else "Reveal"
        self.reveal.icon = "eye-slash" if revealed else "eye"
        self._draw_key()

    def _draw_key(self) -> None:
        if self.revealed:
            grouped = " ".join(self._secret[i:i + 4] for i in range(0, len(self._secret), 4))
            self.key_display.value = (f"<code style='user-select:all'>{html.escape(grouped)}</code>")
            self.copy.value = _copy_button(self._secret)
        else:
            self.key_display.value = f"<code>{'•' * 12}</code> <small>({len(self._secret)} characters, masked)</small>"
            self.copy.value = "<small>Reveal to copy</small>"

    def stop(self) -> None:
        if self.virtual is not None:
            self.virtual.stop()

    def close(self) -> None:
        self.stop()
        super().close()
