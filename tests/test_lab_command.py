"""`cognito-mfa-kit lab` as a user runs it: a real sandbox and JupyterLab as child processes, stopped by a signal."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
from lab_helpers import environ_of, kernel_process, sandbox_client, sandbox_command, state_file, still_running

from cognito_mfa_kit.connect import ENV_URL
from cognito_mfa_kit.labserver import ENV_TARGET, START_NOTEBOOK, LabServer

COURSE = Path(__file__).resolve().parents[1] / "notebooks"


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
    kernel_proc = kernel_process(run, kernel["id"])
    assert kernel_proc.environ().get(ENV_URL) == run.sandbox_url
    assert ENV_TARGET not in kernel_proc.environ()

    # a pool made now is saved in the user's data folder
    sandbox_client(run.sandbox_url).create_user_pool(PoolName="kept-across-restarts")

    tree = run.process_tree()
    assert kernel_proc in tree and len(tree) >= 3, "sandbox, JupyterLab and the kernel run under the lab"
    assert run.stop(signal.SIGINT) == 0, run.output()
    assert still_running(tree) == [], "no process may be left behind"
    assert "Stopping JupyterLab and the sandbox" in run.output()
    assert state_file(lab_env).exists()


def test_state_survives_a_restart_and_fresh_starts_empty_keeping_the_old_file(run_lab, lab_env) -> None:
    run = run_lab()
    run.wait_for_url()
    sandbox_client(run.sandbox_url).create_user_pool(PoolName="kept-across-restarts")
    assert run.stop(signal.SIGTERM) == 0, run.output()

    again = run_lab()
    again.wait_for_url()
    names = [p["Name"] for p in sandbox_client(again.sandbox_url).list_user_pools(MaxResults=60)["UserPools"]]
    assert names == ["kept-across-restarts"]
    assert again.stop() == 0

    fresh = run_lab("--fresh")
    fresh.wait_for_url()
    assert sandbox_client(fresh.sandbox_url).list_user_pools(MaxResults=60)["UserPools"] == []
    assert fresh.stop() == 0
    kept = list(state_file(lab_env).parent.glob(state_file(lab_env).name + ".*.bak"))
    assert len(kept) == 1
    with contextlib.closing(sqlite3.connect(f"file:{kept[0]}?mode=ro", uri=True)) as db:  # the store, kept whole
        assert "kept-across-restarts" in db.execute("SELECT data FROM pools").fetchone()[0]
    assert "previous state is kept as" in fresh.output()


def test_a_corrupt_state_file_is_reported_with_the_way_out_and_nothing_keeps_running(run_lab, lab_env) -> None:
    state = state_file(lab_env)
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
    env = kernel_process(run, kernel["id"]).environ()
    assert env.get(ENV_TARGET) == "aws" and ENV_URL not in env
    assert not any("sandbox" in " ".join(p.cmdline()) for p in run.process_tree())
    tree = run.process_tree()
    assert run.stop(signal.SIGINT) == 0, run.output()
    assert still_running(tree) == []


def test_the_token_goes_by_environment_never_on_a_command_line(run_lab, lab_env) -> None:
    run = run_lab()
    run.wait_for_url()
    assert run.token and len(run.token) >= 32
    run.start_kernel()
    tree = [psutil.Process(run.proc.pid), *run.process_tree()]
    assert len(tree) >= 4, "the lab, its sandbox, JupyterLab and a kernel"
    for proc in tree:
        assert run.token not in "\0".join(proc.cmdline()), f"token on the command line of {proc.pid}"
    jupyter = next(p for p in tree if "jupyterlab" in p.cmdline())
    assert environ_of(jupyter).get("JUPYTER_TOKEN") == run.token
    assert run.api("/api/status", token="not-the-token")[0] == 403
    assert run.stop() == 0


def test_the_lab_opens_on_notebook_00_with_its_settings_as_overrides_not_in_the_users_settings(
    run_lab, lab_env, tmp_path: Path
) -> None:
    notebooks = tmp_path / "notebooks"
    shutil.copy(COURSE / START_NOTEBOOK, notebooks / START_NOTEBOOK)
    user_settings = tmp_path / "user-settings"
    lab_env["JUPYTERLAB_SETTINGS_DIR"] = str(user_settings)
    run = run_lab()
    url = run.wait_for_url()
    assert f"/lab/tree/{START_NOTEBOOK}?token=" in url

    def defaults(plugin: str) -> dict:
        """A plugin's defaults as JupyterLab serves them to the page (overrides applied), and the user's values."""
        status, body = run.api(f"/lab/api/settings/{plugin}")
        assert status == 200 and isinstance(body, dict), body
        assert body["settings"] == {}, "nothing of the lab's is in the user's own settings"
        return {key: spec.get("default") for key, spec in body["schema"]["properties"].items()}

    assert defaults("@jupyterlab/notebook-extension:tracker")["kernelShutdown"] is True
    notification = defaults("@jupyterlab/apputils-extension:notification")
    assert notification["fetchNews"] == "false" and notification["checkForUpdates"] is False
    assert not user_settings.exists() or not any(user_settings.rglob("*")), "the user's settings are not written"

    # a bare root URL goes to notebook 00 too (what the browser JupyterLab opens loads)
    req = urllib.request.Request(run.base + "/", headers={"Authorization": f"token {run.token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.url.endswith(f"/lab/tree/{START_NOTEBOOK}")
    assert run.stop() == 0


def test_an_idle_kernel_is_culled(tmp_path: Path, lab_env) -> None:
    """JupyterLab's culler runs with the lab's settings (30 min in a class; a few seconds here)."""
    lab = LabServer(
        tmp_path / "notebooks", port=0, log_path=tmp_path / "lab.log", env=lab_env, cull_idle_after=3
    )
    with lab:
        headers = {"Authorization": f"token {lab.token}"}
        req = urllib.request.Request(lab.base_url + "api/kernels", method="POST", headers=headers, data=b"{}")
        with urllib.request.urlopen(req, timeout=30) as resp:
            kernel_id = json.loads(resp.read())["id"]

        def kernels() -> list[str]:
            req = urllib.request.Request(lab.base_url + "api/kernels", headers=headers)
            with urllib.request.urlopen(req, timeout=30) as resp:
                return [k["id"] for k in json.loads(resp.read())]

        assert kernels() == [kernel_id]
        deadline = time.monotonic() + 60
        while kernels() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert kernels() == [], "the idle kernel was not culled"
    assert "Culling kernel" in (tmp_path / "lab.log").read_text()


def test_a_lab_on_the_class_sandbox_signs_its_kernels_with_the_trainees_profile(run_lab, lab_env, tmp_path) -> None:
    creds = tmp_path / "class.ini"
    shared = subprocess.Popen(sandbox_command("--port", "0", "--require-credentials", "--credentials-file",
                                              str(creds)), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert shared.stdout is not None
        url = shared.stdout.readline().strip()
        shared.stdout.readline()
        trainer = creds.read_text().split()
        key, secret = trainer[trainer.index("aws_access_key_id") + 2], trainer[trainer.index("aws_secret_access_key")
                                                                              + 2]
        creds.write_text(creds.read_text() + "[cmk-trainee]\n" + f"aws_access_key_id = {key}\n"
                         f"aws_secret_access_key = {secret}\n" + "[wrong]\naws_access_key_id = AKIAWRONGWRONGWRONG0\n"
                         "aws_secret_access_key = nope\n")
        lab_env.update(AWS_SHARED_CREDENTIALS_FILE=str(creds), AWS_CONFIG_FILE=os.devnull,
                       AWS_DEFAULT_REGION="us-east-1")
        refused = run_lab("--sandbox-url", url, "--profile", "wrong")
        assert refused.proc.wait(120) == 2
        said = refused.output()
        assert "UnrecognizedClientException" in said and "Traceback" not in said

        run = run_lab("--sandbox-url", url, "--profile", "cmk-trainee")
        run.wait_for_url()
        assert run.sandbox_url == url
        assert "kernels sign as profile cmk-trainee" in "\n".join(run.lines)
        assert not any("sandbox" in " ".join(p.cmdline()) for p in run.process_tree())  # it started none
        status, kernel = run.api("/api/kernels", method="POST")
        assert status == 201
        env = kernel_process(run, kernel["id"]).environ()
        assert env.get(ENV_URL) == url and env.get("AWS_PROFILE") == "cmk-trainee"
        assert run.stop(signal.SIGTERM) == 0, run.output()
    finally:
        shared.terminate()
        shared.wait(timeout=15)
