"""Does a call cost the same on day one and after a whole class? The SQLite store under 5,000 sign-ins.

Two ``cognito-mfa-kit sandbox`` processes, one with ``--state FILE`` and one in memory, each with one shared pool of
500 users; then 5,000 AdminInitiateAuth password sign-ins (each issues an access, an ID and a refresh token) spread
over the users, sent to both sandboxes in turn so machine noise hits both alike. Reports the median latency of the
first and the last 250 sign-ins of each, by window, the store's size and rows, and the start time of a sandbox on
that store.

    .venv/bin/python bench/state_scale.py                      # prints the results
    .venv/bin/python bench/state_scale.py --write docs/benchmarks.md

Aims (issue 11): last 250 ≤ 1.3× the first 250; last 250 with --state ≤ 1.5× without, in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
from botocore.config import Config
from report import publish

PASSWORD = "Correct-Horse-9!"
REGION = "us-east-1"


@contextlib.contextmanager
def sandbox(*flags: str) -> Iterator[tuple[str, float]]:
    """A sandbox subprocess: (its URL, seconds from spawn to its URL line)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cognito_mfa_kit", "sandbox", "--port", "0", *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    took = time.perf_counter() - started
    try:
        assert url.startswith("http://"), url
        yield url, took
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def client(url: str):
    return boto3.client("cognito-idp", endpoint_url=url, region_name=REGION, aws_access_key_id="bench",
                        aws_secret_access_key="bench", config=Config(retries={"mode": "standard", "max_attempts": 1}))


def set_up(c, users: int) -> tuple[str, str]:
    pool = c.create_user_pool(PoolName="state-scale")["UserPool"]["Id"]
    app = c.create_user_pool_client(UserPoolId=pool, ClientName="app", ExplicitAuthFlows=[
        "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    for n in range(users):
        c.admin_create_user(UserPoolId=pool, Username=f"user-{n:04d}", TemporaryPassword=PASSWORD,
                            MessageAction="SUPPRESS")
        c.admin_set_user_password(UserPoolId=pool, Username=f"user-{n:04d}", Password=PASSWORD, Permanent=True)
    return pool, app


def sign_in(c, pool: str, app: str, n: int) -> float:
    started = time.perf_counter()
    c.admin_initiate_auth(UserPoolId=pool, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": f"user-{n:04d}", "PASSWORD": PASSWORD})
    return (time.perf_counter() - started) * 1000


def ms(values: list[float]) -> float:
    return statistics.median(values)


def run(sign_ins: int, users: int, window: int) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.sqlite3"
        with sandbox("--state", str(path)) as (stored_url, _), sandbox() as (memory_url, _):
            targets = {"state": client(stored_url), "memory": client(memory_url)}
            ids = {name: set_up(c, users) for name, c in targets.items()}
            for name, c in targets.items():  # warm-up
                for n in range(20):
                    sign_in(c, *ids[name], n % users)
            latencies: dict[str, list[float]] = {"state": [], "memory": []}
            order = ["state", "memory"]
            for n in range(sign_ins):
                for name in order if n % 2 else reversed(order):
                    latencies[name].append(sign_in(targets[name], *ids[name], n % users))
            results["latencies"] = latencies
        results["size_bytes"] = sum(f.stat().st_size for f in Path(folder).iterdir())
        with contextlib.closing(sqlite3.connect(path)) as db:
            results["rows"] = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                               for t in ("pools", "users", "tokens", "auth_times", "sessions")}
        starts = []
        for _ in range(3):
            with sandbox("--state", str(path)) as (_, took):
                starts.append(took)
        with sandbox() as (_, took):
            results["start_memory_s"] = took
        results["start_state_s"] = statistics.median(starts)
    state, memory = results["latencies"]["state"], results["latencies"]["memory"]
    results["first"] = ms(state[:window])
    results["last"] = ms(state[-window:])
    results["memory_first"] = ms(memory[:window])
    results["memory_last"] = ms(memory[-window:])
    results["growth"] = results["last"] / results["first"]
    results["vs_memory"] = results["last"] / results["memory_last"]
    results["windows"] = [(i, ms(state[i:i + 500]), ms(memory[i:i + 500])) for i in range(0, sign_ins, 500)]
    return results


def report(r: dict, sign_ins: int, users: int, window: int) -> str:
    lines = [
        "## Sandbox state at scale",
        "",
        f"`bench/state_scale.py` ({dt.datetime.now(dt.UTC):%Y-%m-%d}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs): one shared pool of {users} users, {sign_ins} AdminInitiateAuth password sign-ins "
        "(each writes an access, an ID and a refresh token and the sign-in time) against a sandbox with `--state` "
        "(SQLite, WAL, synchronous=NORMAL) and one in memory, interleaved call by call.",
        "",
        "| median ms | first 250 | last 250 | last / first |",
        "|---|---|---|---|",
        f"| `--state` | {r['first']:.2f} | {r['last']:.2f} | {r['growth']:.2f}× (aim ≤ 1.3×) |",
        f"| in memory | {r['memory_first']:.2f} | {r['memory_last']:.2f} | "
        f"{r['memory_last'] / r['memory_first']:.2f}× |",
        f"| `--state` / in memory | | {r['vs_memory']:.2f}× (aim ≤ 1.5×) | |",
        "",
        "By window of 500 sign-ins (median ms, `--state` / in memory): "
        + ", ".join(f"{i}–{i + 500}: {s:.1f} / {m:.1f}" for i, s, m in r["windows"]) + ".",
        "",
        f"Store after the run: {r['size_bytes'] / 1e6:.1f} MB (database and WAL), rows "
        + ", ".join(f"{k} {v}" for k, v in r["rows"].items())
        + f". A sandbox starts on it in {r['start_state_s']:.2f} s (median of 3; in memory: "
        f"{r['start_memory_s']:.2f} s).",
        "",
        f"Command: `python bench/state_scale.py --sign-ins {sign_ins} --users {users}`",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sign-ins", type=int, default=5000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--window", type=int, default=250)
    parser.add_argument("--write", metavar="FILE", help="replace this section of a Markdown file (docs/benchmarks.md)")
    args = parser.parse_args()
    results = run(args.sign_ins, args.users, args.window)
    text = report(results, args.sign_ins, args.users, args.window)
    publish(text, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
