"""The sandbox's state as one JSON document: what ``cognito-mfa-kit sandbox export`` writes, and the format of the
state files of earlier versions, which the SQLite store imports once (``store``).

    {"format": "cognito-mfa-kit/sandbox-state", "version": 1, "saved_at": "...", "clock_offset": 0.0,
     "clock_pools": {pool id: offset}, "backends": [{"account_id": "...", "region": "...", "pools": [...]}],
     "principals": [...]}

Each pool carries its settings, users, devices and tokens (``rows`` builds each part). A corrupt or foreign file
raises :class:`ValueError` and is left as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from . import rows
from .backend import SandboxBackend, SandboxUserPool, install, sandbox_backends
from .clock import CLOCK
from .janitor import jwt_expiry
from .model import TOKEN_KINDS
from .tracking import TRACKER

FORMAT = "cognito-mfa-kit/sandbox-state"
VERSION = 1


def _live(tokens: dict[str, Any], now: float) -> dict[str, Any]:
    """The tokens of ``tokens`` (JWT → value) that have not expired on the pool's clock."""
    return {token: list(value) for token, value in tokens.items() if jwt_expiry(token) >= now}


def _dump_pool(pool: SandboxUserPool, backend: SandboxBackend) -> dict[str, Any]:
    now = CLOCK.now(pool.id)
    return {
        **rows.dump_pool(pool, backend),
        "users": [rows.dump_user(u) for u in pool.users.values()],  # type: ignore[arg-type]
        "devices": [rows.dump_device(d) for d in pool.devices.devices.values()],
        "refresh_tokens": {t: rows.dump_token(v) for t, v in pool.refresh_tokens.items()},
        "access_tokens": _live(pool.access_tokens, now),
        "id_tokens": _live(pool.id_tokens, now),
        "revoked_tokens": {t: exp for t, exp in pool.revoked_tokens.items() if exp >= now},
        "auth_times": dict(pool.auth_times),
    }


def snapshot(principals: list[Any] | None = None) -> dict[str, Any]:
    """The sandbox's state as a JSON-ready dict (the caller holds the backend's lock)."""
    backends = []
    for account_id, account in list(sandbox_backends.items()):
        for region, backend in list(account.items()):
            if region == "global" or not backend.user_pools:
                continue
            backends.append({
                "account_id": account_id,
                "region": region,
                "pools": [_dump_pool(p, backend) for p in backend.user_pools.values()],
            })
    return {
        "format": FORMAT,
        "version": VERSION,
        "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "clock_offset": CLOCK.offset,
        "clock_pools": CLOCK.pool_offsets(),
        "backends": backends,
        "principals": [rows.dump_principal(p) for p in principals or []],
    }


def _restore_pool(backend: SandboxBackend, saved: dict[str, Any]) -> SandboxUserPool:
    pool = rows.restore_pool(backend, saved)
    for u in saved["users"]:
        rows.restore_user(pool, u)
    for d in saved.get("devices", []):
        rows.restore_device(pool, d)
    for attribute in TOKEN_KINDS:
        for token, value in (saved.get(attribute) or {}).items():
            rows.restore_token(pool, attribute, token, value)
    pool.auth_times.update({k: int(v) for k, v in saved.get("auth_times", {}).items()})
    return pool


def restore(state: dict[str, Any]) -> None:
    """Put a :func:`snapshot` back into the sandbox (pools of the same id are replaced); all or nothing."""
    install()
    added: list[tuple[SandboxBackend, str]] = []
    try:
        for entry in state["backends"]:
            backend: SandboxBackend = sandbox_backends[entry["account_id"]][entry["region"]]
            for saved in entry["pools"]:
                backend.user_pools.pop(saved["id"], None)
                added.append((backend, _restore_pool(backend, saved).id))
        CLOCK.restore(state.get("clock_offset", 0.0), state.get("clock_pools") or {})
    except Exception:
        with TRACKER.paused():
            for backend, pool_id in added:
                backend.user_pools.pop(pool_id, None)
        raise


def principals_of(state: dict[str, Any]) -> list[Any]:
    """The access keys a snapshot carries."""
    return [rows.restore_principal(p) for p in state.get("principals") or []]


def _refuse(path: Path, problem: str) -> ValueError:
    return ValueError(
        f"{path}: {problem}. The file was left untouched. Move it away (or delete it) to start a fresh sandbox, "
        "or pass --state with another path."
    )


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked contents of a JSON state file (:class:`ValueError` saying what is wrong otherwise)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _refuse(path, f"cannot read the sandbox state file ({exc.strerror or exc})") from exc
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _refuse(path, f"not a readable sandbox state file: corrupt or truncated JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _refuse(path, f'not a cognito-mfa-kit sandbox state file (no "format": "{FORMAT}" header)')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _refuse(path, f"sandbox state file with an invalid version {version!r}")
    if version > VERSION:
        raise _refuse(path, f"sandbox state file version {version} was written by a newer cognito-mfa-kit (this one "
                            f"reads version {VERSION}); upgrade cognito-mfa-kit")
    if not isinstance(data.get("backends"), list):
        raise _refuse(path, 'sandbox state file without its "backends" list (corrupt)')
    return data


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a JSON state file and restore it into the sandbox; returns what was read."""
    data = read(path)
    try:
        restore(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _refuse(Path(path), f"sandbox state file with unexpected contents (corrupt: {exc!r})") from exc
    return data
