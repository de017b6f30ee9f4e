"""The sandbox's own time per call, from a request's first byte read to its answer written: this tree against the
sandbox of a git revision, in the same run.

``bench/sandbox_latency.py`` times a call at the client (boto3 included) and the server's CPU between the client's
reads; this takes the client and the scheduler's hand-offs out. Each sandbox runs in its own process with a small
timing shim (``SHIM`` below: it wraps the HTTP handler's ``_serve`` and the socket's ``recv_into``, nothing else);
the calls go through boto3 over loopback, the two sandboxes alternating call by call (and cognito-local between them
with ``--with-cognito-local``, as in the latency benchmark, so each sandbox runs as cold as there).

Usage::

    .venv/bin/python bench/server_time.py --baseline 03abffb [-n 400] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sandbox_latency as latency
from report import publish

ROOT = Path(__file__).resolve().parent.parent

#: Run as ``python -c SHIM <result file>`` with the sandbox's tree on PYTHONPATH: serves a sandbox on a free port,
#: prints its URL, and on SIGTERM writes {operation: [seconds, ...]} to the result file.
SHIM = r"""
import json, signal, socket, sys, threading, time
from cognito_mfa_kit.sandbox import Sandbox
from cognito_mfa_kit.sandbox import httpserver
times, local = {}, threading.local()
handler = httpserver._Handler
serve = handler._serve
_recv = socket.socket.recv_into

def recv_into(self, *args, **kwargs):
    count = _recv(self, *args, **kwargs)
    if getattr(local, "first", None) is None:
        local.first = time.perf_counter()
    return count

def timed_serve(self, *args, **kwargs):
    try:
        return serve(self, *args, **kwargs)
    finally:
        done = time.perf_counter()
        target = (args[0].get("HTTP_X_AMZ_TARGET") if args else self.headers.get("X-Amz-Target")) or ""
        if local.first is not None:
            times.setdefault(target.rpartition(".")[2], []).append(done - local.first)
        local.first = None

socket.socket.recv_into = recv_into
if getattr(handler, "do_POST", None) is serve:  # older trees: http.server calls do_POST
    handler.do_POST = handler.do_GET = timed_serve
handler._serve = timed_serve
box = Sandbox.start(port=0)
print(box.endpoint_url, flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
box.stop()
with open(sys.argv[1], "w") as out:
    json.dump(times, out)
"""


def _start(label: str, tree: Path, result: Path) -> latency.Target:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.Popen([sys.executable, "-c", SHIM, str(result)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=tree, env=env)
    return latency._serving(latency.Target(label), proc)


def _tree_of(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", rev, "cognito_mfa_kit"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _change(now: float, before: float) -> str:
    return f"{now - before:+.0f} µs ({(now / before - 1) * 100:+.0f} %)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=True, metavar="REV", help="the git revision to compare with")
    parser.add_argument("-n", "--iterations", type=int, default=400)
    parser.add_argument("--with-cognito-local", action="store_true",
                        help="call cognito-local between the sandboxes too (as bench/sandbox_latency.py does)")
    parser.add_argument("--write", metavar="MD", help="write the section to this Markdown file")
    args = parser.parse_args(argv)
    rev = subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="server-time-") as tmp:
        results = {"this tree": Path(tmp, "now.json"), f"sandbox @ {rev} (before)": Path(tmp, "before.json")}
        trees = {"this tree": ROOT, f"sandbox @ {rev} (before)": _tree_of(rev, Path(tmp))}
        targets = [_start(label, trees[label], results[label]) for label in results]
        others: list[latency.Target] = []
        try:
            if args.with_cognito_local:
                others.append(latency.start_cognito_local(None))
            for target in targets + [o for o in others if not o.skipped]:
                latency.prepare(target)
            rounds = [targets + others, (targets + others)[::-1]]
            for i in range(args.iterations):
                for call in latency.CALLS:
                    for target in rounds[i % 2]:
                        if not target.skipped:
                            begin = time.perf_counter()
                            target.calls[call]()
                            target.samples[call].append(time.perf_counter() - begin)
        finally:
            for target in targets:
                if target.proc is not None:
                    target.proc.send_signal(signal.SIGTERM)
                    target.proc.wait(30)
                    target.proc = None
                target.stop()
            for other in others:
                other.stop()
        measured = {label: json.loads(path.read_text()) for label, path in results.items()}
        at_client = {target.name: target.samples for target in targets}
    labels = list(measured)
    lines = ["| call | " + " | ".join(labels) + " | change | at the client: this tree | before | change |",
             "|---|" + "---|" * (len(labels) + 4)]
    for call in latency.CALLS:
        now, before = (statistics.median(measured[label][call]) * 1e6 for label in labels)
        client_now, client_before = (statistics.median(at_client[label][call]) * 1e6 for label in labels)
        lines.append(f"| {call} | {now:.0f} | {before:.0f} | {_change(now, before)} | {client_now:.0f} | "
                     f"{client_before:.0f} | {_change(client_now, client_before)} |")
    command = "python bench/server_time.py " + " ".join(argv if argv is not None else sys.argv[1:])
    section = f"""## Sandbox latency, server side

The sandbox's own time per call in µs, **median** from a request's first byte read to its answer written
(`bench/server_time.py`: a timing shim in each sandbox process; {args.iterations} iterations per call, the two
sandboxes alternating call by call{", cognito-local called between them" if args.with_cognito_local else ""}), and
the same calls timed at the client (boto3 included).

{chr(10).join(lines)}

- Date: {dt.datetime.now().astimezone().isoformat(timespec="minutes")}
- Command: `{command.strip()}`
"""
    publish(section, args.write, "## Sandbox latency, server side")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
