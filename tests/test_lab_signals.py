"""Stopping the lab leaves nothing behind, whatever signals arrive; one lab (or sandbox) per state.

Every test runs the real commands in subprocesses: `cognito-mfa-kit lab` (a sandbox, JupyterLab and a kernel started
through JupyterLab's REST API) and `cognito-mfa-kit sandbox --state`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from lab_helpers import (
    LabRun,
    dead_pid,
    listening_ports,
    log_file,
    pool_names,
    sandbox_client,
    sandbox_command,
    state_file,
    wait_for_file,
    wait_until_gone,
)

from cognito_mfa_kit.lifetime import GRACE
from cognito_mfa_kit.sandbox.statelock import lock_path

# how each scenario stops the lab: (signal, seconds to wait before the next one), ...
SCENARIOS = {
    "sigint-then-sigterm-0.5s-later": [(signal.SIGINT, 0.5), (signal.SIGTERM, 0)],
    "sighup": [(signal.SIGHUP, 0)],
    "sigterm-twice": [(signal.SIGTERM, 0.1), (signal.SIGTERM, 0)],
    "sigkill": [(signal.SIGKILL, 0)],
}


def _started_with_a_kernel(run: LabRun) -> tuple[list[psutil.Process], set[int]]:
    """Wait for the lab, start a kernel through JupyterLab, make a pool; the lab's process tree and its ports."""
    run.wait_for_url()
    assert run.sandbox_url
    kernel = run.start_kernel()
    sandbox_client(run.sandbox_url).create_user_pool(PoolName="kept")
    tree = run.process_tree()
    assert kernel in tree
    commands = [" ".join(p.cmdline()) for p in tree]
    assert any("jupyterlab" in c for c in commands) and any(" sandbox " in c for c in commands), commands
    ports = listening_ports(tree)
    assert run.jupyter_port in ports and int(run.sandbox_url.rsplit(":", 1)[1]) in ports
    return tree, ports


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_whatever_signals_stop_the_lab_nothing_is_left_and_the_next_lab_starts_on_the_same_state(
    scenario: str, run_lab, lab_env
) -> None:
    run = run_lab()
    tree, ports = _started_with_a_kernel(run)

    for sig, pause in SCENARIOS[scenario]:
        run.proc.send_signal(sig)
        time.sleep(pause)
    code = run.proc.wait(60)
    assert code == (-signal.SIGKILL if scenario == "sigkill" else 0), run.output()
    wait_until_gone(tree, ports, within=10)

    again = run_lab()
    again.wait_for_url()
    assert again.sandbox_url and pool_names(again.sandbox_url) == ["kept"], "the next lab runs on the same state"
    assert again.stop(signal.SIGTERM) == 0, again.output()


def test_a_second_lab_is_refused_and_touches_nothing_of_the_first_which_keeps_working(run_lab, lab_env) -> None:
    first = run_lab()
    first.wait_for_url()
    assert first.sandbox_url
    sandbox_client(first.sandbox_url).create_user_pool(PoolName="first-lab")
    state, log = state_file(lab_env), log_file(lab_env)
    wait_for_file(state)
    state_before, log_before = state.read_bytes(), log.read_bytes()
    assert log_before, "the first lab has logged something"

    for args in [(), ("--fresh",)]:
        second = run_lab(*args)
        assert second.proc.wait(60) == 2
        out = second.output()
        assert f"pid {first.proc.pid}" in out and "cognito_mfa_kit lab" in out, out
        assert "--state FILE" in out and f"kill {first.proc.pid}" in out and "Traceback" not in out, out

    assert state.read_bytes() == state_before, "the live state is not moved or rewritten"
    assert not list(state.parent.glob("*.bak")), "--fresh must not move a live state aside"
    assert log.read_bytes().startswith(log_before), "the live log is not truncated"
    assert first.api("/api/status")[0] == 200 and first.proc.poll() is None
    assert pool_names(first.sandbox_url) == ["first-lab"]

    # a lab on a state of its own runs beside the first, with a log of its own
    other_state = Path(lab_env["XDG_DATA_HOME"]).parent / "other" / "pools.json"
    beside = run_lab("--state", str(other_state))
    beside.wait_for_url()
    assert beside.sandbox_url and beside.sandbox_url != first.sandbox_url
    sandbox_client(beside.sandbox_url).create_user_pool(PoolName="beside")
    assert pool_names(beside.sandbox_url) == ["beside"] and pool_names(first.sandbox_url) == ["first-lab"]
    assert (other_state.parent / "pools.lab.log").exists()
    wait_for_file(other_state)
    assert beside.stop() == 0 and first.stop() == 0
    assert log.read_bytes().startswith(log_before)


