"""How many trainees one machine holds on `cognito-mfa-kit hub`: memory and start time per trainee server.

Starts the hub as the trainer would (``HubServer``: the sandbox with credentials and a state, provisioning, JupyterHub
with configurable-http-proxy) for a class of ``-n`` trainees in a temporary folder, then, like trainees:

1. **one after the other** (``--sequential``, default half the class): sign in over HTTP, start the server through the
   hub's API (timed: request → JupyterLab answering through the proxy), open notebook 00 (a kernel) and run all its
   cells, then open notebook 02 and run it too (a second kernel: a trainee with two notebooks open). Measured per
   trainee: the server's and its kernels' memory (PSS: shared pages split between the processes that share them,
   so the figures add up), and the CPU time the server and kernels spent;
2. **all at once** (the rest): every remaining trainee signs in and asks for their server in the same second (a class
   arriving), timed until the last answers; then each runs notebook 00.

From these: the hub's own memory (JupyterHub, proxy, sandbox), memory per trainee, and the largest class this machine
holds — by memory (80 % of RAM for the class, the rest for the OS and the hub) and by CPU, which the course spends in
bursts: the class arriving (everybody in within 2 minutes) and a notebook everybody runs at once (done within 1
minute). The machine is a shared 2-core CI box:
run it niced, the figures are an upper bound on the cost.

    .venv/bin/python bench/hub_capacity.py                 # 8 trainees
    .venv/bin/python bench/hub_capacity.py -n 12 --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from report import publish

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cognito_mfa_kit.classroom_sheet import read_sheet
from cognito_mfa_kit.hub.client import HubClient, HubClientError
from cognito_mfa_kit.hub.server import HubServer

MIB = 1024 * 1024
SECTION = "## Hub capacity"
#: the last run's raw figures (git-ignored)
RAW = Path(__file__).resolve().parent / "results" / "hub_capacity.json"
#: a class arriving at once should all be in within this many seconds
ARRIVAL_S = 120
#: ... and a notebook everybody runs at the same moment should be done for all within this many seconds
BURST_S = 60


def _pss(proc: psutil.Process) -> int:
    try:
        info = proc.memory_full_info()
        return int(getattr(info, "pss", info.rss))
    except psutil.Error:
        return 0


def _cpu(proc: psutil.Process) -> float:
    try:
        t = proc.cpu_times()
        return float(t.user + t.system + getattr(t, "children_user", 0) + getattr(t, "children_system", 0))
    except psutil.Error:
        return 0.0


def user_processes(hub: HubServer, name: str) -> list[psutil.Process]:
    """The user's JupyterLab server and everything under it (kernels)."""
    assert hub.jupyterhub is not None
    for proc in psutil.Process(hub.jupyterhub.pid).children(recursive=True):
        try:
            if "jupyterhub.singleuser" in " ".join(proc.cmdline()) and proc.environ().get("JUPYTERHUB_USER") == name:
                return [proc, *proc.children(recursive=True)]
        except psutil.Error:
            continue
    return []


def hub_processes(hub: HubServer) -> list[psutil.Process]:
    """JupyterHub, its proxy and the sandbox (no user's server)."""
    found = []
    for child in hub.children():
        top = psutil.Process(child.pid)
        for proc in [top, *top.children(recursive=True)]:
            try:
                if "jupyterhub.singleuser" in " ".join(proc.cmdline()):
                    continue
                if any("jupyterhub.singleuser" in " ".join(p.cmdline()) for p in proc.parents()):
                    continue
            except psutil.Error:
                continue
            found.append(proc)
    return found


