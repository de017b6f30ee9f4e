"""The trainer's view of a live class: where each trainee of the sheet is in the seed's steps, and who is stuck.

>>> report = status(lab, read_sheet("class.csv"))
>>> print(report.table())           # one row per trainee
>>> report.as_json()                # username, pool_id, enrolled, verified, totp_enabled, preferred, mfa_sign_in_at,
...                                 # last_error, step

``step`` is the last of the seed's steps the trainee has done: 0 nothing yet; 1 AssociateSoftwareToken (steps 2–6
happen in the authenticator app, where nobody can see them); 7 VerifySoftwareToken; 8 the MFA preference (TOTP
enabled and preferred); 9 a sign-in that answered SOFTWARE_TOKEN_MFA.

Where the facts come from:
- the sandbox: its class view (``GET /_sandbox/class?pool=``, one call per pool), which sees everything — the
  association and verification too, the last error it returned to each trainee, and their MFA sign-ins;
- AWS: AdminGetUser per trainee (UserMFASettingList, PreferredMfaSetting) and, where the pool has threat protection,
  AdminListUserAuthEvents (sign-ins and their MFA answers). What AWS can't tell is said, not guessed: an association
  or a verified token before the preference is set (None), and without threat protection, sign-ins and errors.
  The calls are paced at a fifth of Cognito's quotas (UserRead, UserResourceRead), so the class's own calls are
  never throttled by the trainer's view.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .classroom_sheet import Trainee
from .ratelimit import QuotaCaller, RateLimiter, single_attempt_client

#: the fraction of each Cognito quota the class view may use on AWS (the class needs the rest)
AWS_HEADROOM = 0.2
STEPS = {
    0: "not started",
    1: "associated (steps 2–6: add it to an authenticator)",
    7: "verified",
    8: "TOTP preferred",
    9: "signed in with TOTP",
}
JSON_KEYS = ["username", "pool_id", "enrolled", "verified", "totp_enabled", "preferred", "mfa_sign_in_at",
             "last_error", "step"]


@dataclass
class TraineeStatus:
    """One trainee's progress (None: the target can't tell)."""

    username: str
    pool_id: str
    enrolled: bool | None = None
    verified: bool | None = None
    totp_enabled: bool | None = None
    preferred: bool | None = None
    mfa_sign_in_at: float | None = None
    last_error: dict[str, Any] | None = None
    exists: bool = True
    user_status: str = ""

    @property
    def step(self) -> int:
        """The last seed step done (0, 1, 7, 8 or 9)."""
        if self.mfa_sign_in_at:
            return 9
        if self.totp_enabled and self.preferred:
            return 8
        if self.verified or self.totp_enabled:
            return 7
        if self.enrolled:
            return 1
        return 0

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {key: (self.step if key == "step" else data[key]) for key in JSON_KEYS}


@dataclass
class ClassStatus:
    """The class at one moment: a row per trainee, and what the target could not tell."""

    trainees: list[TraineeStatus]
    target: str  # "sandbox" | "aws"
    notes: list[str] = field(default_factory=list)
    at: float = field(default_factory=time.time)

    def as_json(self) -> list[dict[str, Any]]:
        return [t.as_json() for t in self.trainees]

    def at_step(self) -> dict[int, int]:
        """How many trainees are at each step."""
        counts = Counter(t.step for t in self.trainees if t.exists)
        return {step: counts.get(step, 0) for step in STEPS}

    def stuck(self) -> dict[str, list[TraineeStatus]]:
        """Trainees not done whose last call failed, grouped by the error (newest problems first)."""
        groups: dict[str, list[TraineeStatus]] = defaultdict(list)
        for t in self.trainees:
            if t.last_error and t.step < 9:
                groups[str(t.last_error.get("code") or "Error")].append(t)
        return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def table(self) -> str:
        """A plain-text table, one row per trainee."""
        header = ["trainee", "step", "enrolled", "verified", "TOTP on", "preferred", "MFA sign-in", "last error"]
        rows = [header]
        for t in self.trainees:
            rows.append([t.username, f"{t.step}" if t.exists else "-", _yes(t.enrolled), _yes(t.verified),
                         _yes(t.totp_enabled), _yes(t.preferred), _when(t.mfa_sign_in_at, self.at),
                         _error(t) if t.exists else "no such user on the target"])
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        steps = ", ".join(f"{n} at step {s}" for s, n in self.at_step().items() if n)
        return "\n".join([*lines, "", f"{len(self.trainees)} trainees: {steps or 'none yet'}.", *self.notes])


def _yes(value: bool | None) -> str:
    return "?" if value is None else ("yes" if value else "no")


def _when(value: float | None, now: float) -> str:
    if not value:
        return "-"
    ago = max(0, int(now - value))
    stamp = dt.datetime.fromtimestamp(value, dt.UTC).strftime("%H:%M:%S")
    return f"{stamp} ({ago // 60} min ago)" if ago >= 60 else f"{stamp} ({ago} s ago)"


def _error(t: TraineeStatus) -> str:
    if not t.last_error:
        return "-"
    return f"{t.last_error.get('code')} ({t.last_error.get('operation', '')})"


# ---------------------------------------------------------------------------------------------------- gathering
def status(lab: Any, rows: Iterable[Trainee], *, caller: QuotaCaller | None = None) -> ClassStatus:
    """Where each trainee of ``rows`` is, on the lab's target (the sandbox's class view, or AWS's APIs)."""
    rows = list(rows)
    if lab.is_sandbox:
        return _from_sandbox(lab, rows)
    limiter = RateLimiter(headroom=AWS_HEADROOM)
    return _from_aws(caller or QuotaCaller(single_attempt_client(lab), limiter), rows)


