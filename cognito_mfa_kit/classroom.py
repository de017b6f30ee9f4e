"""Provisioning a class: one trainee user each (in one shared pool, or a pool each), and a sheet to hand out.

>>> caller = QuotaCaller(single_attempt_client(lab))
>>> report = provision(caller, usernames_for_count(20), "sheet.csv", run_id="course", region=lab.region)
>>> teardown(caller, run_id="course")

Quota-aware: every call goes through a :class:`~cognito_mfa_kit.ratelimit.QuotaCaller` (client-side limiter at
Cognito's quotas, explicit backoff loop on ``TooManyRequestsException``).

Resumable: the sheet is the state. A row is appended (and flushed to disk) as soon as a trainee is ready; a
second run skips the trainees already on the sheet, finds the run's pools by name and tag instead of creating
new ones, and for a user that exists without a row (the run stopped between the two) sets a fresh temporary
password (AdminSetUserPassword, Permanent=False) so the sheet stays true. No duplicates, no lost trainee.

The sheet carries the trainees' temporary passwords (the one secret it must carry): it is created with mode 0600.
"""

from __future__ import annotations

import concurrent.futures
import csv
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from .cleanup import CleanupResult, cleanup, describe_kit_pool, list_pools
from .naming import NAME_PREFIX, TAG_KEY
from .ratelimit import CallStats, QuotaCaller

#: The app client every classroom pool gets (no secret, so trainees can sign in from a notebook).
CLIENT_NAME = "cmk-classroom"
CLIENT_AUTH_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
_USERNAME = re.compile(r"^[\w.@+-]{1,128}$")
# no look-alikes (0/O, 1/l/I): the sheet may be printed and typed by hand
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_SYMBOLS = "!#%*+-=?@^_"


@dataclass(frozen=True)
class Trainee:
    """One row of the sheet."""

    username: str
    temporary_password: str
    pool_id: str
    client_id: str
    region: str
    endpoint_url: str = ""


SHEET_FIELDS = [f.name for f in fields(Trainee)]


@dataclass
class ProvisionReport:
    """What :func:`provision` did."""

    sheet: Path
    total: int = 0
    already_on_sheet: int = 0
    created: int = 0
    existed: int = 0  # users found without a row: temporary password reset
    pools_created: int = 0
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


def read_sheet(path: str | Path) -> list[Trainee]:
    """The trainees already on a sheet (none if the file does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames and list(reader.fieldnames) != SHEET_FIELDS:
            raise ValueError(f"{path} is not a classroom sheet (columns {reader.fieldnames})")
        return [Trainee(**{k: row.get(k) or "" for k in SHEET_FIELDS}) for row in reader]


class _Sheet:
    """Appends rows, each flushed to disk at once; created with mode 0600 (it holds passwords)."""

    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(path, 0o600)
        self._file = os.fdopen(fd, "a", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(self._file, fieldnames=SHEET_FIELDS)
        if self._file.tell() == 0:
            self._writer.writeheader()
            self._flush()

    def _flush(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def append(self, trainee: Trainee) -> None:
        self._writer.writerow(asdict(trainee))
        self._flush()

    def close(self) -> None:
        self._file.close()


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class _Pools:
    """Get-or-create of the run's pools (by name + tag) and their app client."""

    def __init__(self, caller: QuotaCaller, run_id: str, report: ProvisionReport) -> None:
        self.caller = caller
        self.run_id = run_id
        self.report = report
        self.existing: dict[str, str] = {}  # pool name → id, for this run's tagged pools

    def discover(self, names: set[str]) -> None:
        """Find which of ``names`` exist already (tagged with this run): one listing, one describe each."""
        for summary in list_pools(self.caller):
            if summary.get("Name") in names and summary["Name"] not in self.existing:
                pool = describe_kit_pool(self.caller, summary["Id"])
                if pool is not None and pool.run_id == self.run_id:
                    self.existing[pool.name] = pool.pool_id

    def ensure(self, name: str) -> tuple[str, str]:
        """(pool id, app client id) for the pool ``name``, creating what is missing."""
        pool_id = self.existing.get(name)
        created = pool_id is None
        if created:
            pool_id = self.caller.call(
                "CreateUserPool",
                PoolName=name,
                UserPoolTags={TAG_KEY: self.run_id},
                AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            )["UserPool"]["Id"]
            self.existing[name] = pool_id
            self.report.pools_created += 1
        assert pool_id is not None
        # TOTP available, each trainee enrols in the course (a pool whose creation was interrupted gets it now)
        if created or not self._has_totp(pool_id):
            self.caller.call(
                "SetUserPoolMfaConfig",
                UserPoolId=pool_id,
                SoftwareTokenMfaConfiguration={"Enabled": True},
                MfaConfiguration="OPTIONAL",
            )
        client_id = None if created else self._find_client(pool_id)
        if client_id is None:
            client_id = self.caller.call(
                "CreateUserPoolClient",
                UserPoolId=pool_id,
                ClientName=CLIENT_NAME,
                GenerateSecret=False,
                ExplicitAuthFlows=CLIENT_AUTH_FLOWS,
            )["UserPoolClient"]["ClientId"]
        return pool_id, client_id

    def _has_totp(self, pool_id: str) -> bool:
        config = self.caller.call("GetUserPoolMfaConfig", UserPoolId=pool_id)
        return bool(config.get("SoftwareTokenMfaConfiguration", {}).get("Enabled"))

    def _find_client(self, pool_id: str) -> str | None:
        token: str | None = None
        while True:
            params: dict[str, Any] = {"UserPoolId": pool_id, "MaxResults": 60}
            if token:
                params["NextToken"] = token
            page = self.caller.call("ListUserPoolClients", **params)
            for client in page.get("UserPoolClients", []):
                if client.get("ClientName") == CLIENT_NAME:
                    return str(client["ClientId"])
            token = page.get("NextToken")
            if not token:
                return None


