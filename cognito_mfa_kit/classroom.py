"""Provisioning a class: one trainee user each (in one shared pool, or a pool each), and a sheet to hand out.

>>> caller = QuotaCaller(single_attempt_client(lab))
>>> report = provision(caller, usernames_for_count(20), "sheet.csv", run_id="course", region=lab.region,
...                    endpoint_url=lab.target.endpoint_url)
>>> teardown(caller, run_id="course", sheet="sheet.csv", region=lab.region, endpoint_url=lab.target.endpoint_url)

Quota-aware: every call goes through a :class:`~cognito_mfa_kit.ratelimit.QuotaCaller` (client-side limiter at
Cognito's quotas, explicit backoff loop on ``TooManyRequestsException``).

Resumable, and checked: the sheet is a claim, the target is the truth.

- A second run first checks that the sheet was written for this target (endpoint, region, account: else
  :class:`~cognito_mfa_kit.classroom_sheet.SheetTargetMismatch`, unless ``rebuild=True``), then that the target
  holds what it names (:func:`verify_sheet`: ListUsers pages per pool, not a call per user). A row whose user is
  gone is made again with a new temporary password; a row whose pool is gone gets the pool back (found by name
  and tag, or created, as a first run would) and its user made again. ``rebuild=True`` does that for every row.
- A row is (re)made in three steps, each safe to interrupt: the sheet is rewritten (atomically) with the row's
  password left empty, the user is created (or, if it exists, given the new temporary password with
  AdminSetUserPassword, Permanent=False), then the sheet is rewritten with the password. A run that finds a row
  without a password does it again: a row with a password is always the one the target holds.
- New trainees are appended (flushed to disk) as soon as they are ready; for a user that exists without a row
  (the run stopped between the two) a fresh temporary password is set. No duplicates, no lost trainee.

The sheet carries the trainees' temporary passwords (the one secret it must carry): it is written with mode 0600.
"""

from __future__ import annotations

import concurrent.futures
import csv
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from .classroom_sheet import (
    SHEET_FIELDS,
    SheetTarget,
    SheetTargetMismatch,
    Trainee,
    check_target,
    load_sheet,
    read_sheet,
    rewrite_sheet,
)
from .classroom_sheet import SheetAppender as _Appender
from .cleanup import CleanupResult, cleanup, describe_kit_pool, list_pools
from .naming import NAME_PREFIX, TAG_KEY
from .ratelimit import CallStats, QuotaCaller

__all__ = [
    "SHEET_FIELDS", "ProvisionReport", "SheetCheck", "SheetTarget", "SheetTargetMismatch", "StaleSheetError",
    "TeardownResult", "Trainee", "pool_name", "provision", "read_roster", "read_sheet", "rewrite_sheet", "teardown",
    "temporary_password", "usernames_for_count", "verify_sheet",
]

#: The app client every classroom pool gets (no secret, so trainees can sign in from a notebook).
CLIENT_NAME = "cmk-classroom"
CLIENT_AUTH_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
_USERNAME = re.compile(r"^[\w.@+-]{1,128}$")
# no look-alikes (0/O, 1/l/I): the sheet may be printed and typed by hand
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_SYMBOLS = "!#%*+-=?@^_"

#: why a row of the sheet is not (all) on the target
POOL_MISSING = "pool missing"
USER_MISSING = "user missing"

_PROVISION_HINT = (
    "To start afresh on this target, write a new sheet (--out NEW.csv), or recreate every row of the sheet here, "
    "with new temporary passwords, and rewrite it (--rebuild; rebuild=True in Python)."
)
_SAME_SERVER_HINT = " If it is the same server under another address, use the sheet's: --endpoint-url {url}."

#: the sheet is rewritten about this many times while rows are made again (each rewrite is a whole file + fsync)
_REWRITES = 25

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class ProvisionReport:
    """What :func:`provision` did."""

    sheet: Path
    total: int = 0  # usernames asked for
    rows: int = 0  # rows on the sheet at the end
    already_on_sheet: int = 0  # of the usernames asked for
    verified: int = 0  # rows found on the target as the sheet says (user in its pool)
    recreated: int = 0  # rows made again on the target, with a new temporary password
    created: int = 0  # new rows: users created
    existed: int = 0  # new rows: users found without a row, temporary password reset
    pools_created: int = 0
    clients_created: int = 0  # app clients made again in pools whose client was gone
    keys_issued: int = 0  # trainee keys written to the sheet (a sandbox that requires credentials)
    rebuilt: bool = False
    recreated_usernames: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stats: CallStats = field(default_factory=CallStats)


