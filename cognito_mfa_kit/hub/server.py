"""A class with nothing to install: one sandbox and a JupyterHub in front of it, as child processes.

>>> with HubServer("class.csv", count=25) as hub:     # provisions the sheet (or checks it), then starts both
...     print(hub.url)                                # what trainees open
...     hub.wait()                                    # until a child exits or request_stop() (Ctrl-C)

What it starts, in its data folder (``<sheet name>.hub/`` beside the sheet, mode 0700; ``data_dir=`` to change):

1. ``cognito-mfa-kit sandbox --require-credentials --state <data>/sandbox.sqlite3`` on loopback (the users' kernels
   run on this machine: nothing else needs to reach it). The trainer's key goes to ``<data>/sandbox.credentials``.
2. ``cognito-mfa-kit classroom provision --pool-per-trainee`` on the sheet, signed with the trainer's key: a first
   run makes the class (``count`` or ``roster``), a later one checks the sheet against the sandbox and repairs what is
   missing (the sandbox keeps its state, and runs on the port the sheet names). Then every row without a hub password
   gets one (the sheet rewritten atomically, mode 0600); the hub keeps only their scrypt hashes.
3. JupyterHub (``jupyterhub -f cognito_mfa_kit/hub/jupyterhub_config.py``), its proxy (configurable-http-proxy, from
   npm) on ``host:port``, its own API and the proxy's on loopback. Each user's JupyterLab starts in a home of the
   hub's (``<data>/users/<name>``) with the course and their own key (:mod:`.home`).

Nothing outlives it: :meth:`HubServer.stop` stops JupyterHub (which stops every user's server and its proxy) and the
sandbox, then kills whatever of theirs is left (:mod:`cognito_mfa_kit.children`); the children end with the hub even
if it is killed outright (:mod:`cognito_mfa_kit.lifetime`). One hub per data folder (``<data>/hub.lock``).
"""

from __future__ import annotations

import configparser
import json
import os
import secrets
import select
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import IO

from ..children import Child, stop_all
from ..classroom_sheet import Trainee, load_sheet, rewrite_sheet
from ..labserver import CULL_IDLE_AFTER, find_notebook_dir, lab_options, write_settings_overrides
from ..lifetime import child_command
from ..sandbox.statelock import StateLock, StateLocked
from .passwords import hash_password, new_password
from .settings import ENV_SETTINGS, TRAINEE, TRAINER, HubSettings, HubUser

DEFAULT_PORT = 8000
DEFAULT_TRAINER = "trainer"
TRAINER_PROFILE = "cmk-trainer"
#: the proxy, as ``make`` installs it (npm, into the repository's .node/ folder)
LOCAL_PROXY = Path(__file__).resolve().parents[2] / ".node" / "node_modules" / ".bin" / "configurable-http-proxy"
CONFIG_FILE = Path(__file__).resolve().with_name("jupyterhub_config.py")


class HubError(RuntimeError):
    """The hub can't start or stopped unexpectedly; the message says why and what to do."""


class HubInterrupted(Exception):
    """A stop was requested while the hub was starting."""


def default_data_dir(sheet: str | os.PathLike[str]) -> Path:
    """``class.csv`` → ``class.hub/`` beside it: the hub's folder for that class."""
    sheet = Path(sheet).absolute()
    return sheet.with_name(f"{sheet.stem}.hub")


