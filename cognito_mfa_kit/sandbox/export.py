"""``cognito-mfa-kit sandbox export``: what a state file holds, as one readable JSON document.

Reads the SQLite store read-only (a sandbox may be running on it: WAL lets it) into this process, then writes the
JSON state format (``state.snapshot``) with the secrets masked — passwords, TOTP secrets, signing keys, client
secrets, access keys, codes, tokens — unless ``reveal``.
"""

from __future__ import annotations

from typing import Any

from . import state
from .backend import LOCK
from .credentials import Keyring
from .store import Store

MASK = "<masked>"
#: keys whose values are secrets, wherever they appear in the document
SECRET_KEYS = frozenset({
    "password", "secret", "pending", "pem", "secret_access_key", "confirmation_code", "code", "verifier_hex",
    "salt_hex", "ClientSecret", "client_secret",
})
#: dicts whose *keys* are secrets (tokens), shown as their count
TOKEN_DICTS = frozenset({"refresh_tokens", "access_tokens", "id_tokens", "revoked_tokens"})


def masked(value: Any, key: str = "") -> Any:
    """``value`` with every secret replaced by :data:`MASK` (tokens: numbered placeholders)."""
    if key in TOKEN_DICTS and isinstance(value, dict):
        return {f"{MASK} #{n}": masked(v) for n, v in enumerate(value.values(), 1)}
    if key in SECRET_KEYS and value not in (None, ""):
        return MASK
    if isinstance(value, dict):
        return {k: masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, key) for v in value]
    return value


def export_state(path: str, *, reveal: bool = False) -> dict[str, Any]:
    """The state file at ``path`` as a JSON-ready document (secrets masked unless ``reveal``)."""
    store = Store.open(path, readonly=True)
    try:
        keyring = Keyring()
        with LOCK:
            store.load(keyring)
            document = state.snapshot(keyring.all())
            document["rows"] = store.counts()
    finally:
        store.close()
    document["source"] = str(store.path)
    document["secrets"] = "shown" if reveal else "masked (export --reveal shows them)"
    return document if reveal else masked(document)
