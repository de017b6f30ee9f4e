"""`cognito-mfa-kit lab` as a user runs it: a real sandbox and JupyterLab as child processes, stopped by a signal."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import psutil
import pytest

from cognito_mfa_kit.connect import ENV_URL
from cognito_mfa_kit.labserver import ENV_TARGET

URL_LINE = re.compile(r"^http://\S+/lab\?token=(\w+)$")
SANDBOX_LINE = re.compile(r"^Cognito sandbox: (http://\S+)")


@pytest.fixture()
def lab_env(tmp_path: Path) -> dict[str, str]:
    """A user environment of its own: data folder (sandbox state, log), Jupyter runtime files, workspaces."""
    env = dict(os.environ)
    env.update(
        XDG_DATA_HOME=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    env.pop(ENV_URL, None)
    (tmp_path / "notebooks").mkdir()
    return env


def _state_file(env: dict[str, str]) -> Path:
    return Path(env["XDG_DATA_HOME"]) / "cognito-mfa-kit" / "sandbox-state.sqlite3"


class LabRun:
    """`python -m cognito_mfa_kit lab ...` in a subprocess, its output read line by line."""

    def __init__(self, env: dict[str, str], *args: str, ignore_sigint: bool = False) -> None:
        notebooks = Path(env["XDG_DATA_HOME"]).parent / "notebooks"
        cmd = [sys.executable, "-m", "cognito_mfa_kit", "lab", "--no-browser", "--port", "0"]
        cmd += ["--notebook-dir", str(notebooks), *args]
        ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=ignore
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.token = self.sandbox_url = None

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_url(self, timeout: float = 120) -> str:
        """Read output until the JupyterLab URL line; fails with the output if the lab ends first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if match := SANDBOX_LINE.match(line):
                self.sandbox_url = match.group(1)
            if match := URL_LINE.match(line):
                self.url, self.token = line, match.group(1)
                return line
        pytest.fail("no JupyterLab URL line; output:\n" + "\n".join(self.lines))

    def output(self, timeout: float = 60) -> str:
        """All output, once the process has ended."""
        self.proc.wait(timeout)
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return "\n".join(self.lines)

    @property
    def base(self) -> str:
        assert self.url
        return self.url.split("/lab?", 1)[0]

    def api(self, path: str, method: str = "GET", token: str | None = "auto") -> tuple[int, object]:
        headers = {"Authorization": f"token {self.token if token == 'auto' else token}"} if token else {}
        data = b"{}" if method == "POST" else None
        req = urllib.request.Request(self.base + path, method=method, headers=headers, data=data)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, None

    def process_tree(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def stop(self, sig: int = signal.SIGINT) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(60)

    def kill(self) -> None:
        if self.proc.poll() is None:
            for child in self.process_tree():
                child.kill()
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture()
def run_lab(lab_env: dict[str, str]):
    runs: list[LabRun] = []

    def start(*args: str, ignore_sigint: bool = False) -> LabRun:
        run = LabRun(lab_env, *args, ignore_sigint=ignore_sigint)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.kill()


def _sandbox_client(url: str):
    return boto3.client(
        "cognito-idp", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _kernel_process(run: LabRun, kernel_id: str) -> psutil.Process:
    for _ in range(100):
        for proc in run.process_tree():
            if any(kernel_id in part for part in proc.cmdline()):
                return proc
        time.sleep(0.2)
    pytest.fail(f"no kernel process for {kernel_id} under the lab")


def _gone(pids: list[int]) -> list[int]:
    """The pids of ``pids`` still running (a zombie counts as gone)."""
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def test_lab_serves_jupyterlab_with_kernels_on_its_sandbox_and_ctrl_c_stops_everything(run_lab, lab_env) -> None:
    run = run_lab()
    run.wait_for_url()
    assert run.sandbox_url, "the lab names its sandbox"

    assert run.api("/api/status")[0] == 200
    assert run.api("/api/status", token=None)[0] == 403, "JupyterLab must require the token"

    with urllib.request.urlopen(run.sandbox_url + "/_sandbox/health", timeout=10) as resp:
        assert json.loads(resp.read())["ok"] is True

    status, kernel = run.api("/api/kernels", method="POST")
    assert status == 201, kernel
    kernel_proc = _kernel_process(run, kernel["id"])
    assert kernel_proc.environ().get(ENV_URL) == run.sandbox_url
    assert ENV_TARGET not in kernel_proc.environ()

    # a pool made now is saved in the user's data folder
    _sandbox_client(run.sandbox_url).create_user_pool(PoolName="kept-across-restarts")

    pids = [p.pid for p in run.process_tree()]
    assert kernel_proc.pid in pids and len(pids) >= 3, "sandbox, JupyterLab and the kernel run under the lab"
    assert run.stop(signal.SIGINT) == 0, run.output()
    assert _gone(pids) == [], "no process may be left behind"
    assert "Stopping JupyterLab and the sandbox" in run.output()
    assert _state_file(lab_env).exists()


def test_state_survives_a_restart_and_fresh_starts_empty_keeping_the_old_file(run_lab, lab_env) -> None:
    run = run_lab()
    run.wait_for_url()
    _sandbox_client(run.sandbox_url).create_user_pool(PoolName="kept-across-restarts")
    assert run.stop(signal.SIGTERM) == 0, run.output()

    again = run_lab()
    again.wait_for_url()
    names = [p["Name"] for p in _sandbox_client(again.sandbox_url).list_user_pools(MaxResults=60)["UserPools"]]
    assert names == ["kept-across-restarts"]
    assert again.stop() == 0

    fresh = run_lab("--fresh")
    fresh.wait_for_url()
    assert _sandbox_client(fresh.sandbox_url).list_user_pools(MaxResults=60)["UserPools"] == []
    assert fresh.stop() == 0
    kept = list(_state_file(lab_env).parent.glob("sandbox-state.sqlite3.*.bak"))
    assert len(kept) == 1
    with contextlib.closing(sqlite3.connect(f"file:{kept[0]}?mode=ro", uri=True)) as db:  # the store, kept whole
        assert "kept-across-restarts" in db.execute("SELECT data FROM pools").fetchone()[0]
    assert "previous state is kept as" in fresh.output()


def test_a_corrupt_state_file_is_reported_with_the_way_out_and_nothing_keeps_running(run_lab, lab_env) -> None:
    state = _state_file(lab_env)
    state.parent.mkdir(parents=True)
    state.write_text('{"format": "cognito-mfa-kit/sandbox-state", "vers')
    run = run_lab()
    assert run.proc.wait(120) == 2
    out = run.output()
    assert str(state) in out and "--fresh" in out and "Traceback" not in out, out
    assert state.read_text().endswith('"vers'), "the file is left as it was"
    assert not [p for p in psutil.process_iter(["cmdline"]) if str(state) in " ".join(p.info["cmdline"] or [])]


def test_aws_target_starts_no_sandbox_and_tells_kernels(run_lab, lab_env) -> None:
    lab_env[ENV_URL] = "http://127.0.0.1:9"  # a stale value from the user's shell must not reach the kernels
    # started as a shell script's background job starts it (`make lab &`): SIGINT ignored, Ctrl-C must still work
    run = run_lab("--aws", ignore_sigint=True)
    run.wait_for_url()
    assert run.sandbox_url is None
    status, kernel = run.api("/api/kernels", method="POST")
    assert status == 201
    env = _kernel_process(run, kernel["id"]).environ()
    assert env.get(ENV_TARGET) == "aws" and ENV_URL not in env
    assert not any("sandbox" in " ".join(p.cmdline()) for p in run.process_tree())
    pids = [p.pid for p in run.process_tree()]
    assert run.stop(signal.SIGINT) == 0, run.output()
    assert _gone(pids) == []
