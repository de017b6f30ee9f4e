"""Running the course: the sandbox server and JupyterLab as child processes, every kernel pointed at that sandbox.

>>> from cognito_mfa_kit.labserver import LabServer, find_notebook_dir
>>> with LabServer(find_notebook_dir(), port=0) as lab:
...     print(lab.url)                      # http://127.0.0.1:<port>/lab?token=<token>
...     lab.wait()                          # until a child exits (Ctrl-C: KeyboardInterrupt)

Each child runs in its own session (process group), so a Ctrl-C in the terminal reaches only this process, which
then stops JupyterLab first (SIGTERM: it shuts its kernels down), then the sandbox, waiting with timeouts and killing
what is left. Used by ``cognito-mfa-kit lab`` and by the browser tests (``tests/browser/``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

from .connect import ENV_URL

APP_NAME = "cognito-mfa-kit"
#: Set to ``aws`` for every kernel by ``cognito-mfa-kit lab --aws`` (no sandbox is started then).
ENV_TARGET = "COGNITO_MFA_KIT_TARGET"
DEFAULT_PORT = 8888
STATE_FILE = "sandbox-state.json"


class LabError(RuntimeError):
    """The lab can't start or stopped unexpectedly; the message says why and what to do."""


# --------------------------------------------------------------------------- places


def data_dir() -> Path:
    """The user's data folder for the kit (e.g. ``~/.local/share/cognito-mfa-kit``); not created here."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_state_path() -> Path:
    """Where ``cognito-mfa-kit lab`` keeps the sandbox's pools, users and secrets across restarts."""
    return data_dir() / STATE_FILE


def find_notebook_dir(cwd: str | os.PathLike[str] | None = None) -> Path:
    """The course's ``notebooks/`` folder: next to the package (a clone of the repository), else in ``cwd``."""
    candidates = [Path(__file__).resolve().parent.parent / "notebooks", Path(cwd or os.getcwd()) / "notebooks"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise LabError(
        "no notebooks/ folder found (looked in "
        + " and ".join(str(c) for c in candidates)
        + "). Run it from a clone of the repository, or pass --notebook-dir DIR."
    )


def move_aside(path: str | os.PathLike[str]) -> Path | None:
    """Rename the file at ``path`` to ``<name>.<timestamp>.bak`` (kept, not deleted); ``None`` if there is none."""
    path = Path(path)
    if not path.exists():
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{stamp}-{n}.bak")
    path.rename(target)
    return target


# --------------------------------------------------------------------------- commands and environment


def sandbox_command(state_path: str | os.PathLike[str] | None, *, host: str = "127.0.0.1", port: int = 0) -> list[str]:
    """The command line of the sandbox server child (its first stdout line is its URL)."""
    cmd = [sys.executable, "-m", "cognito_mfa_kit", "sandbox", "--host", host, "--port", str(port)]
    if state_path is not None:
        cmd += ["--state", str(state_path)]
    return cmd


def jupyter_command(
    notebook_dir: str | os.PathLike[str],
    *,
    token: str,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
    open_browser: bool = True,
    as_root: bool | None = None,
) -> list[str]:
    """The command line of the JupyterLab child: loopback, the given token, no news or update checks."""
    if as_root is None:
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={Path(notebook_dir).resolve()}",
        f"--ServerApp.ip={host}",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.open_browser={open_browser}",
        # a course runs offline: no announcements feed, no update check (and no pop-up asking about them)
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        # a notebook git strips is saved as git stores it, so the clone stays clean (see savehook)
        "--ContentsManager.pre_save_hook=cognito_mfa_kit.savehook.strip_like_git",
    ]
    if not open_browser:
        cmd.append("--no-browser")
    if as_root:
        cmd.append("--allow-root")
    return cmd


def kernel_env(
    base: dict[str, str] | None = None, *, sandbox_url: str | None = None, aws: bool = False
) -> dict[str, str]:
    """The JupyterLab server's environment (its kernels inherit it): the sandbox URL, or the AWS target."""
    env = dict(os.environ if base is None else base)
    env.pop(ENV_URL, None)
    env.pop(ENV_TARGET, None)
    if aws:
        env[ENV_TARGET] = "aws"
    elif sandbox_url:
        env[ENV_URL] = sandbox_url
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


# --------------------------------------------------------------------------- child processes


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _descendants(pid: int) -> list[Any]:
    """The processes started under ``pid`` (kernels run in sessions of their own, so not in its group)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - a dependency; without it only the normal shutdown path is used
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


class Child:
    """A child process in its own session; stopped by a signal to it, then by killing its whole group."""

    def __init__(self, name: str, cmd: list[str], *, env: dict[str, str], log: IO[bytes], stdout: int | IO[bytes]):
        self.name = name
        self.proc = subprocess.Popen(
            cmd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=log, start_new_session=True
        )
        self._stopped = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait up to ``timeout`` s, then SIGKILL to its process group (and any process it started)."""
        if self._stopped:
            return self.proc.returncode
        self._stopped = True
        leftovers = _descendants(self.pid) if self.running() else []
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)  # the group: anything of it still there
        except (ProcessLookupError, PermissionError):
            pass
        if self.running():
            self.proc.kill()
        self.proc.wait(5)
        for proc in leftovers:  # e.g. kernels, if JupyterLab could not shut them down
            try:
                proc.terminate()
                proc.wait(3)
            except Exception:  # noqa: BLE001 - gone already, or stubborn: kill below
                try:
                    proc.kill()
                except Exception:  # noqa: BLE001
                    pass
        for stream in (self.proc.stdout,):
            if stream is not None:
                stream.close()
        return self.proc.returncode


