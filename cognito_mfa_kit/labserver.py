"""Running the course: the sandbox server and JupyterLab as child processes, every kernel pointed at that sandbox.

>>> from cognito_mfa_kit.labserver import LabServer, find_notebook_dir
>>> with LabServer(find_notebook_dir(), port=0) as lab:
...     print(lab.url)                      # http://127.0.0.1:<port>/lab/tree/00_start_here.ipynb?token=<token>
...     lab.wait()                          # until a child exits or request_stop() (Ctrl-C: KeyboardInterrupt)

Nothing outlives the lab:

- Each child runs in its own session (process group), so a Ctrl-C in the terminal reaches only this process.
  :meth:`LabServer.stop` sends both children SIGTERM (JupyterLab shuts its kernels down), waits, then kills what is
  left: each child's process group and every process found under them before (kernels run in sessions of their
  own). :meth:`LabServer.hurry` (a second Ctrl-C, say) skips the waiting; nothing ever cuts the clean-up short.
  ``cognito-mfa-kit lab`` maps SIGINT, SIGTERM and SIGHUP to :meth:`~LabServer.request_stop`, later ones to
  :meth:`~LabServer.hurry` (see :mod:`cognito_mfa_kit.lifetime`).
- Should the lab itself be killed outright, its children end with it: they start through
  :mod:`cognito_mfa_kit.lifetime` (SIGTERM from the kernel when their parent dies, SIGKILL after a grace period), and
  kernels watch JupyterLab the same way (ipykernel's parent poller).
- One lab per log and state: the lab holds ``<log>.lock`` while it runs and checks the state's lock is free before
  touching the state (``--fresh``); its sandbox child holds ``<state>.lock`` (:mod:`.sandbox.statelock`). A second
  lab on them is refused with the holder's pid and command, before it opens, moves or truncates anything.

The Jupyter token goes to JupyterLab by environment (``JUPYTER_TOKEN``), never on a command line (which any local user
can read). JupyterLab opens on notebook 00, shows no news, culls idle kernels and shuts a closed notebook's kernel
down (settings overrides in a folder of the lab's own, ``<log name>.settings/`` beside its log; the user's JupyterLab
settings are left alone).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import select
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

from .children import Child, stop_all
from .connect import ENV_URL
from .lifetime import child_command
from .sandbox.statelock import StateLock, StateLocked
from .servicemodel import aws_data_path

APP_NAME = "cognito-mfa-kit"
#: Set to ``aws`` for every kernel by ``cognito-mfa-kit lab --aws`` (no sandbox is started then).
ENV_TARGET = "COGNITO_MFA_KIT_TARGET"
DEFAULT_PORT = 8888
STATE_FILE = "sandbox-state.sqlite3"
#: where earlier versions kept the lab's state (JSON); imported into the store once, then kept as *.bak
LEGACY_STATE_FILE = "sandbox-state.json"
LOG_FILE = "lab.log"
#: the notebook the lab opens on, when the notebook folder has it
START_NOTEBOOK = "00_start_here.ipynb"
#: a kernel with no activity for this long (s) is shut down, open tab or not (re-running its cells brings it back)
CULL_IDLE_AFTER = 30 * 60
#: JupyterLab settings the lab overrides (defaults only: the user's own settings still win)
SETTINGS_OVERRIDES: dict[str, dict[str, Any]] = {
    # no "get notified about official Jupyter news?" toast, no update check: a course runs offline
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # closing a notebook's tab shuts its kernel down (nine open notebooks would keep nine kernels)
    "@jupyterlab/notebook-extension:tracker": {"kernelShutdown": True},
}


class LabError(RuntimeError):
    """The lab can't start or stopped unexpectedly; the message says why and what to do."""


class LabInterrupted(Exception):
    """A stop was requested (:meth:`LabServer.request_stop`) while the lab was starting."""


# --------------------------------------------------------------------------- places


