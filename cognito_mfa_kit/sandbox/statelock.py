"""One process per state: an OS advisory lock on ``<path>.lock`` beside the file it guards.

>>> from cognito_mfa_kit.sandbox.statelock import StateLock, StateLocked
>>> lock = StateLock("sandbox-state.sqlite")     # guards sandbox-state.sqlite, whatever its format
>>> lock.acquire()                               # StateLocked (holder's pid and command) if another process has it
>>> lock.release()                               # also released by the OS when the process ends, even on SIGKILL

The lock is ``fcntl.flock`` on the lock file, which holds the holder's pid and command line (``kill $(head -1 F)``
works). The kernel drops a flock when its holder dies however it dies, so a lock file left by a dead process is no
lock at all: the next process takes it over and says whose it was (:attr:`StateLock.took_over`). The lock is not
inherited by child processes (Python opens files non-inheritable). Where ``fcntl`` is missing (Windows) there is no
lock: :attr:`StateLock.supported` is false and :meth:`StateLock.acquire` does nothing, so callers can warn.

Knows nothing of the layers above the sandbox.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".lock"


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The lock file guarding ``path``: the same name with ``.lock`` appended."""
    path = Path(path)
    return path.with_name(path.name + SUFFIX)


@dataclass(frozen=True)
class Holder:
    """Who wrote a lock file: its pid and command line, and whether that process still runs."""

    pid: int
    command: str
    alive: bool

    def describe(self) -> str:
        state = "running" if self.alive else "no longer running"
        return f"pid {self.pid} ({self.command or 'command unknown'}; {state})"


class StateLocked(RuntimeError):
    """Another process holds the lock; the message names it and says what to do."""

    def __init__(self, path: Path, holder: Holder | None) -> None:
        self.path = path
        self.lock_file = lock_path(path)
        self.holder = holder
        if holder is not None and holder.alive:
            who = f"process {holder.pid} ({holder.command or 'command unknown'})"
            todo = (
                f"Stop that process (Ctrl-C in its terminal, or `kill {holder.pid}`), or give this one another "
                "state file."
            )
        else:
            # the pid in the file is gone but the lock is held: a child it started (its sandbox, say) still runs
            named = f" (the file names pid {holder.pid}, no longer running)" if holder is not None else ""
            who = f"a process that inherited the lock{named}"
            todo = (
                f"If it is shutting down, try again in a few seconds; `fuser -v {self.lock_file}` names it. "
                "Or give this one another state file."
            )
        super().__init__(f"{path} is in use by {who}: it holds {self.lock_file}. {todo}")


def read_holder(path: str | os.PathLike[str]) -> Holder | None:
    """What the lock file of ``path`` says (``None``: no file, or not one of ours). Does not lock anything."""
    try:
        text = lock_path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    first, _, rest = text.partition("\n")
    try:
        pid = int(first.strip())
    except ValueError:
        return None
    return Holder(pid, rest.strip(), _alive(pid))


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    except OSError:  # pragma: no cover - e.g. Windows semantics
        return False
    return True


def _command_line() -> str:
    return " ".join(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv])


class StateLock:
    """An exclusive, non-blocking lock on a file path (see the module docstring)."""

    supported = fcntl is not None

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.lock_file = lock_path(self.path)
        #: the process whose stale lock file :meth:`acquire` took over (it had died without releasing it)
        self.took_over: Holder | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, wait: float = 0.0) -> StateLock:
        """Take the lock, or raise :class:`StateLocked`; ``wait``: seconds to keep trying while a holder ends.

        Raises :class:`OSError` when the lock file can't be created (e.g. a read-only folder).
        """
        if self._fd is not None or fcntl is None:
            return self
        deadline = time.monotonic() + wait
        while True:
            fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise StateLocked(self.path, read_holder(self.path)) from None
                time.sleep(0.1)
                continue
            except BaseException:
                os.close(fd)
                raise
            # Locked, but the file may have been unlinked by a holder releasing it meanwhile: then this lock
            # guards nothing; try again on the file that is there now.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.lock_file))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            break
        previous = read_holder(self.path)
        self.took_over = previous if previous is not None and previous.pid != os.getpid() else None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n{_command_line()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Remove the lock file and let go of the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if os.path.samestat(os.fstat(fd), os.stat(self.lock_file)):
                os.unlink(self.lock_file)  # while still holding it: a waiter then re-checks and retries
        except OSError:
            pass
        finally:
            os.close(fd)

    def __enter__(self) -> StateLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
