"""The sandbox's state in SQLite: written per change, so a call costs the same on day one and after a whole class.

``cognito-mfa-kit sandbox --state FILE`` opens FILE once at start and loads it into moto's objects (the rules keep
working on those). After each call, the keys ``tracking`` recorded are looked up again and only their rows are
written (a user, a device, a token, a pool's settings ...), in one transaction, before the answer goes out: an
acknowledged change survives ``kill -9`` at any moment; a call that got no answer may be lost, nothing else.

- WAL journal, ``synchronous=NORMAL``: a commit is in the operating system's hands when it returns, so it survives
  the sandbox being killed at any moment (``kill -9``, a crash); only a power cut or an OS crash may lose the last
  commits (``synchronous=FULL`` would fsync each one: measured 3 ms a call under a class's load, a third of a
  call's time — see docs/benchmarks.md). Readers (``sandbox export``, another process) never wait for a writer.
- Schema versioned with ``PRAGMA user_version`` (migrations in :data:`MIGRATIONS`), and marked as this kit's with
  ``PRAGMA application_id``: a foreign or corrupt file is a clear error naming it, never a silent reset.
- A JSON state file of earlier versions is imported once, on first start (the JSON is kept as ``*.bak``).
- The file is mode 0600: it holds secrets (passwords, TOTP secrets, signing keys, refresh tokens, access keys).
- What expires is pruned by the ``janitor``; the store follows (it deletes the rows of what was dropped).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from . import rows
from .backend import SandboxBackend, find_pool, install, sandbox_backends
from .clock import CLOCK
from .credentials import Keyring
from .model import TOKEN_KINDS, SandboxUserPool
from .tracking import TRACKER, Key

#: "CMKS" — marks a file as this kit's sandbox store
APPLICATION_ID = 0x434D4B53
SQLITE_HEADER = b"SQLite format 3\x00"

_V1 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE pools (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE users (pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE, username TEXT NOT NULL, "
    "data TEXT NOT NULL, PRIMARY KEY (pool_id, username)) WITHOUT ROWID",
    "CREATE TABLE devices (pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE, device_key TEXT NOT NULL, "
    "data TEXT NOT NULL, PRIMARY KEY (pool_id, device_key)) WITHOUT ROWID",
    "CREATE TABLE tokens (pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE, kind TEXT NOT NULL, "
    "token TEXT NOT NULL, value TEXT, PRIMARY KEY (pool_id, kind, token))",
    "CREATE TABLE auth_times (pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE, origin_jti TEXT NOT NULL,"
    " auth_time INTEGER NOT NULL, PRIMARY KEY (pool_id, origin_jti)) WITHOUT ROWID",
    "CREATE TABLE sessions (id TEXT PRIMARY KEY, pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE, "
    "data TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE messages (id TEXT PRIMARY KEY, pool_id TEXT REFERENCES pools(id) ON DELETE CASCADE, "
    "data TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE clocks (pool TEXT PRIMARY KEY, offset REAL NOT NULL) WITHOUT ROWID",
    "CREATE TABLE principals (access_key_id TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID",
]
_V2 = [  # each pool's sign-in history (AdminListUserAuthEvents, the class view)
    "CREATE TABLE events (pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE, id TEXT NOT NULL, "
    "data TEXT NOT NULL, PRIMARY KEY (pool_id, id)) WITHOUT ROWID",
]
#: schema version → the statements that bring the previous version to it
MIGRATIONS: dict[int, list[str]] = {1: _V1, 2: _V2}
SCHEMA_VERSION = max(MIGRATIONS)

_TOKEN_ATTRIBUTE = {kind: attribute for attribute, kind in TOKEN_KINDS.items()}
_MISSING = object()


class StoreError(ValueError):
    """The state file can't be used; the message names it and says what to do."""


def _refuse(path: Path, problem: str) -> StoreError:
    return StoreError(
        f"{path}: {problem}. The file was left untouched. Move it away (or delete it) to start a fresh sandbox, or "
        "pass --state with another path."
    )


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def _backend_of(pool: SandboxUserPool) -> SandboxBackend:
    return sandbox_backends[pool.account_id][pool.region]