def kernels_of(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for proc in procs:
        try:
            if "ipykernel" in " ".join(proc.cmdline()):
                out.append(proc)
        except psutil.Error:
            pass
    return out


def run_notebook(client: HubClient, notebook: str) -> float:
    started = time.monotonic()
    kernel = client.kernel(notebook)
    done = kernel.run_notebook()
    failed = [d for d in done if not d.ok]
    if failed:
        raise RuntimeError(f"{client.username}: {notebook}: {failed[0].code!r} raised {failed[0].describe_error()}")
    kernel.ws.close()  # the kernel stays (a notebook left open); the session is deleted with the server
    return time.monotonic() - started


def measure(n: int, sequential: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cmk-hub-bench-") as tmp:
        env = dict(os.environ, HOME=tmp, XDG_DATA_HOME=f"{tmp}/xdg", JUPYTER_RUNTIME_DIR=f"{tmp}/runtime")
        for key in ("COGNITO_MFA_KIT_SANDBOX_URL", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE"):
            env.pop(key, None)
        started = time.monotonic()
        hub = HubServer(Path(tmp) / "class.csv", count=n, port=0, env=env, start_timeout=300)
        hub.start()
        try:
            hub_start = time.monotonic() - started
            time.sleep(2)
            baseline = sum(_pss(p) for p in hub_processes(hub))
            rows = read_sheet(hub.sheet)
            per: list[dict[str, Any]] = []
            for row in rows[:sequential]:
                client = HubClient(hub.local_url)
                assert client.sign_in(row.username, row.hub_password)
                start_s = client.start_server(timeout=300, poll=0.25)
                procs = user_processes(hub, row.username)
                idle_server = _pss(procs[0])
                cpu0 = sum(_cpu(p) for p in procs)
                nb00 = run_notebook(client, "00_start_here.ipynb")
                nb02 = run_notebook(client, "02_enrol_a_signed_in_user.ipynb")
                time.sleep(1)
                procs = user_processes(hub, row.username)
                kernels = kernels_of(procs)
                per.append({
                    "user": row.username, "start_s": start_s, "nb00_s": nb00, "nb02_s": nb02,
                    "server_idle_mib": idle_server / MIB, "server_mib": _pss(procs[0]) / MIB,
                    "kernels": len(kernels), "kernels_mib": sum(_pss(k) for k in kernels) / MIB,
                    "total_mib": sum(_pss(p) for p in procs) / MIB,
                    "cpu_s": sum(_cpu(p) for p in procs) - cpu0,
                })
                print(f"  {row.username}: server up in {start_s:.1f} s, notebook 00 {nb00:.1f} s, 02 {nb02:.1f} s, "
                      f"{per[-1]['total_mib']:.0f} MiB", flush=True)

            rest = rows[sequential:]
            burst: dict[str, Any] = {"trainees": len(rest)}
            if rest:
                clients = {r.username: HubClient(hub.local_url) for r in rest}
                for r in rest:
                    assert clients[r.username].sign_in(r.username, r.hub_password)
                failed: list[str] = []

                def arrive(r: Any) -> float:
                    try:
                        return clients[r.username].start_server(timeout=600)
                    except HubClientError:  # the trainee presses Start again
                        failed.append(r.username)
                        return clients[r.username].start_server(timeout=600)

                t0 = time.monotonic()
                with concurrent.futures.ThreadPoolExecutor(len(rest)) as pool:
                    starts = list(pool.map(arrive, rest))
                burst["failed_starts"] = len(failed)
                burst["all_up_s"] = time.monotonic() - t0
                burst["start_median_s"] = statistics.median(starts)
                t0 = time.monotonic()
                with concurrent.futures.ThreadPoolExecutor(len(rest)) as pool:
                    list(pool.map(lambda r: run_notebook(clients[r.username], "00_start_here.ipynb"), rest))
                burst["nb00_all_s"] = time.monotonic() - t0
                print(f"  {len(rest)} at once: all servers up in {burst['all_up_s']:.1f} s, notebook 00 in all "
                      f"{burst['nb00_all_s']:.1f} s", flush=True)
            time.sleep(1)
            everything = sum(_pss(p) for c in hub.children() for p in [psutil.Process(c.pid),
                                                                        *psutil.Process(c.pid).children(True)])
        finally:
            hub.stop()
    return {"n": n, "date": dt.date.today().isoformat(),
            "hub_start_s": hub_start, "baseline_mib": baseline / MIB, "per": per, "burst": burst,
            "everything_mib": everything / MIB}


def report(result: dict[str, Any]) -> str:
    per = result["per"]
    med = {k: statistics.median(p[k] for p in per) for k in ("start_s", "nb00_s", "nb02_s", "server_idle_mib",
                                                              "server_mib", "kernels_mib", "total_mib", "cpu_s")}
    kernel_mib = med["kernels_mib"] / max(1, statistics.median(p["kernels"] for p in per))
    ram = psutil.virtual_memory().total / MIB
    cores = psutil.cpu_count() or 1
    budget = 0.8 * ram - result["baseline_mib"]
    two_kernels = med["server_mib"] + 2 * kernel_mib
    by_memory = int(budget // two_kernels)
    by_memory_one = int(budget // (med["server_mib"] + kernel_mib))
    burst = result["burst"]
    lines = [
        SECTION,
        "",
        f"`bench/hub_capacity.py -n {result['n']}` ({result.get('date', '?')}, {cores} cores, "
        f"{ram / 1024:.0f} GiB, Python {platform.python_version()}; the machine is shared with other jobs: the "
        "figures are upper bounds). The hub as `cognito-mfa-kit hub` starts it: the sandbox (credentials required, "
        "SQLite state), JupyterHub and configurable-http-proxy, one JupyterLab per trainee (SimpleLocalProcessSpawner);"
        " each trainee signs in over HTTP, starts their server through the hub's API, and runs notebooks 00 and 02 "
        "through the kernel WebSocket (two kernels: two notebooks open). Memory is PSS (shared pages split), so it adds"
        " up.",
        "",
        "| measured | median of the trainees started one by one |",
        "|---|---|",
        f"| hub + proxy + sandbox, no trainee | {result['baseline_mib']:.0f} MiB (hub ready in "
        f"{result['hub_start_s']:.1f} s, class of {result['n']} provisioned) |",
        f"| a trainee's server start (sign-in → JupyterLab answering through the proxy) | {med['start_s']:.1f} s |",
        f"| their JupyterLab, idle / after two notebooks | {med['server_idle_mib']:.0f} / "
        f"{med['server_mib']:.0f} MiB |",
        f"| one course kernel (after notebook 00 or 02) | {kernel_mib:.0f} MiB |",
        f"| a trainee with two notebooks open (server + 2 kernels) | {med['total_mib']:.0f} MiB |",
        f"| notebook 00 / 02, all cells, through the hub | {med['nb00_s']:.1f} s / {med['nb02_s']:.1f} s |",
        f"| CPU time of server + kernels for notebooks 00 and 02 | {med['cpu_s']:.1f} s |",
    ]
    if burst.get("trainees"):
        lines.append(f"| {burst['trainees']} trainees asking for their server in the same second | all up in "
                     f"{burst['all_up_s']:.1f} s (median {burst['start_median_s']:.1f} s; "
                     f"{burst['failed_starts']} start(s) failed and were asked again); notebook 00 in all of them at "
                     f"once: {burst['nb00_all_s']:.1f} s |")
    # arrival: how many servers this machine brings up within ARRIVAL_S when a whole class asks at once
    arrival_rate = burst["trainees"] / burst["all_up_s"] if burst.get("trainees") else 1 / med["start_s"]
    by_arrival = int(arrival_rate * ARRIVAL_S)
    # CPU during the lesson: the trainer says "run the notebook" and everyone does, at the same moment
    burst_rate = burst["trainees"] / burst["nb00_all_s"] if burst.get("trainees") else 1 / med["nb00_s"]
    by_cpu = int(burst_rate * BURST_S)
    fits = min(by_memory, by_cpu, by_arrival)
    scale = 8 / cores
    fits8_cpu = min(int(by_cpu * scale), int(by_arrival * scale))
    per_gib = 0.8 * 1024 / two_kernels
    lines += [
        f"| everything at the end ({result['n']} trainees) | {result['everything_mib']:.0f} MiB |",
        "",
        f"**Largest class on this machine ({cores} cores, {ram / 1024:.0f} GiB): {fits} trainees**, the smallest of:",
        "",
        f"- memory: with 80 % of RAM for the class, {by_memory} trainees with two notebooks open each "
        f"({by_memory_one} with one; the lab shuts a closed notebook's kernel down and culls kernels idle for 30 "
        "minutes, so two is the usual case);",
        f"- CPU while the lesson runs: notebook 00 run by everybody at the same moment goes through at "
        f"{burst_rate:.2f} trainees per second ({med['nb00_s']:.1f} s alone), so {by_cpu} trainees finish it within "
        f"{BURST_S} s (the course's cells are short bursts: {med['cpu_s']:.1f} CPU-seconds for notebooks 00 and 02);",
        f"- arrival: {arrival_rate:.2f} servers started per second when they all ask at once, so {by_arrival} "
        f"trainees are in within {ARRIVAL_S} s (let a bigger class sign in over a few minutes).",
        "",
        f"On an **8-core** machine (extrapolated from these 2-core measurements: the CPU figures scale with the cores; "
        f"memory stays {two_kernels:.0f} MiB per trainee): about {fits8_cpu} trainees by CPU and arrival, so memory "
        f"decides: {per_gib:.1f} trainees per GiB of RAM given to the class — **{min(fits8_cpu, by_memory)} trainees** "
        f"with this machine's {ram / 1024:.0f} GiB, {min(fits8_cpu, int(per_gib * 32))} with 32 GiB.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=8, help="trainees (default 8)")
    parser.add_argument("--sequential", type=int, help="of them, started one by one (default: half)")
    parser.add_argument("--write", metavar="FILE", help="replace the section in FILE (docs/benchmarks.md)")
    parser.add_argument("--from-json", metavar="FILE", help=f"report a saved run (each run is saved to {RAW.name})")
    args = parser.parse_args()
    sequential = args.sequential if args.sequential is not None else max(1, args.n // 2)
    if args.from_json:
        result = json.loads(Path(args.from_json).read_text())
    else:
        result = measure(args.n, min(sequential, args.n))
        RAW.parent.mkdir(exist_ok=True)
        RAW.write_text(json.dumps(result, indent=1))
    text = report(result)
    publish(text, args.write, SECTION)


if __name__ == "__main__":
    main()
