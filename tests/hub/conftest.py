"""The class's hub, as `cognito-mfa-kit hub` starts it: a subprocess with a sheet of its own in a tmp folder.

``class_hub`` (module scope): ``cognito-mfa-kit hub --sheet <tmp>/class.csv --count 2 --port 0``, real JupyterHub and
configurable-http-proxy (npm, installed by `make test` into .node/), a real sandbox; stopped (Ctrl-C) afterwards if
a test has not stopped it. Everything it writes is under the tmp folder (its data folder, the users' homes).
"""

from __future__ import annotations

import csv
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
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
    deadline = time.monotonic() + timeout
    url = ""
    while time.monotonic() < deadline and not url:
        ready, _, _ = select.select([proc.stdout, proc.stderr], [], [], 0.5)
        for stream in ready:
            line = stream.readline()
            if stream is proc.stdout and line.startswith("http"):
                url = line.strip()
            elif line:
                lines.append(line.rstrip())
        if proc.poll() is not None and not ready:
            break
    if not url:
        proc.kill()
        rest = proc.stderr.read() if proc.poll() is not None else ""
        pytest.fail("the hub did not start:\n" + "\n".join(lines) + rest)
    return ClassHub(proc, url, sheet, tmp / "class.hub", lines)


@pytest.fixture(scope="module")
def class_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClassHub]:
    hub = start_hub(tmp_path_factory.mktemp("hub"), "--count", "2")
    yield hub
    if hub.proc.poll() is None:
        try:
            hub.stop()
        except subprocess.TimeoutExpired:
            hub.proc.kill()