def _alive(pool_id: str) -> SandboxUserPool | None:
    return find_pool(pool_id)


def _aside(path: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{stamp}-{n}.bak")
    return target


class Store:
    """One sandbox's SQLite store. :meth:`open` it, :meth:`load` it once, :meth:`commit` after each change."""

    def __init__(self, path: Path, connection: sqlite3.Connection, *, imported_from: Path | None = None) -> None:
        self.path = path
        self._db = connection
        #: key → the text last written for it (so an unchanged object is not written again)
        self._written: dict[Key, str] = {}
        #: where a JSON state file of an earlier version was moved to after it was imported (None: nothing imported)
        self.imported_from = imported_from
        self.keyring: Keyring | None = None
        self.commits = 0

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | os.PathLike[str], *, readonly: bool = False,
             legacy_json: str | os.PathLike[str] | None = None) -> Store:
        """Open (or create) the store at ``path``. A JSON state file of an earlier version at ``path`` — or, when
        there is no store yet, at ``legacy_json`` — is imported (the JSON is kept as ``*.bak``)."""
        path = Path(path).expanduser().absolute()
        if legacy_json is not None and not readonly and not path.exists() and Path(legacy_json).exists():
            return cls._import_json(Path(legacy_json).expanduser().absolute(), path)
        head = b""
        try:
            with open(path, "rb") as fh:
                head = fh.read(16)
        except FileNotFoundError:
            if readonly:
                raise _refuse(path, "no sandbox state file here") from None
        except OSError as exc:
            raise _refuse(path, f"cannot read the sandbox state file ({exc.strerror or exc})") from exc
        if head and not head.startswith(SQLITE_HEADER):
            if head.lstrip()[:1] == b"{" and not readonly:
                return cls._import_json(path, path)
            raise _refuse(path, "not a cognito-mfa-kit sandbox state file (neither its SQLite store nor a JSON state "
                                "file of an earlier version)")
        if not head:
            if readonly:
                raise _refuse(path, "an empty file, not a sandbox state file")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        if not readonly:
            os.chmod(path, 0o600)
        uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
        db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        store = cls(path, db)
        try:
            store._check(fresh=not head, readonly=readonly)  # before anything is written to the file
            db.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            store.close()
            raise
        return store

    def _check(self, *, fresh: bool, readonly: bool) -> None:
        try:
            app_id = self._db.execute("PRAGMA application_id").fetchone()[0]
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if not fresh:
                status = self._db.execute("PRAGMA quick_check").fetchone()[0]
                if status != "ok":
                    raise _refuse(self.path, f"a corrupt sandbox store (SQLite says: {status})")
        except sqlite3.DatabaseError as exc:
            raise _refuse(self.path, f"a corrupt sandbox store ({exc})") from exc
        if app_id != APPLICATION_ID and not (app_id == 0 and tables == 0):
            raise _refuse(self.path, "an SQLite file, but not a cognito-mfa-kit sandbox store")
        if version > SCHEMA_VERSION:
            raise _refuse(self.path, f"a sandbox store of schema version {version}, written by a newer "
                                     f"cognito-mfa-kit (this one knows up to {SCHEMA_VERSION}); upgrade "
                                     "cognito-mfa-kit")
        if version < SCHEMA_VERSION:
            if readonly:
                raise _refuse(self.path, f"a sandbox store of an older schema ({version}): start the sandbox on it "
                                         "once to migrate it")
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        """Bring the schema from ``version`` to :data:`SCHEMA_VERSION`, one version per transaction."""
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._transaction():
                for statement in MIGRATIONS[target]:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {target}")
                self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    @classmethod
    def _import_json(cls, source: Path, path: Path) -> Store:
        """A JSON state file of an earlier version: load it, move it aside, and write it all into a new store at
        ``path`` (which may be where the JSON was)."""
        from . import state

        data = state.load(source)  # checked first: a corrupt JSON file stays where it is
        backup = _aside(source)
        source.rename(backup)
        store = cls.open(path)
        store.imported_from = backup
        store.write_all(state.principals_of(data))
        return store

    # ------------------------------------------------------------------ transactions
    @contextlib.contextmanager
    def _transaction(self) -> Any:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ------------------------------------------------------------------ loading
    def load(self, keyring: Keyring | None = None) -> None:
        """Put what the store holds into the sandbox (moto's backends, the clocks, ``keyring``)."""
        install()
        self.keyring = keyring
        select = self._db.execute
        with TRACKER.paused():
            for pool_id, account_id, region, data in select("SELECT id, account_id, region, data FROM pools"):
                rows.restore_pool(sandbox_backends[account_id][region], json.loads(data))
                self._written[("pool", pool_id)] = _text(json.loads(data))
            pools = {p.id: p for p in self._pools()}
            for pool_id, username, data in select("SELECT pool_id, username, data FROM users"):
                rows.restore_user(pools[pool_id], json.loads(data))
                self._written[("user", pool_id, username)] = _text(json.loads(data))
            for pool_id, key, data in select("SELECT pool_id, device_key, data FROM devices"):
                rows.restore_device(pools[pool_id], json.loads(data))
                self._written[("device", pool_id, key)] = _text(json.loads(data))
            for pool_id, origin, auth_time in select("SELECT pool_id, origin_jti, auth_time FROM auth_times"):
                pools[pool_id].auth_times[origin] = int(auth_time)
                self._written[("auth_time", pool_id, origin)] = _text(int(auth_time))
            for pool_id, kind, token, value in select("SELECT pool_id, kind, token, value FROM tokens"):
                rows.restore_token(pools[pool_id], _TOKEN_ATTRIBUTE[kind], token, json.loads(value))
                self._written[("token", pool_id, kind, token)] = value
            events = [(pool_id, event_id, json.loads(data))
                      for pool_id, event_id, data in select("SELECT pool_id, id, data FROM events")]
            for pool_id, event_id, data in sorted(events, key=lambda e: float(e[2].get("created") or 0)):
                rows.restore_event(pools[pool_id], data)
                self._written[("event", pool_id, event_id)] = _text(data)
            for session_id, pool_id, data in select("SELECT id, pool_id, data FROM sessions"):
                rows.restore_session(_backend_of(pools[pool_id]), json.loads(data))
                self._written[("session", session_id)] = _text(json.loads(data))
            for message_id, pool_id, data in select("SELECT id, pool_id, data FROM messages"):
                if pool_id in pools:
                    _backend_of(pools[pool_id]).outbox.append(json.loads(data))
                    self._written[("message", message_id)] = _text(json.loads(data))
            offsets = dict(select("SELECT pool, offset FROM clocks").fetchall())
            CLOCK.restore(offsets.pop("", 0.0), offsets)
            self._written[("clocks",)] = self._clocks_text()
            for access_key_id, data in select("SELECT access_key_id, data FROM principals"):
                self._written[("principal", access_key_id)] = _text(json.loads(data))
                if keyring is not None:
                    keyring.add(rows.restore_principal(json.loads(data)))

    @staticmethod
    def _pools() -> Iterable[SandboxUserPool]:
        from .backend import all_pools

        return all_pools()

    # ------------------------------------------------------------------ writing
    def commit(self, keys: list[Key]) -> int:
        """Write the rows of ``keys`` that changed, in one transaction; returns how many rows were written."""
        writes: list[tuple[str, tuple[Any, ...]]] = []
        done: list[tuple[Key, str | None]] = []
        for key in keys:
            row = self._row(key)
            text = None if row is _MISSING else row[1]
            if text is not None and self._written.get(key) == text:
                continue
            if text is None and key not in self._written:
                continue  # never written, already gone
            writes.extend(self._statements(key, None if row is _MISSING else row))
            done.append((key, text))
        if not writes:
            return 0
        try:
            with self._transaction():
                for sql, params in writes:
                    self._db.execute(sql, params)
        except sqlite3.Error:
            TRACKER.put_back(keys)
            raise
        for key, text in done:
            if text is None:
                self._written.pop(key, None)
                if key[0] == "pool":
                    self._forget_pool(key[1])
            else:
                self._written[key] = text
        self.commits += 1
        return len(writes)

    def write_all(self, principals: Iterable[Any] = ()) -> int:
        """Write everything the sandbox holds (after an import), in one transaction."""
        if self.keyring is None and principals:
            self.keyring = Keyring()
            for principal in principals:
                self.keyring.add(principal)
        return self.commit(self._every_key())

    def _every_key(self) -> list[Key]:
        keys: list[Key] = [("clocks",)]
        for pool in self._pools():
            keys.append(("pool", pool.id))
            keys += [("user", pool.id, name) for name in pool.users]
            keys += [("device", pool.id, key) for key in pool.devices.devices]
            keys += [("auth_time", pool.id, jti) for jti in pool.auth_times]
            keys += [("event", pool.id, event_id) for event_id in pool.events.events]
            for attribute, kind in TOKEN_KINDS.items():
                keys += [("token", pool.id, kind, token) for token in getattr(pool, attribute)]
        for account in list(sandbox_backends.values()):
            for region, backend in list(account.items()):
                if region != "global":
                    keys += [("session", s.id) for s in backend.sessions.all()]
                    keys += [("message", m["id"]) for m in backend.outbox]
        if self.keyring is not None:
            keys += [("principal", p.access_key_id) for p in self.keyring.all()]
        return keys

    def audit(self) -> list[Key]:
        """Keys whose object differs from what the store holds (a change nobody reported); none is expected."""
        return [key for key in self._every_key() if (row := self._row(key)) is not _MISSING
                and self._written.get(key) != row[1]]

    def _forget_pool(self, pool_id: str) -> None:
        for key in [k for k in self._written if len(k) > 1 and k[0] != "session" and k[1] == pool_id]:
            del self._written[key]

    def _row(self, key: Key) -> Any:
        """(identity, text) of what ``key`` names now, or _MISSING if it is gone."""
        kind = key[0]
        if kind == "clocks":
            return ("clocks", self._clocks_text())
        if kind == "principal":
            principal = self.keyring.get(key[1]) if self.keyring is not None else None
            return _MISSING if principal is None else (principal, _text(rows.dump_principal(principal)))
        if kind in ("session", "message"):
            return self._backend_row(kind, key[1])
        pool = _alive(key[1])
        if pool is None:
            return _MISSING
        if kind == "pool":
            return (pool, _text(rows.dump_pool(pool, _backend_of(pool))))
        if kind == "user":
            user = pool.users.get(key[2])
            return _MISSING if user is None else (pool, _text(rows.dump_user(user)))  # type: ignore[arg-type]
        if kind == "device":
            device = pool.devices.devices.get(key[2])
            return _MISSING if device is None else (pool, _text(rows.dump_device(device)))
        if kind == "event":
            event = pool.events.events.get(key[2])
            return _MISSING if event is None else (pool, _text(rows.dump_event(event)))
        if kind == "auth_time":
            auth_time = pool.auth_times.get(key[2])
            return _MISSING if auth_time is None else (pool, _text(int(auth_time)))
        if kind == "token":
            value = getattr(pool, _TOKEN_ATTRIBUTE[key[2]]).get(key[3], _MISSING)
            return _MISSING if value is _MISSING else (pool, _text(rows.dump_token(value)))
        raise ValueError(f"unknown change {key!r}")

    @staticmethod
    def _backend_row(kind: str, item_id: str) -> Any:
        for account in list(sandbox_backends.values()):
            for region, backend in list(account.items()):
                if region == "global":
                    continue
                if kind == "session":
                    session = backend.sessions.find(item_id)
                    if session is not None:
                        if _alive(session.pool_id) is None:
                            return _MISSING
                        return (session.pool_id, _text(rows.dump_session(session)))
                else:
                    message = backend.outbox.get(item_id)
                    if message is not None:
                        if message.get("pool") and _alive(str(message["pool"])) is None:
                            return _MISSING
                        return (message.get("pool"), _text(message))
        return _MISSING

    def _statements(self, key: Key, row: Any) -> list[tuple[str, tuple[Any, ...]]]:
        kind = key[0]
        if kind == "clocks":
            offsets = {"": CLOCK.offset, **CLOCK.pool_offsets()}
            return [("DELETE FROM clocks", ()),
                    *[("INSERT INTO clocks (pool, offset) VALUES (?, ?)", (p, o)) for p, o in offsets.items()]]
        if row is None:
            return [self._delete(key)]
        owner, text = row
        if kind == "pool":
            return [("INSERT INTO pools (id, account_id, region, data) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
                     " SET data = excluded.data", (owner.id, owner.account_id, owner.region, text))]
        if kind == "user":
            return [("INSERT OR REPLACE INTO users (pool_id, username, data) VALUES (?, ?, ?)", (key[1], key[2], text))]
        if kind == "device":
            return [("INSERT OR REPLACE INTO devices (pool_id, device_key, data) VALUES (?, ?, ?)",
                     (key[1], key[2], text))]
        if kind == "auth_time":
            return [("INSERT OR REPLACE INTO auth_times (pool_id, origin_jti, auth_time) VALUES (?, ?, ?)",
                     (key[1], key[2], int(text)))]
        if kind == "token":
            return [("INSERT OR REPLACE INTO tokens (pool_id, kind, token, value) VALUES (?, ?, ?, ?)",
                     (key[1], key[2], key[3], text))]
        if kind == "event":
            return [("INSERT OR REPLACE INTO events (pool_id, id, data) VALUES (?, ?, ?)", (key[1], key[2], text))]
        if kind == "session":
            return [("INSERT OR REPLACE INTO sessions (id, pool_id, data) VALUES (?, ?, ?)", (key[1], owner, text))]
        if kind == "message":
            return [("INSERT OR REPLACE INTO messages (id, pool_id, data) VALUES (?, ?, ?)", (key[1], owner, text))]
        if kind == "principal":
            return [("INSERT OR REPLACE INTO principals (access_key_id, data) VALUES (?, ?)", (key[1], text))]
        raise ValueError(f"unknown change {key!r}")

    @staticmethod
    def _delete(key: Key) -> tuple[str, tuple[Any, ...]]:
        kind = key[0]
        statements: dict[str, Callable[[Key], tuple[str, tuple[Any, ...]]]] = {
            "pool": lambda k: ("DELETE FROM pools WHERE id = ?", (k[1],)),
            "user": lambda k: ("DELETE FROM users WHERE pool_id = ? AND username = ?", (k[1], k[2])),
            "device": lambda k: ("DELETE FROM devices WHERE pool_id = ? AND device_key = ?", (k[1], k[2])),
            "auth_time": lambda k: ("DELETE FROM auth_times WHERE pool_id = ? AND origin_jti = ?", (k[1], k[2])),
            "token": lambda k: ("DELETE FROM tokens WHERE pool_id = ? AND kind = ? AND token = ?", (k[1], k[2], k[3])),
            "event": lambda k: ("DELETE FROM events WHERE pool_id = ? AND id = ?", (k[1], k[2])),
            "session": lambda k: ("DELETE FROM sessions WHERE id = ?", (k[1],)),
            "message": lambda k: ("DELETE FROM messages WHERE id = ?", (k[1],)),
            "principal": lambda k: ("DELETE FROM principals WHERE access_key_id = ?", (k[1],)),
        }
        return statements[kind](key)

    @staticmethod
    def _clocks_text() -> str:
        return _text({"": CLOCK.offset, **CLOCK.pool_offsets()})

    # ------------------------------------------------------------------ looking inside
    def counts(self) -> dict[str, int]:
        """Rows per table (for a trainer's look, and the benchmarks)."""
        tables = ["pools", "users", "devices", "tokens", "auth_times", "sessions", "messages", "principals", "events"]
        return {t: int(self._db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}  # noqa: S608

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
