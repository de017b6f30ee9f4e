"""Classroom provisioning speed, and the rate it keeps against a sandbox that enforces Cognito's quota.

    .venv/bin/python bench/classroom.py [--trainees 100] [--quota-trainees 300] [--append docs/benchmarks.md]

1. ``--trainees`` trainees (shared pool) against a plain ``cognito-mfa-kit sandbox`` server (aim: ≤ 10 s).
2. ``--quota-trainees`` trainees against ``cognito-mfa-kit sandbox --rate-limit 50``: the AdminCreateUser rate
   achieved (aim: ≥ 90 % of 50/s, zero failures), and, for contrast, the same without the client-side limiter.
Each scenario uses its own sandbox subprocess (as a class would: the trainer's server, the kit as a client).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
from botocore.config import Config

from cognito_mfa_kit import classroom
from cognito_mfa_kit.ratelimit import QuotaCaller, RateLimiter
from cognito_mfa_kit.sandbox.quotas import DEFAULT_RPS


@contextmanager
def sandbox_server(*flags: str) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "cognito_mfa_kit", "sandbox", *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def client(url: str):
    return boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x",
                        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=32))


def run(url: str, n: int, limiter: RateLimiter | None, run_id: str) -> dict:
    caller = QuotaCaller(client(url), limiter)
    stamps: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        report = classroom.provision(caller, classroom.usernames_for_count(n), Path(tmp) / "sheet.csv",
                                     run_id=run_id, region="us-east-1", progress=False,
                                     on_trainee=lambda _t: stamps.append(time.perf_counter()))
        total = time.perf_counter() - started
        on_sheet = len(classroom.read_sheet(Path(tmp) / "sheet.csv"))
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return {"seconds": total, "rate": rate, "on_sheet": on_sheet, "created": report.created,
            "throttled": report.stats.throttled, "gave_up": report.stats.gave_up, "sent": report.stats.sent}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trainees", type=int, default=100)
    parser.add_argument("--quota-trainees", type=int, default=300)
    parser.add_argument("--append", metavar="FILE", help="append the figures (markdown) to FILE")
    args = parser.parse_args()
    quota = DEFAULT_RPS["UserCreation"]

    with sandbox_server() as url:
        plain = run(url, args.trainees, RateLimiter(), "bench-plain")
    with sandbox_server("--rate-limit", f"{quota:g}") as url:
        paced = run(url, args.quota_trainees, RateLimiter(), "bench-paced")
    with sandbox_server("--rate-limit", f"{quota:g}") as url:
        unpaced = run(url, args.quota_trainees, RateLimiter(rates={}), "bench-unpaced")

    lines = [
        "",
        "## Classroom provisioning",
        "",
        f"`bench/classroom.py` ({time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; each scenario against its own `cognito-mfa-kit sandbox` subprocess; shared pool, "
        "8 workers, client-side limiter at 95 % of each quota, backoff with full jitter on TooManyRequests).",
        "",
        "| scenario | trainees | time | AdminCreateUser rate | throttled (retried) | failures |",
        "|---|---|---|---|---|---|",
        f"| plain sandbox (aim ≤ 10 s) | {plain['on_sheet']} | {plain['seconds']:.1f} s | {plain['rate']:.1f}/s "
        f"| {plain['throttled']} | {plain['gave_up'] + args.trainees - plain['on_sheet']} |",
        f"| sandbox `--rate-limit {quota:g}`, kit limiter (aim ≥ {0.9 * quota:g}/s, 0 failures) | "
        f"{paced['on_sheet']} | {paced['seconds']:.1f} s | {paced['rate']:.1f}/s "
        f"({paced['rate'] / quota:.0%} of {quota:g}) | {paced['throttled']} | "
        f"{paced['gave_up'] + args.quota_trainees - paced['on_sheet']} |",
        f"| same, limiter off (backoff only) | {unpaced['on_sheet']} | {unpaced['seconds']:.1f} s | "
        f"{unpaced['rate']:.1f}/s ({unpaced['rate'] / quota:.0%}) | {unpaced['throttled']} | "
        f"{unpaced['gave_up'] + args.quota_trainees - unpaced['on_sheet']} |",
        "",
        "The time of the plain run is bounded below by the limiter itself: 100 AdminCreateUser calls at "
        f"{0.95 * quota:g}/s take {100 / (0.95 * quota):.1f} s. Rates are measured between the first and the last "
        "trainee written to the sheet.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.append:
        with open(args.append, "a", encoding="utf-8") as handle:
            handle.write(text)
    ok = plain["seconds"] <= 10 and paced["rate"] >= 0.9 * quota and paced["gave_up"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