def find_proxy() -> list[str]:
    """The command of configurable-http-proxy: ``$CONFIGPROXY_COMMAND``, the repository's ``.node/`` copy, or one on
    ``PATH``. Raises :class:`HubError` saying how to install it."""
    given = os.environ.get("CONFIGPROXY_COMMAND")
    if given:
        return [given]
    if LOCAL_PROXY.exists():
        return [str(LOCAL_PROXY)]
    found = shutil.which("configurable-http-proxy")
    if found:
        return [found]
    raise HubError(
        "JupyterHub needs configurable-http-proxy (an npm package) and it is not installed: run `make hub-deps` "
        "(npm install into .node/), or `npm install -g configurable-http-proxy`. It needs Node.js (apt-get install "
        "nodejs npm)."
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A port free on ``host`` now (the OS's choice)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def sheet_sandbox_port(rows: list[Trainee]) -> int | None:
    """The loopback port of the sandbox a sheet was written for, if all its rows name the same one."""
    from urllib.parse import urlsplit

    ports = set()
    for row in rows:
        parts = urlsplit(row.endpoint_url or "")
        if parts.hostname not in ("127.0.0.1", "localhost") or not parts.port:
            return None
        ports.add(parts.port)
    return ports.pop() if len(ports) == 1 else None


def _tail(path: Path, start: int, limit: int = 4000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(start)
            text = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return text[-limit:].strip()


class HubServer:
    """The class's sandbox and JupyterHub (see the module docstring).

    ``sheet``: the class's sheet (made if missing: then ``count`` or ``roster`` says who). ``host``/``port``: where
    trainees connect (loopback unless told; ``port=0``: a free one). ``state``: the sandbox's state (default
    ``<data>/sandbox.sqlite3``). ``trainer``: the trainer's hub user name (its password: :attr:`trainer_password_file`).
    """

    def __init__(
        self,
        sheet: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        data_dir: str | os.PathLike[str] | None = None,
        state: str | os.PathLike[str] | None = None,
        count: int | None = None,
        roster: str | os.PathLike[str] | None = None,
        trainer: str = DEFAULT_TRAINER,
        notebook_dir: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        start_timeout: float = 120.0,
        cull_idle_after: float = CULL_IDLE_AFTER,
    ) -> None:
        self.sheet = Path(sheet).absolute()
        self.host = host
        self.port = port
        self.data_dir = Path(data_dir).absolute() if data_dir is not None else default_data_dir(self.sheet)
        self.state = Path(state).absolute() if state is not None else self.data_dir / "sandbox.sqlite3"
        self.count = count
        self.roster = Path(roster).absolute() if roster is not None else None
        self.trainer = trainer.strip().lower()
        self.notebook_dir = Path(notebook_dir).absolute() if notebook_dir is not None else None
        self.base_env = dict(os.environ if env is None else env)
        self.start_timeout = start_timeout
        self.cull_idle_after = cull_idle_after
        self.log_path = self.data_dir / "hub.log"
        self.settings_path = self.data_dir / "hub-settings.json"
        self.trainer_password_file = self.data_dir / "trainer-password"
        self.trainer_credentials = self.data_dir / "sandbox.credentials"
        self.sandbox_url: str | None = None
        self.url: str | None = None
        self.settings: HubSettings | None = None
        #: what provisioning said (its summary lines)
        self.provision_report = ""
        #: hub passwords given to rows that had none, this start
        self.passwords_given = 0
        self.sandbox: Child | None = None
        self.jupyterhub: Child | None = None
        self._provisioner: subprocess.Popen[bytes] | None = None
        self._lock = StateLock(self.data_dir / "hub")
        self._log: IO[bytes] | None = None
        self._stop_requested = False
        self._hurry = False
        self._stopped = False

    # -- start ---------------------------------------------------------------------------------
    def start(self) -> HubServer:
        """Lock, start the sandbox, provision, start JupyterHub; returns when the hub answers. Stops all on failure.

        Raises :class:`HubError`, or :class:`HubInterrupted`.
        """
        return self._start(jupyterhub=True)

    def prepare(self) -> HubServer:
        """Everything but JupyterHub (for a cluster: see :mod:`.z2jh`): the class provisioned on the sandbox's state,
        hub passwords on the sheet, the settings written; then the sandbox stops (its state is complete on disk)."""
        try:
            return self._start(jupyterhub=False)
        finally:
            self.stop()

    def _start(self, *, jupyterhub: bool) -> HubServer:
        notebooks = self._notebooks()
        proxy = find_proxy() if jupyterhub else ["configurable-http-proxy"]
        if self.count is None and self.roster is None and not self.sheet.exists():
            raise HubError(f"{self.sheet} does not exist: to make the class, say who is in it (--count N: "
                           "trainee-001 ... trainee-N, or --roster FILE.csv with a 'username' column)")
        if not self.sheet.parent.is_dir():
            raise HubError(f"--sheet {self.sheet}: the folder {self.sheet.parent} does not exist")
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.data_dir, 0o700)
        except OSError as exc:
            raise HubError(f"cannot create the hub's folder {self.data_dir}: {exc.strerror or exc}") from exc
        self._take_lock()
        try:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child processes' whole run; closed by stop()
            self._start_sandbox()
            self._provision()
            self._give_hub_passwords()
            self.settings = self._write_settings(notebooks, proxy)
            if jupyterhub:
                self._start_jupyterhub()
        except BaseException:
            self.stop()
            raise
        return self

    def _notebooks(self) -> Path:
        try:
            folder = self.notebook_dir or find_notebook_dir()
        except Exception as exc:
            raise HubError(str(exc)) from exc
        if not folder.is_dir():
            raise HubError(f"--notebook-dir {folder}: no such folder")
        return folder

    def _take_lock(self) -> None:
        try:
            self._lock.acquire()
        except StateLocked as exc:
            holder = exc.holder
            who = f"pid {holder.pid} ({holder.command})" if holder is not None and holder.alive else "another process"
            raise HubError(f"a hub is already running for {self.data_dir}: {who}. Use it (its URL is in its "
                           "terminal), or stop it first (Ctrl-C in its terminal).") from None
        except OSError as exc:
            raise HubError(f"cannot create the lock file {self._lock.lock_file}: {exc.strerror or exc}") from exc

    def _interrupted(self) -> None:
        if self._stop_requested:
            raise HubInterrupted("stopped while starting")

    def _say(self, text: str) -> None:
        """A line in the hub's log."""
        if self._log is not None:
            self._log.write(f"[cognito-mfa-kit hub] {text}\n".encode())
            self._log.flush()

    def _start_sandbox(self) -> None:
        assert self._log is not None  # noqa: S101 - narrows the type: set by start()
        self._interrupted()
        rows = load_sheet(self.sheet).rows if self.sheet.exists() else []
        port = sheet_sandbox_port(rows) or 0  # the sheet's keys and pools are the ones this state holds there
        offset = self._log.tell()
        cmd = child_command("cognito_mfa_kit", "sandbox", "--host", "127.0.0.1", "--port", str(port), "--state",
                            str(self.state), "--require-credentials", "--credentials-file",
                            str(self.trainer_credentials))
        self.sandbox = Child("sandbox", cmd, env=self.base_env, log=self._log, stdout=subprocess.PIPE)
        lines = self._read_lines(self.sandbox, 2)
        if len(lines) < 2 or not lines[0].startswith("http"):
            self.sandbox.kill()
            self._log.flush()
            problem = _tail(self.log_path, offset) or "no output"
            hint = ""
            if port and "cannot listen" in problem:
                hint = (f"\nThe sheet {self.sheet.name} was written for the sandbox on port {port}; free that port "
                        "(another hub or sandbox may use it), then start the hub again.")
            raise HubError(f"the sandbox did not start (exit code {self.sandbox.proc.poll()}):\n{problem}{hint}")
        self.sandbox_url = lines[0]
        self._say(f"sandbox at {self.sandbox_url}, trainer's key in {lines[1]}")

    def _read_lines(self, child: Child, n: int) -> list[str]:
        """The first ``n`` lines ``child`` prints (fewer if it ends or the start times out). Reads the pipe's file
        descriptor itself: a buffered readline could hold the second line while select() waits for more."""
        stdout = child.proc.stdout
        assert stdout is not None  # noqa: S101 - narrows the type: Popen(stdout=PIPE)
        data = b""
        deadline = time.monotonic() + self.start_timeout
        while data.count(b"\n") < n and time.monotonic() < deadline:
            self._interrupted()
            ready, _, _ = select.select([stdout], [], [], 0.2)
            if ready:
                chunk = os.read(stdout.fileno(), 4096)
                if not chunk:
                    break
                data += chunk
            elif not child.running():
                break
        return [line.decode(errors="replace").strip() for line in data.split(b"\n")[:n] if line.strip()]

    def _trainer_env(self) -> dict[str, str]:
        env = dict(self.base_env)
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
            env.pop(key, None)
        env.update(AWS_SHARED_CREDENTIALS_FILE=str(self.trainer_credentials), AWS_PROFILE=TRAINER_PROFILE,
                   AWS_CONFIG_FILE=os.devnull)
        return env

    def _provision(self) -> None:
        assert self._log is not None and self.sandbox_url is not None  # noqa: S101 - narrows the type: set by start()
        self._interrupted()
        if self.count is not None:
            who = ["--count", str(self.count)]
        elif self.roster is not None:
            who = ["--roster", str(self.roster)]
        else:
            who = ["--roster", str(self.sheet)]  # the sheet itself: a CSV with a username column
        cmd = [sys.executable, "-m", "cognito_mfa_kit", "classroom", "provision", *who, "--pool-per-trainee",
               "--endpoint-url", self.sandbox_url, "--out", str(self.sheet), "--no-progress"]
        offset = self._log.tell()
        self._say("provisioning: " + " ".join(cmd[3:]))
        self._provisioner = subprocess.Popen(cmd, env=self._trainer_env(), stdin=subprocess.DEVNULL,  # noqa: S603 - the kit's own provisioning command (sys.executable -m ...)
                                             stdout=subprocess.PIPE, stderr=self._log)
        try:
            out = b""
            stdout = self._provisioner.stdout
            assert stdout is not None  # noqa: S101 - narrows the type: Popen(stdout=PIPE)
            while True:
                self._interrupted()
                ready, _, _ = select.select([stdout], [], [], 0.2)
                if ready:
                    chunk = os.read(stdout.fileno(), 65536)
                    if not chunk:
                        break
                    out += chunk
                elif self._provisioner.poll() is not None:
                    break
            code = self._provisioner.wait()
        finally:
            if self._provisioner.poll() is None:
                self._provisioner.kill()
                self._provisioner.wait()
            if self._provisioner.stdout is not None:
                self._provisioner.stdout.close()
        text = out.decode(errors="replace").strip()
        self._log.write(out)
        self._log.flush()
        if code != 0:
            problem = _tail(self.log_path, offset)
            raise HubError(f"provisioning the class on {self.sheet} failed (exit code {code}):\n{problem}")
        self.provision_report = text

    def _give_hub_passwords(self) -> None:
        rows = load_sheet(self.sheet).rows
        given = [replace(r, hub_password=new_password()) if not r.hub_password else r for r in rows]
        self.passwords_given = sum(1 for a, b in zip(rows, given, strict=True) if a is not b)
        if self.passwords_given:
            rewrite_sheet(self.sheet, given)

    def _trainer_password(self) -> str:
        """The trainer's hub password: kept in ``trainer-password`` (0600) across restarts."""
        path = self.trainer_password_file
        if path.exists():
            text = path.read_text(encoding="utf-8").strip()
            if text:
                return text
        password = new_password(20)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(password + "\n")
        return password

    def _trainer_key(self) -> tuple[str, str]:
        parser = configparser.ConfigParser()
        parser.read(self.trainer_credentials, encoding="utf-8")
        try:
            section = parser[TRAINER_PROFILE]
            return section["aws_access_key_id"], section["aws_secret_access_key"]
        except KeyError as exc:
            raise HubError(f"{self.trainer_credentials}: no {TRAINER_PROFILE} key (the sandbox writes it)") from exc

    def _write_settings(self, notebooks: Path, proxy: list[str]) -> HubSettings:
        assert self.sandbox_url is not None  # noqa: S101 - narrows the type: set by start()
        rows = load_sheet(self.sheet).rows
        users: dict[str, HubUser] = {}
        key_id, secret = self._trainer_key()
        users[self.trainer] = HubUser(self.trainer, TRAINER, hash_password(self._trainer_password()), key_id, secret)
        for row in rows:
            name = row.username.lower()  # JupyterHub's user names are lower case
            if name in users:
                other = "the trainer's hub account" if name == self.trainer else "another row (user names differ " \
                                                                                 "only in case)"
                raise HubError(f"{self.sheet}: the trainee {row.username} has the same hub name as {other}; rename "
                               "one (--trainer NAME names the trainer's account)")
            if not row.aws_access_key_id:
                raise HubError(f"{self.sheet}: {row.username} has no key for the class's sandbox (provisioning "
                               "gives one); run the hub again")
            users[name] = HubUser(name, TRAINEE, hash_password(row.hub_password), row.aws_access_key_id,
                                  row.aws_secret_access_key, username=row.username, pool_id=row.pool_id)
        settings_dir = write_settings_overrides(self.data_dir / "lab.settings")
        port = self.port or free_port(self.host)
        self.port = port
        settings = HubSettings(
            sandbox_url=self.sandbox_url, notebooks=str(notebooks), homes=str(self.data_dir / "users"),
            sheet=str(self.sheet), lab_settings=str(settings_dir), data_dir=str(self.data_dir), users=users,
            # port_retries=0: a server whose port was taken meanwhile fails (the trainee starts it again) instead of
            # moving to the next port, which may be the one the hub gave another trainee's server
            lab_options=[*lab_options(settings_dir=settings_dir, cull_idle_after=self.cull_idle_after),
                         "--ServerApp.port_retries=0"],
            ip=self.host, port=port, hub_port=free_port(), proxy_api_port=free_port(), proxy_command=proxy,
        )
        (self.data_dir / "users").mkdir(mode=0o700, exist_ok=True)
        settings.save(self.settings_path)
        return settings

    def _start_jupyterhub(self) -> None:
        assert self._log is not None and self.settings is not None  # noqa: S101 - narrows the type: set by start()
        self._interrupted()
        offset = self._log.tell()
        env = dict(self.base_env)
        env[ENV_SETTINGS] = str(self.settings_path)
        env["CONFIGPROXY_AUTH_TOKEN"] = secrets.token_hex(32)  # the hub and its proxy only; by environment
        env.setdefault("PYTHONUNBUFFERED", "1")
        cmd = child_command("jupyterhub", "-f", str(CONFIG_FILE))
        self.jupyterhub = Child("jupyterhub", cmd, env=env, log=self._log, stdout=self._log, cwd=self.data_dir)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            self._interrupted()
            if not self.jupyterhub.running():
                self._log.flush()
                problem = _tail(self.log_path, offset) or "no output"
                raise HubError(f"JupyterHub did not start (exit code {self.jupyterhub.proc.returncode}):\n{problem}")
            if self._answers():
                break
            time.sleep(0.3)
        else:
            raise HubError(f"JupyterHub did not answer within {self.start_timeout:.0f} s; see {self.log_path}")
        self.url = f"http://{'127.0.0.1' if self.host in ('', '0.0.0.0', '::') else self.host}:{self.port}/"  # noqa: S104 - a comparison with the wildcard addresses, not a bind

    @property
    def local_url(self) -> str:
        """The hub's address from this machine (loopback, whatever it listens on)."""
        return f"http://127.0.0.1:{self.port}/"

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.local_url + "hub/api/", timeout=2) as response:  # noqa: S310 - an http URL the hub built
                return response.status == 200 and "version" in json.loads(response.read() or b"{}")
        except (OSError, urllib.error.URLError, ValueError):
            return False

    # -- run and stop ------------------------------------------------------------------------
    def children(self) -> list[Child]:
        return [c for c in (self.jupyterhub, self.sandbox) if c is not None]

    def exited(self) -> Child | None:
        return next((c for c in self.children() if not c.running()), None)

    def request_stop(self) -> None:
        """Make :meth:`wait` return and :meth:`start` give up (safe from a signal handler)."""
        self._stop_requested = True

    def hurry(self) -> None:
        """Make a :meth:`stop` under way kill what is left now (safe from a signal handler)."""
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

    def stop(self, timeout: float = 30.0) -> None:
        """Stop JupyterHub (every user's server, the proxy) and the sandbox; kill what is left (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self._provisioner is not None and self._provisioner.poll() is None:
                self._provisioner.kill()
                self._provisioner.wait()
            stop_all(self.children(), timeout=timeout, hurried=lambda: self._hurry)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None
            self._lock.release()

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