def _from_sandbox(lab: Any, rows: list[Trainee]) -> ClassStatus:
    by_pool: dict[str, dict[str, dict[str, Any]]] = {}
    notes: list[str] = []
    for pool_id in dict.fromkeys(r.pool_id for r in rows):
        try:
            answer = lab._control(f"class?pool={pool_id}")
        except Exception as exc:  # noqa: BLE001 - a pool gone or not ours: its rows say so, the rest still show
            notes.append(f"Pool {pool_id}: {exc}")
            by_pool[pool_id] = {}
            continue
        by_pool[pool_id] = {u["username"].lower(): u for u in answer["users"]}
    trainees = []
    for row in rows:
        found = by_pool.get(row.pool_id, {}).get(row.username.lower())
        if found is None:
            trainees.append(TraineeStatus(row.username, row.pool_id, exists=False))
            continue
        trainees.append(TraineeStatus(
            row.username, row.pool_id, enrolled=found["enrolled"], verified=found["verified"],
            totp_enabled=found["totp_enabled"], preferred=found["preferred"],
            mfa_sign_in_at=found.get("mfa_sign_in_at"), last_error=found.get("last_error"),
            user_status=found.get("status", "")))
    return ClassStatus(trainees, "sandbox", notes)


def _from_aws(caller: QuotaCaller, rows: list[Trainee]) -> ClassStatus:
    notes = ["On AWS, an association or a verified token shows only once TOTP is enabled (the API has no other "
             "trace of it): '?' until then."]
    protected: dict[str, bool] = {}
    for pool_id in dict.fromkeys(r.pool_id for r in rows):
        try:
            pool = caller.call("DescribeUserPool", UserPoolId=pool_id)["UserPool"]
        except ClientError:
            protected[pool_id] = False
            continue
        mode = (pool.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "OFF")
        protected[pool_id] = mode in ("AUDIT", "ENFORCED")
    if not all(protected.values()):
        notes.append("Without threat protection (UserPoolAddOns AUDIT or ENFORCED, Plus plan) Cognito keeps no "
                     "sign-in events: MFA sign-ins and errors can't be known for those pools.")
    trainees = []
    for row in rows:
        try:
            user = caller.call("AdminGetUser", UserPoolId=row.pool_id, Username=row.username)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("UserNotFoundException", "ResourceNotFoundException"):
                trainees.append(TraineeStatus(row.username, row.pool_id, exists=False))
                continue
            raise
        enabled = "SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or [])
        t = TraineeStatus(row.username, row.pool_id, enrolled=True if enabled else None,
                          verified=True if enabled else None, totp_enabled=enabled,
                          preferred=user.get("PreferredMfaSetting") == "SOFTWARE_TOKEN_MFA",
                          user_status=user.get("UserStatus", ""))
        if protected.get(row.pool_id):
            _add_events(caller, t)
        trainees.append(t)
    return ClassStatus(trainees, "aws", notes)


def _add_events(caller: QuotaCaller, t: TraineeStatus) -> None:
    events = caller.call("AdminListUserAuthEvents", UserPoolId=t.pool_id, Username=t.username,
                         MaxResults=10).get("AuthEvents", [])
    for event in events:  # newest first
        answers = {(c.get("ChallengeName"), c.get("ChallengeResponse")) for c in event.get("ChallengeResponses", [])}
        when = event.get("CreationDate")
        stamp = when.timestamp() if isinstance(when, dt.datetime) else float(when or 0)
        if t.mfa_sign_in_at is None and event.get("EventResponse") == "Pass" and ("Mfa", "Success") in answers:
            t.mfa_sign_in_at = stamp  # an MFA sign-in; with TOTP preferred, its TOTP
        if t.last_error is None and event.get("EventResponse") == "Fail":
            failed = "Mfa" if ("Mfa", "Failure") in answers else "Password"
            t.last_error = {"code": f"{failed} failed", "message": f"{event.get('EventType')}: {failed} failure",
                            "operation": event.get("EventType", ""), "at": stamp}