def data_dir() -> Path:
    """The user's data folder for the kit (e.g. ``~/.local/share/cognito-mfa-kit``); not created here."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_state_path() -> Path:
    """Where ``cognito-mfa-kit lab`` keeps the sandbox's pools, users and secrets across restarts."""
    return data_dir() / STATE_FILE


def lab_log_path(state_path: str | os.PathLike[str] | None = None) -> Path:
    """The lab's log: ``lab.log`` in the data folder, or ``<state name>.lab.log`` beside a state of its own."""
    if state_path is None:
        return data_dir() / LOG_FILE
    state = Path(state_path)
    return state.with_name(f"{state.stem}.lab.log")


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
    """Rename the file at ``path`` to ``<name>.<timestamp>.bak`` (kept, not deleted), with its SQLite journal files
    (``-wal``, ``-shm``) beside it under the same new name; ``None`` if there is none."""
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
    for suffix in ("-wal", "-shm"):
        journal = path.with_name(path.name + suffix)
        if journal.exists():
            journal.rename(target.with_name(target.name + suffix))
    return target


# --------------------------------------------------------------------------- commands and environment


def sandbox_command(state_path: str | os.PathLike[str] | None, *, host: str = "127.0.0.1", port: int = 0) -> list[str]:
    """The command line of the sandbox server child (its first stdout line is its URL); it ends with this process.
    A JSON state file of an earlier version beside the store (``sandbox-state.json``) is imported when there is no
    store yet."""
    args = ["sandbox", "--host", host, "--port", str(port)]
    if state_path is not None:
        args += ["--state", str(state_path)]
        legacy = Path(state_path).with_name(LEGACY_STATE_FILE)
        if not Path(state_path).exists() and legacy.exists():
            args += ["--import-json", str(legacy)]
    return child_command("cognito_mfa_kit", *args)


def jupyter_command(
    notebook_dir: str | os.PathLike[str],
    *,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
    open_browser: bool = True,
    as_root: bool | None = None,
    settings_dir: str | os.PathLike[str] | None = None,
    open_notebook: str | None = None,
    cull_idle_after: float = CULL_IDLE_AFTER,
) -> list[str]:
    """The command line of the JupyterLab child (it ends with this process). No token on it: see :func:`jupyter_env`.

    Loopback, no news or update checks, kernels idle for ``cull_idle_after`` s shut down; ``settings_dir``: a folder
    holding ``overrides.json`` (:func:`write_settings_overrides`); ``open_notebook``: the page it opens on.
    """
    args = [
        "jupyterlab",
        f"--ServerApp.root_dir={Path(notebook_dir).resolve()}",
        f"--ServerApp.ip={host}",
        f"--ServerApp.port={port}",
        f"--ServerApp.open_browser={open_browser}",
        *lab_options(settings_dir=settings_dir, cull_idle_after=cull_idle_after, as_root=as_root),
    ]
    if open_notebook is not None:
        args.append(f"--LabApp.default_url=/lab/tree/{open_notebook}")
    if not open_browser:
        args.append("--no-browser")
    return child_command(*args)


def lab_options(
    *, settings_dir: str | os.PathLike[str] | None = None, cull_idle_after: float = CULL_IDLE_AFTER,
    as_root: bool | None = None,
) -> list[str]:
    """The options a course's JupyterLab gets, started by the lab or by the class's hub (a user's server): no news
    or update checks, kernels idle for ``cull_idle_after`` s shut down, the settings overrides in ``settings_dir``,
    ``--allow-root`` when running as root."""
    if as_root is None:
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    args = [
        # a course runs offline: no announcements feed, no update check (and no pop-up asking about them)
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        # idle kernels go, even with their notebook open: a class's laptops can't keep nine kernels each
        f"--MappingKernelManager.cull_idle_timeout={int(cull_idle_after)}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, int(cull_idle_after) // 2))}",
        "--MappingKernelManager.cull_connected=True",
        # a notebook git strips is saved as git stores it, so the clone stays clean (see savehook)
        "--ContentsManager.pre_save_hook=cognito_mfa_kit.savehook.strip_like_git",
    ]
    if settings_dir is not None:
        args.append(f"--LabApp.app_settings_dir={Path(settings_dir).resolve()}")
    if as_root:
        args.append("--allow-root")
    return args