def pool_name(run_id: str, username: str | None = None) -> str:
    """``cmk-classroom-<run>`` (shared pool) or ``cmk-classroom-<run>-<username>`` (a pool per trainee)."""
    base = f"{NAME_PREFIX}classroom-{run_id}"
    return base if username is None else f"{base}-{username}"


def usernames_for_count(count: int, prefix: str = "trainee") -> list[str]:
    """``trainee-001`` ... ``trainee-<count>``."""
    if count < 1:
        raise ValueError("count must be at least 1")
    width = max(3, len(str(count)))
    return [f"{prefix}-{i:0{width}d}" for i in range(1, count + 1)]


def read_roster(path: str | Path) -> list[str]:
    """Usernames from a CSV roster: a ``username`` column (header row), or one name per line."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError(f"{path}: the roster is empty")
    header = [cell.strip().lower() for cell in rows[0]]
    if "username" in header:
        column = header.index("username")
        names = [row[column].strip() for row in rows[1:] if len(row) > column and row[column].strip()]
    else:
        names = [row[0].strip() for row in rows]
    bad = [n for n in names if not _USERNAME.match(n)]
    if bad:
        raise ValueError(f"{path}: not valid Cognito usernames: {', '.join(bad[:5])}")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{path}: listed more than once: {', '.join(duplicates[:5])}")
    return names


def temporary_password(length: int = 14) -> str:
    """A random password meeting Cognito's default policy (upper, lower, digit, symbol; 8+ characters)."""
    classes = [_LOWER, _UPPER, _DIGITS, _SYMBOLS]
    chars = [secrets.choice(c) for c in classes]
    chars += [secrets.choice("".join(classes)) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _account_of(arn: str) -> str:
    """The account in a pool ARN (``arn:aws:cognito-idp:<region>:<account>:userpool/<id>``); "" if none."""
    parts = str(arn or "").split(":")
    return parts[4] if len(parts) > 5 else ""


def _parallel(executor: concurrent.futures.Executor, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``fn(item)`` for each item on ``executor``, yielded as they complete; the rest cancelled if one fails."""
    futures = [executor.submit(fn, item) for item in items]
    try:
        for future in concurrent.futures.as_completed(futures):
            yield future.result()
    finally:
        for f in futures:
            f.cancel()


def _pages(caller: QuotaCaller, operation: str, key: str, token_in: str, token_out: str,
           **params: Any) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        page = caller.call(operation, **params, **({token_in: token} if token else {}))
        yield from page.get(key, [])
        token = page.get(token_out)
        if not token:
            return


# -- what the target holds of a sheet ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PoolState:
    """One pool of the sheet, as the target has it: its usernames and app clients (id → name)."""

    users: frozenset[str]
    clients: dict[str, str]


@dataclass
class SheetCheck:
    """What the target holds of a sheet's rows (see :func:`verify_sheet`)."""

    rows: list[Trainee]
    pools: dict[str, PoolState | None]  # pool id → its state, None if the target has no such pool
    account: str = ""  # the target's account, from a pool ARN ("" if none of the pools is there)

    def problem(self, row: Trainee) -> str | None:
        """:data:`POOL_MISSING`, :data:`USER_MISSING`, or None if the row's user is in its pool."""
        state = self.pools.get(row.pool_id)
        if state is None:
            return POOL_MISSING
        return None if row.username in state.users else USER_MISSING

    def client_ok(self, row: Trainee) -> bool:
        state = self.pools.get(row.pool_id)
        return state is not None and row.client_id in state.clients

    def classroom_client(self, pool_id: str) -> str | None:
        """The id of the pool's ``cmk-classroom`` app client, if it has one."""
        state = self.pools.get(pool_id)
        return next((cid for cid, name in state.clients.items() if name == CLIENT_NAME), None) if state else None

    @property
    def found(self) -> list[Trainee]:
        return [r for r in self.rows if self.problem(r) is None]

    @property
    def missing(self) -> list[tuple[Trainee, str]]:
        """(row, why) for each row whose pool or user the target does not have."""
        return sorted(((r, p) for r in self.rows if (p := self.problem(r)) is not None), key=lambda m: m[0].username)

    def describe_missing(self, limit: int = 8) -> list[str]:
        """One line per missing pool (with its rows) and per missing user, for people."""
        lines = []
        gone: dict[str, list[str]] = {}
        for row, why in self.missing:
            if why == POOL_MISSING:
                gone.setdefault(row.pool_id, []).append(row.username)
            else:
                lines.append(f"user {row.username} is not in pool {row.pool_id}")
        pools = [f"pool {pid} is not there ({_some(sorted(names), limit)})" for pid, names in gone.items()]
        return pools + lines


def _some(names: list[str], limit: int) -> str:
    shown = ", ".join(names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{len(names)} row{'s' if len(names) != 1 else ''}: {shown}{more}"


def verify_sheet(
    caller: QuotaCaller, rows: Iterable[Trainee], *, account: str | None = None, workers: int = 8
) -> SheetCheck:
    """Check every pool, app client and user the rows name against the target the caller reaches.

    Per pool: ListUsers pages (60 users a page) and ListUserPoolClients pages, never a call per user; a pool the
    target lacks answers ResourceNotFoundException. Plus, if ``account`` is not given, one DescribeUserPool for
    the account in its ARN. All quota-paced by the caller.
    """
    rows = list(rows)
    pool_ids = list(dict.fromkeys(r.pool_id for r in rows))

    def one(pool_id: str) -> tuple[str, PoolState | None]:
        try:
            users = frozenset(u["Username"] for u in _pages(
                caller, "ListUsers", "Users", "PaginationToken", "PaginationToken", UserPoolId=pool_id, Limit=60))
            clients = {c["ClientId"]: c.get("ClientName", "") for c in _pages(
                caller, "ListUserPoolClients", "UserPoolClients", "NextToken", "NextToken", UserPoolId=pool_id,
                MaxResults=60)}
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                return pool_id, None
            raise
        return pool_id, PoolState(users, clients)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(workers, len(pool_ids) or 1))) as executor:
        found = dict(_parallel(executor, one, pool_ids))
    check = SheetCheck(rows, {pid: found[pid] for pid in pool_ids}, account or "")
    present = next((pid for pid in pool_ids if found[pid] is not None), None)
    if not check.account and present is not None:
        try:
            check.account = _account_of(caller.call("DescribeUserPool", UserPoolId=present)["UserPool"].get("Arn"))
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
    return check


# -- the run's pools --------------------------------------------------------------------------------------------
class _Pools:
    """Get-or-create of the run's pools (by name + tag) and their app client; the target's account."""

    def __init__(self, caller: QuotaCaller, run_id: str, report: ProvisionReport, account: str = "") -> None:
        self.caller = caller
        self.run_id = run_id
        self.report = report
        self.account = account
        self.existing: dict[str, str] = {}  # pool name → id, for this run's tagged pools
        self._lock = threading.Lock()
        self._account_lock = threading.Lock()

    def discover(self, names: set[str]) -> None:
        """Find which of ``names`` exist already (tagged with this run): one listing, one describe each."""
        for summary in list_pools(self.caller):
            if summary.get("Name") in names and summary["Name"] not in self.existing:
                pool = describe_kit_pool(self.caller, summary["Id"])
                if pool is not None and pool.run_id == self.run_id:
                    self.existing[pool.name] = pool.pool_id

    def account_of(self, pool_id: str) -> str:
        """The target's account (known, or read once from the ARN of ``pool_id``)."""
        with self._account_lock:
            if not self.account:
                arn = self.caller.call("DescribeUserPool", UserPoolId=pool_id)["UserPool"].get("Arn", "")
                self.account = _account_of(arn)
        return self.account

    def ensure(self, name: str) -> tuple[str, str]:
        """(pool id, app client id) for the pool ``name``, creating what is missing."""
        pool_id = self.existing.get(name)
        created = pool_id is None
        if created:
            pool = self.caller.call(
                "CreateUserPool",
                PoolName=name,
                UserPoolTags={TAG_KEY: self.run_id},
                AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            )["UserPool"]
            pool_id = pool["Id"]
            with self._lock:
                self.existing[name] = pool_id
                self.report.pools_created += 1
                self.account = self.account or _account_of(pool.get("Arn", ""))
        assert pool_id is not None  # noqa: S101 - narrows the type: set by the loop above
        # TOTP available, each trainee enrols in the course (a pool whose creation was interrupted gets it now)
        if created or not self._has_totp(pool_id):
            self.caller.call(
                "SetUserPoolMfaConfig",
                UserPoolId=pool_id,
                SoftwareTokenMfaConfiguration={"Enabled": True},
                MfaConfiguration="OPTIONAL",
            )
        client_id = None if created else self._find_client(pool_id)
        return pool_id, client_id or self.create_client(pool_id)

    def create_client(self, pool_id: str) -> str:
        client_id = str(self.caller.call(
            "CreateUserPoolClient",
            UserPoolId=pool_id,
            ClientName=CLIENT_NAME,
            GenerateSecret=False,
            ExplicitAuthFlows=CLIENT_AUTH_FLOWS,
        )["UserPoolClient"]["ClientId"])
        return client_id

    def _has_totp(self, pool_id: str) -> bool:
        config = self.caller.call("GetUserPoolMfaConfig", UserPoolId=pool_id)
        return bool(config.get("SoftwareTokenMfaConfiguration", {}).get("Enabled"))

    def _find_client(self, pool_id: str) -> str | None:
        for client in _pages(self.caller, "ListUserPoolClients", "UserPoolClients", "NextToken", "NextToken",
                             UserPoolId=pool_id, MaxResults=60):
            if client.get("ClientName") == CLIENT_NAME:
                return str(client["ClientId"])
        return None


def _put_user(caller: QuotaCaller, pool_id: str, username: str, password: str) -> bool:
    """Create the user with ``password`` as its temporary password; if it exists already, set that temporary
    password instead (AdminSetUserPassword, Permanent=False). True if created."""
    try:
        caller.call(
            "AdminCreateUser",
            UserPoolId=pool_id,
            Username=username,
            TemporaryPassword=password,
            MessageAction="SUPPRESS",  # the sheet is the hand-out: Cognito sends nothing
        )
        return True
    except ClientError as exc:
        if _code(exc) != "UsernameExistsException":
            raise
    caller.call("AdminSetUserPassword", UserPoolId=pool_id, Username=username, Password=password, Permanent=False)
    return False


def _make_user(caller: QuotaCaller, pool_id: str, username: str) -> tuple[str, bool]:
    """Create the user with a fresh temporary password (or reset it if the user exists): (password, created)."""
    password = temporary_password()
    return password, _put_user(caller, pool_id, username, password)


# -- provisioning -----------------------------------------------------------------------------------------------
def provision(
    caller: QuotaCaller,
    usernames: Iterable[str],
    sheet: str | Path,
    *,
    run_id: str,
    region: str,
    endpoint_url: str | None = None,
    account: str | None = None,
    shared_pool: bool = True,
    rebuild: bool = False,
    workers: int = 8,
    progress: bool = True,
    on_trainee: Callable[[Trainee], None] | None = None,
    keys: KeyMaker | None = None,
) -> ProvisionReport:
    """Create (or complete, or repair) the class: every username gets a user and a row on ``sheet``.

    The target is ``region`` + ``endpoint_url`` (None on AWS) + ``account`` (on AWS: the STS account; None: read
    from pool ARNs). An existing sheet must have been written for it (else :class:`SheetTargetMismatch`) and is
    checked against it (:func:`verify_sheet`); rows the target lacks are made again. ``rebuild=True`` makes every
    row of the sheet again on this target (new temporary passwords), whatever target it was written for.

    ``on_trainee`` is called after each row is ready on the sheet and the target (an exception there stops the
    run, as an interruption would). ``workers`` threads share the caller's limiter: the quotas hold regardless.

    ``keys(name, pools, users)`` (a sandbox that requires credentials: ``Lab.issue_trainee_key``) gives each trainee
    a key of their own, for their own pool (``pools``) or their own user in the shared pool (``users``); rows made
    again on this target get a new one.
    """
    from tqdm.auto import tqdm

    started = time.monotonic()
    names = list(usernames)
    if len(set(names)) != len(names):
        raise ValueError("usernames must be unique")
    path = Path(sheet)
    loaded = load_sheet(path)
    rows = loaded.rows
    target = SheetTarget(region, endpoint_url or "", account or "")
    report = ProvisionReport(sheet=path, total=len(names), rebuilt=rebuild)
    on_sheet = {r.username for r in rows}
    todo = [n for n in names if n not in on_sheet]
    report.already_on_sheet = len(names) - len(todo)
    pools = _Pools(caller, run_id, report, account or "")

    def name_for(username: str) -> str:
        return pool_name(run_id) if shared_pool else pool_name(run_id, username)

    bar = tqdm(total=len(rows) + len(todo), disable=not progress, unit="trainee", desc="provisioning")
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as executor:
            # 1. which rows the target holds as the sheet says
            check: SheetCheck | None = None
            if rows and not rebuild:
                hint = _PROVISION_HINT
                if SheetTarget.of(rows[0]).differences(target) == ["endpoint_url"] and endpoint_url:
                    hint += _SAME_SERVER_HINT.format(url=rows[0].endpoint_url)
                check_target(path, rows, target, hint)
                check = verify_sheet(caller, rows, account=account, workers=workers)
                pools.account = pools.account or check.account
                check_target(path, rows, replace(target, account=pools.account), _PROVISION_HINT)
            if check is None:  # no sheet yet, or rebuild: every row is made again
                redo_pool = {r.username for r in rows}
                redo_user: set[str] = set()
            else:
                redo_pool = {r.username for r in rows if check.problem(r) == POOL_MISSING}
                redo_user = {r.username for r in rows if check.problem(r) == USER_MISSING
                             or (check.problem(r) is None and not r.temporary_password)}  # a row left half-made
            redo = redo_pool | redo_user
            report.verified = len(rows) - len(redo)
            bar.update(report.verified)

            # 2. the pools (and app clients) the rows to remake and the new trainees need
            wanted = {name_for(u) for u in redo_pool} | {name_for(n) for n in todo}
            if wanted:
                pools.discover(wanted)
            homes = dict(_parallel(executor, lambda n: (n, pools.ensure(n)), sorted({name_for(u) for u in redo_pool})))
            new_clients: dict[str, str] = {}
            if check is not None:
                lost = {r.pool_id for r in rows if r.username not in redo_pool and not check.client_ok(r)}
                for pool_id in sorted(lost):
                    new_clients[pool_id] = check.classroom_client(pool_id) or pools.create_client(pool_id)
                    report.clients_created += 1
            if not pools.account and homes:
                pools.account_of(next(iter(homes.values()))[0])

            # 3. the sheet, rewritten ahead: rows to remake lose their password until their user has the new one
            current: list[Trainee] = []
            for r in rows:
                if r.username in redo_pool:
                    pool_id, client_id = homes[name_for(r.username)]
                    r = replace(r, temporary_password="", pool_id=pool_id, client_id=client_id, region=region,
                                endpoint_url=endpoint_url or "", account=pools.account, aws_access_key_id="",
                                aws_secret_access_key="")  # the hub password stays the trainee's
                elif r.pool_id in new_clients and check is not None and not check.client_ok(r):
                    r = replace(r, client_id=new_clients[r.pool_id])
                if r.username in redo:
                    r = replace(r, temporary_password="")
                current.append(replace(r, account=r.account or pools.account))
            if current != rows or not loaded.current:
                rewrite_sheet(path, current)
            index = {r.username: i for i, r in enumerate(current)}

            # 4. remake their users; the sheet gets their new passwords in batches (about 25 rewrites in all,
            #    so a big class costs no more than a small one per row): a row not yet rewritten is done again
            #    by the next run if this one stops
            def remake(row: Trainee) -> Trainee:
                password = temporary_password()
                _put_user(caller, row.pool_id, row.username, password)
                return replace(row, temporary_password=password, aws_access_key_id="", aws_secret_access_key="")

            batch = max(1, len(redo) // _REWRITES)
            ready: list[Trainee] = []
            try:
                for done in _parallel(executor, remake, [r for r in current if r.username in redo]):
                    current[index[done.username]] = done
                    ready.append(done)
                    if len(ready) < batch and report.recreated + len(ready) < len(redo):
                        continue
                    rewrite_sheet(path, current)
                    flushed, ready = ready, []
                    for trainee in flushed:
                        report.recreated += 1
                        report.recreated_usernames.append(trainee.username)
                        bar.update(1)
                        if on_trainee is not None:
                            on_trainee(trainee)
            except Exception:
                if ready:  # keep what is done (those users have these passwords)
                    rewrite_sheet(path, current)
                raise

            # 5. the new trainees, appended one by one
            shared = (homes.get(pool_name(run_id)) or pools.ensure(pool_name(run_id))) if shared_pool and todo else None
            if shared is not None:
                pools.account_of(shared[0])

            def one(username: str) -> tuple[Trainee, bool]:
                pool_id, client_id = shared or pools.ensure(pool_name(run_id, username))
                password, created = _make_user(caller, pool_id, username)
                return Trainee(username, password, pool_id, client_id, region, endpoint_url or "",
                               pools.account_of(pool_id)), created

            writer = _Appender(path)
            try:
                for trainee, created in _parallel(executor, one, todo):
                    writer.append(trainee)
                    current.append(trainee)
                    if created:
                        report.created += 1
                    else:
                        report.existed += 1
                    bar.update(1)
                    if on_trainee is not None:
                        on_trainee(trainee)
            finally:
                writer.close()
            # the new rows were appended as they were made; the sheet lists them in the class's order (one rewrite)
            order = {n: i for i, n in enumerate(todo)}
            made = sorted(current[len(rows):], key=lambda t: order[t.username])
            if made != current[len(rows):]:
                current[len(rows):] = made
                rewrite_sheet(path, current)
            if keys is not None:
                report.keys_issued = _give_keys(path, current, keys, shared_pool)
            report.rows = len(current)
    finally:
        bar.close()
        report.stats = caller.stats
        report.seconds = time.monotonic() - started
    report.recreated_usernames.sort()
    return report


#: ``keys(name, pools, users)`` → (access key id, secret access key): a trainee's own key on a shared sandbox
KeyMaker = Callable[[str, list[str], dict[str, str]], tuple[str, str]]


def _give_keys(path: Path, rows: list[Trainee], keys: KeyMaker, shared_pool: bool) -> int:
    """Every row without a key gets the trainee's own (the sheet rewritten once); returns how many were given."""
    given = 0
    for i, row in enumerate(rows):
        if row.aws_access_key_id:
            continue
        pools, users = ([], {row.pool_id: row.username}) if shared_pool else ([row.pool_id], {})
        key_id, secret = keys(row.username, pools, users)
        rows[i] = replace(row, aws_access_key_id=key_id, aws_secret_access_key=secret)
        given += 1
    if given:
        rewrite_sheet(path, rows)
    return given


# -- teardown ---------------------------------------------------------------------------------------------------
class StaleSheetError(ValueError):
    """None of a sheet's rows exists on the target: nothing was deleted."""


@dataclass
class TeardownResult(CleanupResult):
    """What :func:`teardown` found and did; with a sheet, what the target held of it."""

    sheet: Path | None = None
    check: SheetCheck | None = None
    kept_pools: list[str] = field(default_factory=list)  # the sheet's pools still on the target afterwards
    sheet_deleted: bool = False

    @property
    def missing(self) -> list[tuple[Trainee, str]]:
        """(row, why) for each row of the sheet the target did not have."""
        return self.check.missing if self.check is not None else []


def teardown(
    caller: QuotaCaller,
    *,
    run_id: str,
    yes: bool = True,
    sheet: str | Path | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    account: str | None = None,
    workers: int = 8,
) -> TeardownResult:
    """Delete the run's classroom pools (their users go with them); protected pools are skipped.

    With ``sheet``: first check its rows on the target (:func:`verify_sheet`); if none is there, raise
    :class:`StaleSheetError` and delete nothing. Else delete, and delete the sheet too unless some of its pools
    are still on the target (another run's, or protected). ``region``/``endpoint_url``/``account`` name the
    target, to say so when the sheet was written for another.
    """
    check: SheetCheck | None = None
    path = Path(sheet) if sheet is not None else None
    if path is not None and path.exists():
        rows = read_sheet(path)
        if rows:
            check = verify_sheet(caller, rows, account=account, workers=workers)
            if not check.found:
                here = SheetTarget(region or "", endpoint_url or "", account or check.account)
                written = sorted({SheetTarget.of(r) for r in rows if SheetTarget.of(r).differences(here)},
                                 key=lambda t: (t.endpoint_url, t.region, t.account))
                also = f" It was written for {'; '.join(t.describe() for t in written)}." if written else ""
                where = here.describe() if region else "this target"
                raise StaleSheetError(
                    f"None of the {len(rows)} rows of {path} is on {where}: "
                    + "; ".join(check.describe_missing()) + f".{also} Nothing deleted; the sheet is kept. "
                    "Point teardown at the sheet's target; if that target is gone (a sandbox stopped without "
                    "--state), so are its trainees: delete the file yourself. To delete this target's classroom "
                    f"pools of run {run_id!r} anyway, run teardown without --out."
                )
    cleaned = cleanup(caller, run_id=run_id, yes=yes, name_prefix=pool_name(run_id))
    result = TeardownResult(found=cleaned.found, deleted=cleaned.deleted, protected=cleaned.protected,
                            dry_run=cleaned.dry_run, sheet=path, check=check)
    if check is not None:
        going = {p.pool_id for p in (cleaned.deleted if yes else cleaned.found) if not p.protected}
        result.kept_pools = [pid for pid, state in check.pools.items() if state is not None and pid not in going]
    if yes and path is not None and path.exists() and not result.protected and not result.kept_pools:
        path.unlink()
        result.sheet_deleted = True
    return result
