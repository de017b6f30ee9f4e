"""The classroom sheet: a CSV with one row per trainee, handed out row by row, and the target it was written for.

The columns are the fields of :class:`Trainee`, in order, and nothing else defines them. A field with a default
is optional when reading: a sheet written before that column existed still reads (its rows get the default) and
is rewritten with the column the next time ``classroom provision`` touches it.

The sheet carries each trainee's temporary password (and, on a sandbox that checks who calls, their key; for a class's
JupyterHub, their hub password): every file written here has mode 0600. Rows are appended
one by one (flushed and fsynced) or the whole sheet is replaced atomically (a temporary file in the same folder,
fsynced, then ``os.replace``), so an interruption never leaves half a sheet.

>>> rows = read_sheet("class.csv")
>>> rewrite_sheet("class.csv", rows)
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path


@dataclass(frozen=True)
class Trainee:
    """One row of the sheet (its fields are the sheet's columns, in order; a field with a default is optional)."""

    username: str
    #: "" while the row is being (re)made: a run that finds such a row sets a new password (see classroom.py)
    temporary_password: str
    pool_id: str
    client_id: str
    region: str
    endpoint_url: str = ""  # "" on AWS
    account: str = ""  # the AWS account (STS), or the sandbox's (pool ARNs); "" on sheets from before the column
    #: the trainee's own key on a sandbox that requires credentials ("" otherwise, and on AWS)
    aws_access_key_id: str = ""
    aws_secret_access_key: str = ""
    #: the trainee's password for the class's JupyterHub (``cognito-mfa-kit hub``; "" until a hub gives one): the hub
    #: keeps only its scrypt hash, the sheet carries it for the trainee to read, as it carries their other secrets
    hub_password: str = ""


SHEET_FIELDS = [f.name for f in fields(Trainee)]
_REQUIRED = [f.name for f in fields(Trainee) if f.default is MISSING]
_DEFAULTS = {f.name: f.default for f in fields(Trainee) if f.default is not MISSING}


def _same_endpoint(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


@dataclass(frozen=True)
class SheetTarget:
    """Where a sheet's users and pools live: an endpoint ("" for AWS), a region and an account ("" if unknown)."""

    region: str
    endpoint_url: str = ""
    account: str = ""

    @classmethod
    def of(cls, trainee: Trainee) -> SheetTarget:
        return cls(trainee.region, trainee.endpoint_url, trainee.account)

    def describe(self) -> str:
        account = f"account {self.account}, " if self.account else ""
        where = f"the endpoint {self.endpoint_url}" if self.endpoint_url else "AWS"
        return f"{where} ({account}region {self.region})"

    def differences(self, other: SheetTarget) -> list[str]:
        """What differs from ``other``: "endpoint_url", "region", "account" (an unknown account matches any)."""
        diff = []
        if not _same_endpoint(self.endpoint_url, other.endpoint_url):
            diff.append("endpoint_url")
        if self.region != other.region:
            diff.append("region")
        if self.account and other.account and self.account != other.account:
            diff.append("account")
        return diff


class SheetTargetMismatch(ValueError):
    """The sheet was written for another target than the one in use: its rows are not there."""

    def __init__(self, sheet: Path, written_for: list[SheetTarget], target: SheetTarget, hint: str) -> None:
        self.sheet = sheet
        self.written_for = written_for
        self.target = target
        described = "; ".join(t.describe() for t in written_for)
        super().__init__(
            f"{sheet} was written for {described}, but this command targets {target.describe()}: its rows are "
            f"not this target's. {hint}"
        )


def check_target(sheet: Path, rows: Iterable[Trainee], target: SheetTarget, hint: str) -> None:
    """Raise :class:`SheetTargetMismatch` unless every row was written for ``target``."""
    wrong = sorted({SheetTarget.of(r) for r in rows if SheetTarget.of(r).differences(target)},
                   key=lambda t: (t.endpoint_url, t.region, t.account))
    if wrong:
        raise SheetTargetMismatch(sheet, wrong, target, hint)


@dataclass(frozen=True)
class LoadedSheet:
    """A sheet's rows, and whether its columns are today's (if not, rewrite it before appending)."""

    rows: list[Trainee]
    current: bool


def load_sheet(path: str | Path) -> LoadedSheet:
    """The rows of ``path`` (none if it does not exist); columns missing from an older sheet get their default."""
    path = Path(path)
    if not path.exists():
        return LoadedSheet([], True)
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        if not header:
            return LoadedSheet([], True)
        missing = [c for c in _REQUIRED if c not in header]
        unknown = [c for c in header if c not in SHEET_FIELDS]
        if missing or unknown:
            why = f"no column {', '.join(missing)}" if missing else f"unknown column {', '.join(unknown)}"
            raise ValueError(
                f"{path} is not a classroom sheet ({why}; a sheet has the columns {', '.join(SHEET_FIELDS)}). "
                "Give --out a new file name."
            )
        rows = []
        for number, row in enumerate(reader, start=2):
            values = {k: (row.get(k) or _DEFAULTS.get(k, "")) for k in SHEET_FIELDS}
            if not values["username"] or not values["pool_id"]:
                raise ValueError(f"{path}, line {number}: the row has no username or pool_id; fix or remove it")
            rows.append(Trainee(**values))
    twice = sorted(name for name, n in Counter(r.username for r in rows).items() if n > 1)
    if twice:
        raise ValueError(f"{path}: more than one row for {', '.join(twice[:5])}; keep one row per trainee")
    return LoadedSheet(rows, header == SHEET_FIELDS)


def read_sheet(path: str | Path) -> list[Trainee]:
    """The trainees on a sheet (none if the file does not exist)."""
    return load_sheet(path).rows


def rewrite_sheet(path: str | Path, rows: Iterable[Trainee]) -> None:
    """Replace the sheet by ``rows`` atomically: a 0600 temporary file in the same folder, fsynced, os.replace."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=SHEET_FIELDS)
            writer.writeheader()
            writer.writerows(asdict(r) for r in rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder)
    except OSError:
        pass
    finally:
        os.close(folder)


class SheetAppender:
    """Appends rows to a sheet with today's columns, each flushed and fsynced at once; mode 0600."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
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