def write_settings_overrides(folder: str | os.PathLike[str]) -> Path:
    """Make ``folder`` JupyterLab's application settings folder for the lab; returns it.

    Its ``overrides.json`` is :data:`SETTINGS_OVERRIDES` on top of this JupyterLab installation's overrides, if it has
    any; the installation's ``page_config.json`` is carried over too (the folder stands in for the installation's).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        from jupyterlab.commands import get_app_dir

        installed: Path | None = Path(get_app_dir()) / "settings"
    except Exception:  # noqa: BLE001 - no installation folder to carry over: the lab's overrides alone
        installed = None
    merged: dict[str, dict[str, Any]] = {}
    for name in ("overrides.json", "page_config.json"):
        source = installed / name if installed is not None else None
        if source is not None and source.is_file():
            shutil.copyfile(source, folder / name)
        else:
            (folder / name).unlink(missing_ok=True)
    try:
        merged = json.loads((folder / "overrides.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        merged = {}
    for plugin, values in SETTINGS_OVERRIDES.items():
        merged.setdefault(plugin, {}).update(values)
    (folder / "overrides.json").write_text(json.dumps(merged, indent=2), encoding="utf-8")
    return folder


def kernel_env(
    base: dict[str, str] | None = None, *, sandbox_url: str | None = None, aws: bool = False,
    profile: str | None = None,
) -> dict[str, str]:
    """The JupyterLab server's environment (its kernels and terminals inherit it): the sandbox URL, or the AWS
    target; the AWS profile the kernels sign with (a trainee's own key, on a class's sandbox); and the kit's service
    model extras on the AWS CLI's ``AWS_DATA_PATH``."""
    env = dict(os.environ if base is None else base)
    env.pop(ENV_URL, None)
    env.pop(ENV_TARGET, None)
    if profile:
        env["AWS_PROFILE"] = profile
    if aws:
        env[ENV_TARGET] = "aws"
    elif sandbox_url:
        env[ENV_URL] = sandbox_url
    env["AWS_DATA_PATH"] = aws_data_path(env.get("AWS_DATA_PATH"))  # the CLI lines the course shows run as shown
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def jupyter_env(base: dict[str, str], *, token: str) -> dict[str, str]:
    """``base`` plus the token, as ``JUPYTER_TOKEN`` (read by jupyter_server's IdentityProvider)."""
    env = dict(base)
    env.pop("JUPYTER_TOKEN_FILE", None)
    env["JUPYTER_TOKEN"] = token
    return env


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

    ``state_path``: the sandbox's state file (``None``: nothing kept); ``fresh``: move a saved state aside first (it
    is kept, renamed to ``*.bak``; :attr:`moved_state`). ``log_path``: where both children's output goes (default:
    ``lab.log`` in the kit's data folder). ``port=0`` lets JupyterLab pick a free port. ``open_notebook``: the page
    JupyterLab opens on, if the folder has it. ``cull_idle_after``: seconds before an idle kernel is shut down.
    """

    def __init__(
        self,
        notebook_dir: str | os.PathLike[str],
        *,
        port: int = DEFAULT_PORT,
        open_browser: bool = False,
        aws: bool = False,
        state_path: str | os.PathLike[str] | None = None,
        fresh: bool = False,
        log_path: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        start_timeout: float = 90.0,
        open_notebook: str | None = START_NOTEBOOK,
        cull_idle_after: float = CULL_IDLE_AFTER,
        sandbox_url: str | None = None,
        profile: str | None = None,
    ) -> None:
        self.notebook_dir = Path(notebook_dir).resolve()
        self.port = port
        self.open_browser = open_browser
        self.aws = aws
        self.state_path = Path(state_path) if state_path is not None and not aws and not sandbox_url else None
        self.fresh = fresh
        self.log_path = Path(log_path) if log_path is not None else data_dir() / LOG_FILE
        self.base_env = dict(os.environ if env is None else env)
        self.start_timeout = start_timeout
        self.open_notebook = open_notebook
        self.cull_idle_after = cull_idle_after
        self.token = secrets.token_hex(24)
        #: given: a running sandbox (a class's) the kernels use instead of starting one
        self.shared_sandbox = sandbox_url.rstrip("/") if sandbox_url else None
        self.profile = profile
        self.sandbox_url: str | None = self.shared_sandbox
        self.url: str | None = None
        self.server_info: dict[str, Any] = {}
        self.sandbox: Child | None = None
        self.jupyter: Child | None = None
        #: where ``fresh`` moved the saved state (``None``: there was none, or not fresh)
        self.moved_state: Path | None = None
        self._log: IO[bytes] | None = None
        self._log_lock = StateLock(self.log_path)
        self._settings_dir: Path | None = None
        self._stop_requested = False
        self._hurry = False
        self._stopped = False

    # -- start ---------------------------------------------------------------------------------
    def start(self) -> LabServer:
        """Lock, start the sandbox, then JupyterLab; returns when JupyterLab answers. Stops both on failure.

        Raises :class:`LabError` (e.g. another lab holds the log or the state), or :class:`LabInterrupted`.
        """
        if not self.notebook_dir.is_dir():
            raise LabError(f"the notebook folder {self.notebook_dir} does not exist")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_log()
        try:
            if self.state_path is not None:
                self._check_state()
            self._log = open(self.log_path, "wb")  # noqa: SIM115 - the last run only
            # beside the log, which this lab holds: rewritten at each start, never shared with a running lab
            self._settings_dir = write_settings_overrides(self.log_path.with_name(f"{self.log_path.stem}.settings"))
            if not self.aws and self.shared_sandbox is None:
                self._start_sandbox()
            self._start_jupyter()
        except BaseException:
            self.stop()
            raise
        return self

    def _lock_log(self) -> None:
        try:
            self._log_lock.acquire()
        except StateLocked as exc:
            holder = exc.holder
            if holder is not None and holder.alive:
                who = f"pid {holder.pid} ({holder.command or 'command unknown'})"
                todo = (
                    "Use that lab (its URL is in its terminal; `jupyter server list` shows it again), stop it "
                    f"(Ctrl-C in its terminal, or `kill {holder.pid}`), or run another one beside it on a state of "
                    "its own: `cognito-mfa-kit lab --state FILE`."
                )
                raise LabError(
                    f"another lab is running with this log and state: {who}; it writes {self.log_path}. {todo}"
                ) from None
            raise LabError(str(exc)) from None
        except OSError as exc:
            raise LabError(f"cannot create the lock file {self._log_lock.lock_file}: {exc.strerror or exc}") from exc

    def _check_state(self) -> None:
        """Refuse a state another process holds; under its lock, move it aside if ``fresh``. Its sandbox child
        takes the lock for itself once it starts."""
        assert self.state_path is not None  # noqa: S101 - narrows the type: set by start()
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        lock = StateLock(self.state_path)
        try:
            lock.acquire(wait=5.0)  # a lab stopped a moment ago: its sandbox may still be letting go
        except StateLocked as exc:
            raise LabError(f"{exc} (A lab can use a state of its own: `cognito-mfa-kit lab --state FILE`.)") from None
        except OSError as exc:
            raise LabError(f"cannot create the lock file {lock.lock_file}: {exc.strerror or exc}") from exc
        try:
            if self.fresh:
                self.moved_state = move_aside(self.state_path)
        finally:
            lock.release()

    def _interrupted(self) -> None:
        if self._stop_requested:
            raise LabInterrupted("stopped while starting")

    def _start_sandbox(self) -> None:
        assert self._log is not None  # noqa: S101 - narrows the type: set by start()
        self._interrupted()
        offset = self._log.tell()
        self.sandbox = Child(
            "sandbox", sandbox_command(self.state_path), env=self.base_env, log=self._log, stdout=subprocess.PIPE
        )
        stdout = self.sandbox.proc.stdout
        assert stdout is not None  # noqa: S101 - narrows the type: set by start()
        deadline = time.monotonic() + self.start_timeout
        line = b""
        while time.monotonic() < deadline:
            self._interrupted()
            ready, _, _ = select.select([stdout], [], [], 0.2)
            if ready:
                line = stdout.readline()
                break
            if not self.sandbox.running():
                break
        url = line.decode(errors="replace").strip()
        if not url.startswith("http"):
            self.sandbox.kill()
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

        assert self._log is not None  # noqa: S101 - narrows the type: set by start()
        self._interrupted()
        offset = self._log.tell()
        env = jupyter_env(kernel_env(self.base_env, sandbox_url=self.sandbox_url, aws=self.aws, profile=self.profile),
                          token=self.token)
        env.setdefault("JUPYTER_RUNTIME_DIR", jupyter_runtime_dir())
        opens = self.open_notebook
        if opens is not None and not (self.notebook_dir / opens).is_file():
            opens = None
        cmd = jupyter_command(
            self.notebook_dir, port=self.port, open_browser=self.open_browser, settings_dir=self._settings_dir,
            open_notebook=opens, cull_idle_after=self.cull_idle_after,
        )
        self.jupyter = Child("jupyterlab", cmd, env=env, log=self._log, stdout=self._log)
        # the server writes jpserver-<pid>.json (port, token, URL) in its runtime folder once it listens
        info_file = Path(env["JUPYTER_RUNTIME_DIR"]) / f"jpserver-{self.jupyter.pid}.json"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            self._interrupted()
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
                # the token JupyterLab really uses (a token in the user's Jupyter config would win over ours)
                self.token = self.server_info.get("token") or self.token
                if self.server_info.get("port") and self._answers(int(self.server_info["port"])):
                    break
            time.sleep(0.2)
        else:
            raise LabError(f"JupyterLab did not answer within {self.start_timeout:.0f} s; see {self.log_path}")
        self.port = int(self.server_info["port"])
        host = self.server_info.get("hostname") or "127.0.0.1"
        base = self.server_info.get("base_url") or "/"
        page = f"lab/tree/{opens}" if opens else "lab"
        self.url = f"http://{host}:{self.port}{base}{page}?token={self.token}"

    def _answers(self, port: int) -> bool:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/status", headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=1) as response:  # noqa: S310 - an http URL of the lab the kit started
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

    def request_stop(self) -> None:
        """Make :meth:`wait` return and :meth:`start` give up (safe to call from a signal handler)."""
        self._stop_requested = True

    def hurry(self) -> None:
        """Make a :meth:`stop` under way kill what is left now instead of waiting (safe from a signal handler)."""
        self._stop_requested = True
        self._hurry = True

    def wait(self, poll: float = 0.2) -> Child | None:
        """Block until a child exits on its own (returns it) or a stop is requested (returns ``None``)."""
        while not self._stop_requested:
            gone = self.exited()
            if gone is not None:
                return gone
            time.sleep(poll)
        return None

    def stop(self, timeout: float = 15.0) -> None:
        """Stop JupyterLab (it shuts its kernels down) and the sandbox, then kill anything of theirs left; idempotent.

        Waits up to ``timeout`` s for them to exit, less if :meth:`hurry` is called meanwhile.
        """
        if self._stopped:
            return
        self._stopped = True
        try:
            stop_all(self.children(), timeout=timeout, hurried=lambda: self._hurry)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None
            self._log_lock.release()

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
