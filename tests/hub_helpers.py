"""Starting the class's hub as `cognito-mfa-kit hub` does, for tests/hub/ and tests/browser/test_hub_course.py.

:func:`start_hub` runs ``cognito-mfa-kit hub --sheet <tmp>/class.csv --port 0 ARGS`` (real JupyterHub and
configurable-http-proxy, from npm: `make test` installs it into .node/; a real sandbox) and returns when it prints
its URL. Everything it writes is under the tmp folder (its data folder, the users' homes, HOME).
"""

from __future__ import annotations

import csv
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cognito_mfa_kit.connect import ENV_URL
from cognito_mfa_kit.hub.server import LOCAL_PROXY


@dataclass
class ClassHub:
    proc: subprocess.Popen[str]
    url: str
    sheet: Path
    data_dir: Path
    lines: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, str]]:
        with open(self.sheet, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    @property
    def trainer_password(self) -> str:
        return (self.data_dir / "trainer-password").read_text().strip()

    @property
    def trainer_credentials(self) -> Path:
        return self.data_dir / "sandbox.credentials"

    def stop(self, timeout: float = 90) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout)


def hub_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(XDG_DATA_HOME=str(tmp / "xdg-data"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               HOME=str(tmp / "trainer-home"))
    env.pop(ENV_URL, None)
    for key in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(key, None)
    (tmp / "trainer-home").mkdir(exist_ok=True)
    return env


def start_hub(tmp: Path, *args: str, timeout: float = 240) -> ClassHub:
    if not LOCAL_PROXY.exists():
        pytest.fail(f"configurable-http-proxy is missing at {LOCAL_PROXY}: `make test` installs it (npm, .node/)")
    sheet = tmp / "class.csv"
    proc = subprocess.Popen([sys.executable, "-m", "cognito_mfa_kit", "hub", "--sheet", str(sheet), "--port", "0",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=hub_env(tmp))
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[str] = []
    # stderr read on a thread, for as long as the hub runs (its messages; and the pipe never fills)
    threading.Thread(target=lambda: lines.extend(line.rstrip() for line in proc.stderr), daemon=True).start()
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and b"\n" not in data:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            data += chunk
        elif proc.poll() is not None:
            break
    url = data.decode().strip()
    if not url.startswith("http"):
        proc.kill()
        proc.wait()
        time.sleep(0.5)
        pytest.fail("the hub did not start:\n" + "\n".join(lines))
    return ClassHub(proc, url, sheet, tmp / "class.hub", lines)
