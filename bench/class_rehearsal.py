"""A class rehearsal: N simulated trainees at once against one sandbox (``--state``, ``--require-credentials``).

The trainer provisions the class (``classroom provision --pool-per-trainee``: a pool and a key each); then every
trainee, in a thread of their own, signs with their own key (a profile each) and runs the course's flows:

1. first sign-in (a new password), then their pool's MFA set to OPTIONAL with TOTP;
2. AssociateSoftwareToken; VerifySoftwareToken with a wrong code first (provoked), then the right one;
3. SetUserMFAPreference (TOTP, preferred);
4. sign in: SOFTWARE_TOKEN_MFA, answered with the code just used at verify (provoked: ExpiredCodeException);
5. their OWN pool's clock moved past the session's life (``lab.clock_ahead``): the answer is refused (provoked:
   session expired); the clock goes back to real time at the end of the block;
6. sign in again and answer with the code a phone shows at real time (once the next 30-second step comes) —
   accepted: whatever the other trainees did to their own clocks.

Measured: every call's latency (median, p95, p99) from the kit's journal, the clock moves, errors other than the
provoked ones (aim: 0), effects across trainees (a trainee's real-time code refused, another's pool visible, a clock
left ahead: aim 0), and ``classroom status`` agreeing with what each did (aim: all at step 9).

    .venv/bin/python bench/class_rehearsal.py                       # 30 trainees
    .venv/bin/python bench/class_rehearsal.py -n 10 --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cognito_mfa_kit import classroom, flows
from cognito_mfa_kit.classroom_sheet import Trainee, read_sheet
from cognito_mfa_kit.classroom_status import status
from cognito_mfa_kit.connect import connect
from cognito_mfa_kit.flows.pool import TeachingPool
from cognito_mfa_kit.ratelimit import QuotaCaller, single_attempt_client

REGION = "us-east-1"
NEW_PASSWORD = "Rehearsal-Pass-9!"
PROVOKED = {"EnableSoftwareTokenMFAException", "ExpiredCodeException", "NotAuthorizedException"}


@contextlib.contextmanager
def sandbox(folder: Path) -> Iterator[tuple[str, Path]]:
    creds = folder / "trainer.ini"
    proc = subprocess.Popen([sys.executable, "-m", "cognito_mfa_kit", "sandbox", "--port", "0", "--state",
                             str(folder / "state.sqlite3"), "--require-credentials", "--credentials-file",
                             str(creds)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    proc.stdout.readline()
    try:
        yield url, creds
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _code_error(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code"))


class Rehearsal:
    def __init__(self, url: str, n: int) -> None:
        self.url = url
        self.n = n
        self.latencies: list[float] = []
        self.clock_moves: list[float] = []
        self.unexpected: Counter[str] = Counter()
        self.provoked: Counter[str] = Counter()
        self.cross: list[str] = []
        self.done: set[str] = set()
        self.lock = threading.Lock()

    def trainee(self, row: Trainee, start: threading.Event) -> None:
        start.wait()
        time.sleep(random.uniform(0, 2))  # a class doesn't press Enter in the same millisecond
        lab = connect(endpoint_url=self.url, profile=row.username)
        pool = TeachingPool(row.pool_id, row.client_id, "classroom", REGION, "OPTIONAL",
                            tuple(classroom.CLIENT_AUTH_FLOWS), 3, None)
        try:
            self._course(lab, pool, row)
            with self.lock:
                self.done.add(row.username)
        except ClientError as exc:
            with self.lock:
                self.unexpected[f"{exc.operation_name}: {_code_error(exc)}"] += 1
        except Exception as exc:  # noqa: BLE001 - counted and shown: the rehearsal must report, not stop
            with self.lock:
                self.unexpected[f"{type(exc).__name__}: {exc}"] += 1
        finally:
            with self.lock:
                for call in lab.journal:
                    self.latencies.append(call.elapsed_ms)
            lab.close()

    def _expect(self, code: str, call: Any) -> None:
        try:
            call()
        except ClientError as exc:
            got = _code_error(exc)
            with self.lock:
                (self.provoked if got == code else self.unexpected)[got if got == code else
                                                                     f"{exc.operation_name}: {got} (not {code})"] += 1
            return
        with self.lock:
            self.unexpected[f"no {code}"] += 1

    def _course(self, lab: Any, pool: TeachingPool, row: Trainee) -> None:
        first = flows.sign_in(lab, pool, row.username, row.temporary_password, api="client")
        tokens = flows.respond(lab, pool, first, new_password=NEW_PASSWORD)
        lab.client.set_user_pool_mfa_config(UserPoolId=pool.pool_id, MfaConfiguration="OPTIONAL",
                                            SoftwareTokenMfaConfiguration={"Enabled": True})
        association = flows.associate(lab, access_token=tokens.access_token)
        phone = flows.authenticator(lab, association, account_name=row.username)
        near = {phone.code_at(phone.clock.now() + 30 * o) for o in (-1, 0, 1)}
        wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
        self._expect("EnableSoftwareTokenMFAException", lambda: lab.client.verify_software_token(
            AccessToken=tokens.access_token, UserCode=wrong))
        used = phone.code()
        flows.verify(lab, used, access_token=tokens.access_token)
        flows.set_preference(lab, tokens.access_token, totp_enabled=True, totp_preferred=True)
        challenge = flows.sign_in(lab, pool, row.username, NEW_PASSWORD, api="client")
        self._expect("ExpiredCodeException", lambda: flows.respond(lab, pool, challenge, code=used))
        started = time.perf_counter()
        with lab.clock_ahead(200, pool):  # past the 3-minute session
            self.clock_moves.append((time.perf_counter() - started) * 1000)
            self._expect("NotAuthorizedException", lambda: flows.respond(lab, pool, challenge, code=phone.code()))
        # back on real time: the code of the next real 30-second step works, whatever the others' clocks do
        step = int(time.time() // 30)
        while int(time.time() // 30) == step:
            time.sleep(0.5)
        again = flows.sign_in(lab, pool, row.username, NEW_PASSWORD, api="client")
        try:
            flows.respond(lab, pool, again, code=pyotp.TOTP(association.secret_code).now())
        except ClientError as exc:
            with self.lock:
                self.cross.append(f"{row.username}: real-time code refused ({_code_error(exc)})")
        mine = {p["Id"] for p in lab.client.list_user_pools(MaxResults=60)["UserPools"]}
        if mine != {pool.pool_id}:
            with self.lock:
                self.cross.append(f"{row.username} sees pools {sorted(mine)}")
        if abs(lab.clock_time(pool).offset) > 0.5:
            with self.lock:
                self.cross.append(f"{row.username}: pool clock left ahead")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with sandbox(folder) as (url, trainer_creds):
            os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(trainer_creds)
            os.environ["AWS_CONFIG_FILE"] = os.devnull
            for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
                os.environ.pop(var, None)
            trainer = connect(endpoint_url=url, profile="cmk-trainer")
            sheet = folder / "class.csv"
            started = time.perf_counter()
            classroom.provision(QuotaCaller(single_attempt_client(trainer)), classroom.usernames_for_count(n), sheet,
                                run_id="rehearsal", region=REGION, endpoint_url=url, shared_pool=False,
                                progress=False, keys=trainer.issue_trainee_key)
            provisioned = time.perf_counter() - started
            rows = read_sheet(sheet)
            profiles = folder / "class.ini"  # every trainee's key as a profile, as each laptop would have its own
            profiles.write_text(trainer_creds.read_text() + "".join(
                f"[{r.username}]\naws_access_key_id = {r.aws_access_key_id}\n"
                f"aws_secret_access_key = {r.aws_secret_access_key}\n" for r in rows))
            os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(profiles)
            rehearsal = Rehearsal(url, n)
            go = threading.Event()
            threads = [threading.Thread(target=rehearsal.trainee, args=(r, go)) for r in rows]
            for t in threads:
                t.start()
            started = time.perf_counter()
            go.set()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            report = status(trainer, rows)
            steps = Counter(t.step for t in report.trainees)
    lat = rehearsal.latencies
    return {
        "n": n, "provision_s": provisioned, "wall_s": wall, "calls": len(lat),
        "median": statistics.median(lat), "p95": percentile(lat, 95), "p99": percentile(lat, 99),
        "max": max(lat), "clock_median": statistics.median(rehearsal.clock_moves or [0.0]),
        "unexpected": dict(rehearsal.unexpected), "provoked": dict(rehearsal.provoked),
        "cross": rehearsal.cross, "finished": len(rehearsal.done), "steps": dict(steps),
        "status_right": steps.get(9, 0) == n,
    }


def report(r: dict[str, Any]) -> str:
    lines = [
        "## Class rehearsal",
        "",
        f"`bench/class_rehearsal.py -n {r['n']}` ({dt.datetime.now(dt.UTC):%Y-%m-%d}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs): {r['n']} trainees at once, each a thread with their "
        "own key and pool, against ONE sandbox with `--state` and `--require-credentials` (the trainees' client "
        "threads share the machine with the sandbox). Each runs the course's flows: first sign-in, associate, a "
        "wrong code then verify, prefer, a reused code, their own pool's clock moved past the session's life and "
        "back, then a real phone's code at real time.",
        "",
        "| measure | result | aim |",
        "|---|---|---|",
        f"| calls | {r['calls']} in {r['wall_s']:.0f} s (provisioning {r['provision_s']:.1f} s before) | |",
        f"| latency per call, median / p95 / p99 / max | {r['median']:.1f} / {r['p95']:.1f} / {r['p99']:.1f} / "
        f"{r['max']:.0f} ms | p95 ≤ 250 ms |",
        f"| clock move (signed control call), median | {r['clock_median']:.1f} ms | |",
        f"| errors other than the provoked ones | {sum(r['unexpected'].values())} {r['unexpected'] or ''} | 0 |",
        f"| provoked errors seen | {r['provoked']} | {r['n']} of each |",
        f"| cross-trainee effects | {len(r['cross'])} {r['cross'][:3] or ''} | 0 |",
        f"| `classroom status` at step 9 | {r['steps'].get(9, 0)} of {r['n']} | all |",
        "",
        f"Command: `python bench/class_rehearsal.py -n {r['n']}`",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="trainees (default 30)")
    parser.add_argument("--write", metavar="FILE", help="replace this section of a Markdown file")
    args = parser.parse_args()
    results = run(args.n)
    text = report(results)
    print(text)
    if args.write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from report import replace_section

        replace_section(Path(args.write), text)
    ok = not results["unexpected"] and not results["cross"] and results["status_right"] and results["p95"] <= 250
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
