"""The sandbox state file: pools, users, TOTP secrets, keys, devices, refresh tokens and the clock, across restarts.

``cognito-mfa-kit sandbox --state FILE`` loads FILE once at start (a missing file is a fresh sandbox) and saves it
after each mutating cognito-idp call and each clock move. The file is JSON with a header::

    {"format": "cognito-mfa-kit/sandbox-state", "version": 1, "saved_at": "...", "clock_offset": 0.0,
     "backends": [{"account_id": "...", "region": "...", "pools": [...]}]}

It holds secrets (passwords, TOTP secrets, client secrets, signing keys, refresh tokens), so it is written with mode
0600, atomically (a temporary file in the same folder, fsync, ``os.replace``). Sign-in sessions are not kept: they
expire within minutes anyway. A corrupt or foreign file raises :class:`ValueError` and is left as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import jwt
from moto.cognitoidp.models import (
    CognitoIdpGroup,
    CognitoIdpUser,
    CognitoIdpUserPoolAttribute,
    UserStatus,
)

from .backend import SandboxBackend, SandboxUserPool, UserMfa, install, mfa, sandbox_backends
from .clock import CLOCK
from .devices import Device
from .jwt_keys import PoolKey

FORMAT = "cognito-mfa-kit/sandbox-state"
VERSION = 1
_USER_MFA_FIELDS = {f.name for f in fields(UserMfa)}
_DEVICE_FIELDS = {f.name for f in fields(Device)}


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else None


def _parse_when(value: str | None, default: dt.datetime) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if value else default


def _live(tokens: dict[str, Any], now: float) -> dict[str, Any]:
    """The tokens of ``tokens`` (JWT → value) that have not expired on the sandbox clock."""
    kept = {}
    for token, value in tokens.items():
        try:
            exp = jwt.decode(token, options={"verify_signature": False}).get("exp", 0)
        except jwt.PyJWTError:
            continue
        if exp >= now:
            kept[token] = list(value)
    return kept


# ---------------------------------------------------------------------------------------------------- dump
def _dump_user(user: CognitoIdpUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "password": user.password,
        "status": str(getattr(user.status, "value", user.status)),
        "enabled": user.enabled,
        "attributes": [dict(a) for a in user.attributes],
        "confirmation_code": user.confirmation_code,
        "create_date": _when(user.create_date),
        "last_modified_date": _when(user.last_modified_date),
        "token_verified": user.token_verified,
        "software_token_mfa_enabled": user.software_token_mfa_enabled,
        "sms_mfa_enabled": user.sms_mfa_enabled,
        "preferred_mfa_setting": user.preferred_mfa_setting,
        "groups": sorted(g.group_name for g in user.groups),
        "mfa": asdict(mfa(user)),
    }


def _dump_pool(pool: SandboxUserPool, now: float) -> dict[str, Any]:
    return {
        "id": pool.id,
        "arn": pool.arn,
        "name": pool.name,
        "status": pool.status,
        "creation_date": _when(pool.creation_date),
        "last_modified_date": _when(pool.last_modified_date),
        "extended_config": pool.extended_config,
        "schema_attributes": [vars(a) for a in pool.schema_attributes.values()],
        "mfa_config": pool.mfa_config,
        "sms_mfa_config": pool.sms_mfa_config,
        "token_mfa_config": pool.token_mfa_config,
        "key": {"pem": pool.key.pem, "kid": pool.key.kid},
        "clients": [
            {
                "id": c.id,
                "secret": c.secret,
                "generate_secret": c.generate_secret,
                "extended_config": c.extended_config,
            }
            for c in pool.clients.values()
        ],
        "groups": [
            {
                "name": g.group_name,
                "description": g.description,
                "role_arn": g.role_arn,
                "precedence": g.precedence,
            }
            for g in pool.groups.values()
        ],
        "users": [_dump_user(u) for u in pool.users.values()],
        "devices": [asdict(d) for d in pool.devices.devices.values()],
        "refresh_tokens": {t: (list(v) if v is not None else None) for t, v in pool.refresh_tokens.items()},
        "access_tokens": _live(pool.access_tokens, now),
        "id_tokens": _live(pool.id_tokens, now),
        "auth_times": dict(pool.auth_times),
    }


def snapshot() -> dict[str, Any]:
    """The sandbox's state as a JSON-ready dict (the caller holds the server's lock)."""
    backends = []
    for account_id, account in list(sandbox_backends.items()):
        for region, backend in list(account.items()):
            if region == "global" or not backend.user_pools:
                continue
            backends.append(
                {
                    "account_id": account_id,
                    "region": region,
                    "pools": [_dump_pool(p, CLOCK.now(p.id)) for p in backend.user_pools.values()],  # type: ignore[arg-type]
                }
            )
    return {
        "format": FORMAT,
        "version": VERSION,
        "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "clock_offset": CLOCK.offset,
        "clock_pools": CLOCK.pool_offsets(),
        "backends": backends,
    }


# ---------------------------------------------------------------------------------------------------- restore
def _restore_user(pool: SandboxUserPool, saved: dict[str, Any]) -> CognitoIdpUser:
    user = CognitoIdpUser(pool.id, saved["username"], saved["password"], UserStatus(saved["status"]), [])
    user.id = saved["id"]
    user.attributes = [dict(a) for a in saved["attributes"]]  # in their order, with the saved "sub"
    user.attribute_lookup = {a["Name"]: a["Value"] for a in user.attributes}
    user.enabled = bool(saved["enabled"])
    user.confirmation_code = saved.get("confirmation_code")
    user.create_date = _parse_when(saved.get("create_date"), user.create_date)
    user.last_modified_date = _parse_when(saved.get("last_modified_date"), user.last_modified_date)
    user.token_verified = bool(saved["token_verified"])
    user.software_token_mfa_enabled = bool(saved["software_token_mfa_enabled"])
    user.sms_mfa_enabled = bool(saved["sms_mfa_enabled"])
    user.preferred_mfa_setting = saved.get("preferred_mfa_setting")
    user.sandbox_mfa = UserMfa(**{k: v for k, v in saved["mfa"].items() if k in _USER_MFA_FIELDS})  # type: ignore[attr-defined]
    for name in saved.get("groups", []):
        group = pool.groups.get(name)
        if group is not None:
            group.users.add(user)
            user.groups.add(group)
    return user


def _restore_pool(backend: SandboxBackend, saved: dict[str, Any]) -> SandboxUserPool:
    # Built by the backend (its own id, key and stores), then given back its saved id and contents. The saved
    # extended config is set afterwards so that CreateUserPool's checks don't run against an existing pool.
    pool: SandboxUserPool = backend.create_user_pool(saved["name"], {})  # type: ignore[assignment]
    del backend.user_pools[pool.id]
    pool.id, pool.arn = saved["id"], saved["arn"]
    backend.user_pools[pool.id] = pool
    pool.status = saved.get("status")
    pool.creation_date = _parse_when(saved.get("creation_date"), pool.creation_date)
    pool.last_modified_date = _parse_when(saved.get("last_modified_date"), pool.last_modified_date)
    pool.extended_config = saved["extended_config"]
    if saved.get("schema_attributes"):
        pool.schema_attributes = {}
        for attrs in saved["schema_attributes"]:
            attribute = CognitoIdpUserPoolAttribute.__new__(CognitoIdpUserPoolAttribute)
            attribute.__dict__.update(attrs)
            pool.schema_attributes[attribute.name] = attribute
    pool.mfa_config = saved["mfa_config"]
    pool.sms_mfa_config = saved.get("sms_mfa_config")
    pool.token_mfa_config = saved.get("token_mfa_config")
    pool.key = PoolKey(saved["key"]["pem"], saved["key"]["kid"])
    for c in saved["clients"]:
        client = backend.create_user_pool_client(pool.id, bool(c["generate_secret"]), c["extended_config"])
        del pool.clients[client.id]
        client.id, client.secret = c["id"], c["secret"]
        client.extended_config = c["extended_config"]
        pool.clients[client.id] = client
    for g in saved.get("groups", []):
        pool.groups[g["name"]] = CognitoIdpGroup(pool.id, g["name"], g["description"], g["role_arn"],
                                                 g["precedence"])
    for u in saved["users"]:
        user = _restore_user(pool, u)
        pool.users[user.username] = user
    for d in saved.get("devices", []):
        device = Device(**{k: v for k, v in d.items() if k in _DEVICE_FIELDS})
        pool.devices.add(device)
    pool.refresh_tokens = {t: (tuple(v) if v is not None else None) for t, v in saved["refresh_tokens"].items()}
    pool.access_tokens = {t: tuple(v) for t, v in saved.get("access_tokens", {}).items()}
    pool.id_tokens = {t: tuple(v) for t, v in saved.get("id_tokens", {}).items()}
    pool.auth_times = {k: int(v) for k, v in saved.get("auth_times", {}).items()}
    return pool


def restore(state: dict[str, Any]) -> None:
    """Put a :func:`snapshot` back into the sandbox (pools of the same id are replaced)."""
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
        for backend, pool_id in added:  # all or nothing
            backend.user_pools.pop(pool_id, None)
        raise


# ---------------------------------------------------------------------------------------------------- the file
class StateFile:
    """One state file: :meth:`load` at start, :meth:`save` after each change."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser().absolute()

    def _refuse(self, problem: str) -> ValueError:
        return ValueError(
            f"{self.path}: {problem}. The file was left untouched. Move it away (or delete it) to start a fresh "
            f"sandbox, or pass --state with another path."
        )

    def read(self) -> dict[str, Any] | None:
        """The checked contents of the file, or None when there is no file."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._refuse(f"cannot read the sandbox state file ({exc.strerror or exc})") from exc
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self._refuse(f"not a readable sandbox state file: corrupt or truncated JSON ({exc})") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise self._refuse(f'not a cognito-mfa-kit sandbox state file (no "format": "{FORMAT}" header)')
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self._refuse(f"sandbox state file with an invalid version {version!r}")
        if version > VERSION:
            raise self._refuse(
                f"sandbox state file version {version} was written by a newer cognito-mfa-kit "
                f"(this one reads version {VERSION}); upgrade cognito-mfa-kit"
            )
        if not isinstance(data.get("backends"), list):
            raise self._refuse('sandbox state file without its "backends" list (corrupt)')
        return data

    def load(self) -> bool:
        """Restore the sandbox from the file; False when there is no file yet (a fresh sandbox)."""
        data = self.read()
        if data is None:
            return False
        try:
            restore(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self._refuse(f"sandbox state file with unexpected contents (corrupt: {exc!r})") from exc
        return True

    def save(self) -> None:
        """Write the sandbox's state atomically, mode 0600."""
        from .backend import LOCK  # the backends change only under it; re-entrant when the caller holds it

        with LOCK:  # written under the lock too, so that an older snapshot never replaces a newer one
            text = json.dumps(snapshot(), separators=(",", ":"))
            write_atomically(self.path, text.encode())


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a reader sees the old file or the new one, never a mix (mode 0600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
