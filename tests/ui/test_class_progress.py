"""The trainer's class view as a widget, in plain Python: what it shows, how it refreshes, what a failure says."""

from __future__ import annotations

import time

from cognito_mfa_kit.classroom_sheet import Trainee
from cognito_mfa_kit.classroom_status import ClassStatus, TraineeStatus
from cognito_mfa_kit.ui import ClassProgress

ROWS = [Trainee(f"t{n}", "", "us-east-1_Pool00001", "client", "us-east-1") for n in range(4)]


def _report(*steps: TraineeStatus) -> ClassStatus:
    return ClassStatus(list(steps), "sandbox", ["a note"])


def _fetcher(reports: list):
    calls = []

    def fetch(lab, rows):
        calls.append(rows)
        item = reports[min(len(calls), len(reports)) - 1]
        if isinstance(item, Exception):
            raise item
        return item
    return fetch, calls


STUCK = {"code": "CodeMismatchException", "message": "Invalid code received for user", "operation": "RespondTo",
         "at": 1.0}


def test_it_shows_the_steps_the_stuck_and_every_trainee():
    report = _report(
        TraineeStatus("t0", "p"),
        TraineeStatus("t1", "p", enrolled=True, last_error=dict(STUCK)),
        TraineeStatus("t2", "p", enrolled=True, verified=True, totp_enabled=True, preferred=True,
                      last_error=dict(STUCK)),
        TraineeStatus("t3", "p", enrolled=True, verified=True, totp_enabled=True, preferred=True, mfa_sign_in_at=5.0,
                      last_error=dict(STUCK)),  # done: not stuck
    )
    fetch, _ = _fetcher([report])
    view = ClassProgress(object(), ROWS, interval=0, fetch=fetch)
    for step, count in {0: 1, 1: 1, 7: 0, 8: 1, 9: 1}.items():
        assert f"data-step='{step}' data-count='{count}'" in view.bar.value
    assert "2 stuck on CodeMismatchException</b>: t1, t2" in view.stuck.value
    assert "cmk-explanation" in view.stuck.value and "What to do" in view.stuck.value
    for name, step in (("t0", 0), ("t1", 1), ("t2", 8), ("t3", 9)):
        assert f"data-username='{name}' data-step='{step}'" in view.table.value
    assert view.footer.value == "a note"


def test_refresh_button_reads_again_and_a_failure_is_said_then_cleared():
    first = _report(TraineeStatus("t0", "p"))
    later = _report(TraineeStatus("t0", "p", enrolled=True))
    fetch, calls = _fetcher([first, RuntimeError("the sandbox went away"), later])
    view = ClassProgress(object(), ROWS, interval=0, fetch=fetch)
    assert "Nobody is stuck" in view.stuck.value
    view.refresh_button.click()
    assert "Could not read the class: the sandbox went away" in view.footer.value
    assert "data-step='0'" in view.table.value  # the last good table stays
    view.refresh_button.click()
    assert "data-username='t0' data-step='1'" in view.table.value and "Could not" not in view.footer.value
    assert len(calls) == 3


def test_it_refreshes_itself_on_a_timer_without_printing(capsys):
    fetch, calls = _fetcher([_report(TraineeStatus("t0", "p"))])
    view = ClassProgress(object(), ROWS, interval=0.05, fetch=fetch)
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    view.stop()
    assert len(calls) >= 3
    assert capsys.readouterr().out == ""


def test_on_the_sandbox_it_reads_the_class_view(lab, pool, bob):
    rows = [Trainee(bob.username, "", pool.pool_id, pool.client_id, lab.region)]
    view = ClassProgress(lab, rows, interval=0)
    assert view.report is not None and [t.username for t in view.report.trainees] == [bob.username]
    assert f"data-username='{bob.username}' data-step='0'" in view.table.value