def _make_user(caller: QuotaCaller, pool_id: str, username: str) -> tuple[str, bool]:
    """Create the user with a fresh temporary password; if it exists already, reset its temporary password.

    Returns (password, created)."""
    password = temporary_password()
    try:
        caller.call(
            "AdminCreateUser",
            UserPoolId=pool_id,
            Username=username,
            TemporaryPassword=password,
            MessageAction="SUPPRESS",  # the sheet is the hand-out: Cognito sends nothing
        )
        return password, True
    except ClientError as exc:
        if _code(exc) != "UsernameExistsException":
            raise
    caller.call("AdminSetUserPassword", UserPoolId=pool_id, Username=username, Password=password, Permanent=False)
    return password, False


def provision(
    caller: QuotaCaller,
    usernames: Iterable[str],
    sheet: str | Path,
    *,
    run_id: str,
    region: str,
    endpoint_url: str | None = None,
    shared_pool: bool = True,
    workers: int = 8,
    progress: bool = True,
    on_trainee: Callable[[Trainee], None] | None = None,
) -> ProvisionReport:
    """Create (or complete) the class: every username gets a user and a row on ``sheet``.

    ``on_trainee`` is called after each row is written (an exception there stops the run, as an interruption
    would). ``workers`` threads share the caller's limiter, so the quotas hold whatever their number.
    """
    from tqdm.auto import tqdm

    started = time.monotonic()
    names = list(usernames)
    if len(set(names)) != len(names):
        raise ValueError("usernames must be unique")
    path = Path(sheet)
    report = ProvisionReport(sheet=path, total=len(names))
    done = {t.username for t in read_sheet(path)}
    todo = [n for n in names if n not in done]
    report.already_on_sheet = len(names) - len(todo)
    pools = _Pools(caller, run_id, report)
    writer = _Sheet(path)
    bar = tqdm(total=len(names), initial=report.already_on_sheet, disable=not progress, unit="trainee",
               desc="provisioning")
    try:
        if todo:
            pools.discover({pool_name(run_id)} if shared_pool else {pool_name(run_id, n) for n in todo})
        shared = pools.ensure(pool_name(run_id)) if shared_pool and todo else None

        def one(username: str) -> tuple[Trainee, bool]:
            pool_id, client_id = shared or pools.ensure(pool_name(run_id, username))
            password, created = _make_user(caller, pool_id, username)
            return Trainee(username, password, pool_id, client_id, region, endpoint_url or ""), created

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as executor:
            futures = [executor.submit(one, n) for n in todo]
            try:
                for future in concurrent.futures.as_completed(futures):
                    trainee, created = future.result()
                    writer.append(trainee)
                    if created:
                        report.created += 1
                    else:
                        report.existed += 1
                    bar.update(1)
                    if on_trainee is not None:
                        on_trainee(trainee)
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    finally:
        bar.close()
        writer.close()
        report.stats = caller.stats
        report.seconds = time.monotonic() - started
    return report


def teardown(caller: QuotaCaller, *, run_id: str, yes: bool = True) -> CleanupResult:
    """Delete the run's classroom pools (their users go with them); protected pools are skipped."""
    return cleanup(caller, run_id=run_id, yes=yes, name_prefix=pool_name(run_id))