def test_stale_locks_of_a_dead_process_are_taken_over(run_lab, lab_env) -> None:
    state, log = state_file(lab_env), log_file(lab_env)
    state.parent.mkdir(parents=True)
    gone = dead_pid()
    for path in (state, log):
        lock_path(path).write_text(f"{gone}\npython -m cognito_mfa_kit lab (killed)\n")

    run = run_lab()
    run.wait_for_url()
    holders = {path.name: int(lock_path(path).read_text().split()[0]) for path in (state, log)}
    sandbox = next(p for p in run.process_tree() if " sandbox " in " ".join(p.cmdline()))
    assert holders == {log.name: run.proc.pid, state.name: sandbox.pid}
    assert run.stop() == 0, run.output()
    assert not lock_path(state).exists() and not lock_path(log).exists(), "released and removed on a clean stop"


def test_a_sandbox_on_a_state_another_process_holds_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    state = tmp_path / "class.json"
    holder = subprocess.Popen(
        sandbox_command("--state", str(state)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().startswith("http://")
        refused = subprocess.run(sandbox_command("--state", str(state)), capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and refused.stdout == ""
        assert f"in use by process {holder.pid}" in refused.stderr, refused.stderr
        assert f"kill {holder.pid}" in refused.stderr and "Traceback" not in refused.stderr
        assert holder.poll() is None, "the holder keeps running"
    finally:
        holder.send_signal(signal.SIGHUP)  # a closed terminal stops it too
        assert holder.wait(30) == 0
    assert not lock_path(state).exists()

    lock_path(state).write_text(f"{dead_pid()}\nsandbox (killed)\n")
    taken = subprocess.Popen(sandbox_command("--state", str(state)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        assert taken.stdout is not None and taken.stdout.readline().startswith("http://")
        assert lock_path(state).read_text().split()[0] == str(taken.pid)
    finally:
        taken.terminate()
        _, err = taken.communicate(timeout=30)
    assert taken.returncode == 0 and "Took over" in err, err


def test_a_lab_is_refused_a_state_a_sandbox_holds(run_lab, lab_env, tmp_path: Path) -> None:
    state = tmp_path / "shared.json"
    holder = subprocess.Popen(sandbox_command("--state", str(state)), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().startswith("http://")
        refused = run_lab("--state", str(state), "--fresh")
        assert refused.proc.wait(60) == 2
        out = refused.output()
        assert f"in use by process {holder.pid}" in out, out
        assert not list(tmp_path.glob("*.bak")), "the held state is not moved aside"
    finally:
        holder.terminate()
        holder.wait(30)


def test_a_second_signal_makes_the_sandbox_exit_at_once(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    proc = subprocess.Popen(sandbox_command("--state", str(state)), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None and proc.stdout.readline().startswith("http://")
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) in (0, 1)  # stopped cleanly, or hurried out (nothing to lose: every change is saved)
    again = subprocess.Popen(sandbox_command("--state", str(state)), stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        assert again.stdout is not None and again.stdout.readline().startswith("http://")
    finally:
        again.terminate()
        assert again.wait(30) == 0


PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    from cognito_mfa_kit.lifetime import child_command
    child = subprocess.Popen(child_command("cognito_mfa_kit", "sandbox", "--state", sys.argv[1]),
                             stdout=subprocess.PIPE, text=True)
    print(child.pid, child.stdout.readline().strip(), flush=True)
    time.sleep(600)
    """
)


def test_a_sandbox_started_through_lifetime_ends_with_its_parent_even_when_killed_outright(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(state)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pid, url = parent.stdout.readline().split()
    child = psutil.Process(int(pid))
    ports = listening_ports([child])
    assert url.startswith("http://") and ports
    parent.kill()
    parent.wait(10)
    wait_until_gone([child], ports, within=10)
    assert not lock_path(state).exists(), "it stopped cleanly (SIGTERM), releasing its lock"


STUBBORN = textwrap.dedent(
    """
    import signal, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a shutdown that never comes
    print("ready", flush=True)
    time.sleep(600)
    """
)
STUBBORN_PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    from cognito_mfa_kit.lifetime import child_command
    child = subprocess.Popen(child_command("stubborn"), stdout=subprocess.PIPE, text=True)
    print(child.pid, child.stdout.readline().strip(), flush=True)
    time.sleep(600)
    """
)


def test_a_child_that_ignores_the_parents_death_signal_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    (tmp_path / "stubborn.py").write_text(STUBBORN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    parent = subprocess.Popen([sys.executable, "-c", STUBBORN_PARENT], stdout=subprocess.PIPE, text=True, env=env)
    assert parent.stdout is not None
    pid, word = parent.stdout.readline().split()
    assert word == "ready"
    child = psutil.Process(int(pid))
    parent.kill()
    parent.wait(10)
    wait_until_gone([child], set(), within=GRACE + 5)


def test_nohup_keeps_the_sandbox_running_when_the_terminal_closes(tmp_path: Path) -> None:
    proc = subprocess.Popen(["nohup", *sandbox_command()], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, cwd=tmp_path)
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("http://")
        proc.send_signal(signal.SIGHUP)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(2)  # still serving: nohup asked for that
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_state_in_a_missing_folder_is_refused_saying_so(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "s.json"
    done = subprocess.run(sandbox_command("--state", str(missing)), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"the folder {missing.parent} does not exist" in done.stderr