def _tail(path: Path, start: int, limit: int = 4000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(start)
            text = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return text[-limit:].strip()


class LabServer:
    """The sandbox server (unless ``aws``) and JupyterLab on ``notebook_dir``, both child processes.

    ``state_path``: the sandbox's state file (``None``: nothing kept). ``log_path``: where both children's output
    goes (default: ``lab.log`` in the kit's data folder). ``port=0`` lets JupyterLab pick a free port.
    """

    def __init__(
        self,
        notebook_dir: str | os.PathLike[str],
        *,
        port: int = DEFAULT_PORT,
        open_browser: bool = False,
        aws: bool = False,
        state_path: str | os.PathLike[str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        start_timeout: float = 90.0,
    ) -> None:
        self.notebook_dir = Path(notebook_dir).resolve()
        self.port = port
        self.open_browser = open_browser
        self.aws = aws
        self.state_path = Path(state_path) if state_path is not None else None
        self.log_path = Path(log_path) if log_path is not None else data_dir() / "lab.log"
        self.base_env = dict(os.environ if env is None else env)
        self.start_timeout = start_timeout
        self.token = secrets.token_hex(24)
        self.sandbox_url: str | None = None
        self.url: str | None = None
        self.server_info: dict[str, Any] = {}
        self.sandbox: Child | None = None
        self.jupyter: Child | None = None
        self._log: IO[bytes] | None = None

    # -- start ---------------------------------------------------------------------------------
    def start(self) -> LabServer:
        """Start the sandbox, then JupyterLab; returns when JupyterLab answers. Stops both on failure."""
        if not self.notebook_dir.is_dir():
            raise LabError(f"the notebook folder {self.notebook_dir} does not exist")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # the last run only
        try:
            if not self.aws:
                self._start_sandbox()
            self._start_jupyter()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_sandbox(self) -> None:
        assert self._log is not None
        if self.state_path is not None:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self._log.tell()
        self.sandbox = Child(
            "sandbox", sandbox_command(self.state_path), env=self.base_env, log=self._log, stdout=subprocess.PIPE
        )
        stdout = self.sandbox.proc.stdout
        assert stdout is not None
        deadline = time.monotonic() + self.start_timeout
        line = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([stdout], [], [], 0.2)
            if ready:
                line = stdout.readline()
                break
            if not self.sandbox.running():
                break
        url = line.decode(errors="replace").strip()
        if not url.startswith("http"):
            self.sandbox.stop(2)
            self._log.flush()
            problem = _tail(self.log_path, offset) or "no output"
            if self.state_path is not None and "state file" in problem:
                raise LabError(
                    f"the sandbox could not load its saved state {self.state_path}:\n  {problem}\n"
                    "Start afresh with `cognito-mfa-kit lab --fresh` (the old file is kept, renamed to *.bak)."
                )
            raise LabError(f"the sandbox did not start (exit code {self.sandbox.proc.poll()}):\n{problem}")
        self.sandbox_url = url

    def _start_jupyter(self) -> None:
        from jupyter_core.paths import jupyter_runtime_dir

        assert self._log is not None
        offset = self._log.tell()
        env = kernel_env(self.base_env, sandbox_url=self.sandbox_url, aws=self.aws)
        env.setdefault("JUPYTER_RUNTIME_DIR", jupyter_runtime_dir())
        cmd = jupyter_command(self.notebook_dir, token=self.token, port=self.port, open_browser=self.open_browser)
        self.jupyter = Child("jupyterlab", cmd, env=env, log=self._log, stdout=self._log)
        # the server writes jpserver-<pid>.json (port, token, URL) in its runtime folder once it listens
        info_file = Path(env["JUPYTER_RUNTIME_DIR"]) / f"jpserver-{self.jupyter.pid}.json"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if not self.jupyter.running():
                self._log.flush()
                raise LabError(
                    f"JupyterLab did not start (exit code {self.jupyter.proc.returncode}):\n"
                    + (_tail(self.log_path, offset) or "no output")
                )
            if info_file.exists():
                try:
                    self.server_info = json.loads(info_file.read_text())
                except ValueError:  # being written
                    self.server_info = {}
                if self.server_info.get("port") and self._answers(int(self.server_info["port"])):
                    break
            time.sleep(0.2)
        else:
            raise LabError(f"JupyterLab did not answer within {self.start_timeout:.0f} s; see {self.log_path}")
        self.port = int(self.server_info["port"])
        host = self.server_info.get("hostname") or "127.0.0.1"
        base = self.server_info.get("base_url") or "/"
        self.url = f"http://{host}:{self.port}{base}lab?token={self.token}"

    def _answers(self, port: int) -> bool:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/status", headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    # -- run and stop ------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The JupyterLab server's root URL, without the token (for REST calls: header ``Authorization: token``)."""
        return f"http://127.0.0.1:{self.port}{self.server_info.get('base_url') or '/'}"

    def children(self) -> list[Child]:
        return [c for c in (self.jupyter, self.sandbox) if c is not None]

    def exited(self) -> Child | None:
        """A child that has exited on its own, if any."""
        return next((c for c in self.children() if not c.running()), None)

    def wait(self, poll: float = 0.5) -> Child:
        """Block until a child exits on its own; returns it (a KeyboardInterrupt passes through)."""
        while True:
            gone = self.exited()
            if gone is not None:
                return gone
            time.sleep(poll)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop JupyterLab (it shuts its kernels down), then the sandbox; idempotent."""
        if self.jupyter is not None:
            self.jupyter.stop(timeout)
        if self.sandbox is not None:
            self.sandbox.stop(min(timeout, 10.0))
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
