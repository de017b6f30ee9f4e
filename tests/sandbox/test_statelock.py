"""The state lock on its own: a real flock on a real file (the commands that use it: tests/test_lab_signals.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cognito_mfa_kit.sandbox import statelock
from cognito_mfa_kit.sandbox.statelock import StateLock, StateLocked, lock_path, read_holder

pytestmark = pytest.mark.skipif(not StateLock.supported, reason="no fcntl.flock on this platform")


def test_a_second_lock_on_the_same_state_is_refused_naming_the_holder(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    with StateLock(state) as first:
        assert first.held and lock_path(state) == tmp_path / "state.sqlite.lock"
        holder = read_holder(state)
        assert holder is not None and holder.pid == os.getpid() and holder.alive
        with pytest.raises(StateLocked) as refused:
            StateLock(state).acquire()  # another open file description: refused, even in the same process
        assert refused.value.holder == holder
        message = str(refused.value)
        assert f"process {os.getpid()}" in message and f"kill {os.getpid()}" in message and str(state) in message
    assert not lock_path(state).exists(), "released and removed"
    StateLock(state).acquire().release()  # free again


def test_a_lock_held_by_another_process_is_refused_and_freed_when_it_is_killed(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    script = textwrap.dedent(
        f"""
        import sys, time
        from cognito_mfa_kit.sandbox.statelock import StateLock
        StateLock({str(state)!r}).acquire()
        print("locked", flush=True)
        time.sleep(600)
        """
    )
    other = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "locked"
        with pytest.raises(StateLocked) as refused:
            StateLock(state).acquire(wait=0.3)
        assert refused.value.holder is not None and refused.value.holder.pid == other.pid
        assert "-c" in refused.value.holder.command
    finally:
        other.kill()  # SIGKILL: no chance to release, the OS drops the lock
        other.wait(10)
    assert lock_path(state).exists(), "the dead holder's file is still there"
    taken = StateLock(state).acquire()
    try:
        assert taken.took_over is not None and taken.took_over.pid == other.pid and not taken.took_over.alive
        holder = read_holder(state)
        assert holder is not None and holder.pid == os.getpid()
    finally:
        taken.release()


def test_a_lock_file_swapped_under_a_taker_is_not_trusted(tmp_path: Path, monkeypatch) -> None:
    """A holder unlinks its file as it releases: a taker that opened the old file just before must not count a lock
    on that unlinked file as holding the state (a third process may hold the new file by then)."""
    state = tmp_path / "state.json"
    holder = StateLock(state).acquire()
    third: list[StateLock] = []
    real_flock = statelock.fcntl.flock
    swapped = False

    def flock_after_a_swap(fd: int, op: int) -> None:
        nonlocal swapped
        if not swapped:  # between the taker's open() and its flock(): the holder goes, a third process comes
            swapped = True
            holder.release()
            third.append(StateLock(state).acquire())
        real_flock(fd, op)

    monkeypatch.setattr(statelock.fcntl, "flock", flock_after_a_swap)
    with pytest.raises(StateLocked):
        StateLock(state).acquire()  # its first flock succeeds, on the unlinked file: it must look again, and lose
    monkeypatch.undo()
    third[0].release()


def test_an_unreadable_or_foreign_lock_file_is_no_holder(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    assert read_holder(state) is None
    lock_path(state).write_text("not a pid\n")
    assert read_holder(state) is None
    with StateLock(state) as lock:
        assert lock.took_over is None
        assert lock_path(state).read_text().splitlines()[0] == str(os.getpid())
