"""The hub's parts on their own: passwords and their hashes, the authenticator, a user's home, the sheet's column,
and the command's refusals (no JupyterHub started here)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cognito_mfa_kit.classroom_sheet import SHEET_FIELDS, Trainee, load_sheet, rewrite_sheet
from cognito_mfa_kit.connect import ENV_URL
from cognito_mfa_kit.hub.authenticator import SheetAuthenticator
from cognito_mfa_kit.hub.home import CLASS_NOTEBOOK, prepare_home, start_page, user_environment
from cognito_mfa_kit.hub.passwords import check_password, hash_password, new_password
from cognito_mfa_kit.hub.settings import TRAINEE, TRAINER, HubSettings, HubUser

ROOT = Path(__file__).resolve().parents[2]


def test_passwords_are_random_and_only_their_own_hash_accepts_them() -> None:
    one, two = new_password(), new_password()
    assert one != two and len(one) == 16 and not set(one) & set("0O1lI")
    stored = hash_password(one)
    assert stored.startswith("scrypt$16384$8$1$") and one not in stored
    assert hash_password(one) != stored, "salted: the same password hashes differently"
    assert check_password(one, stored)
    assert not check_password(two, stored)
    assert not check_password(one[:-1], stored)
    for broken in ("", "scrypt$", "bcrypt$1$2$3$4$5", stored[:-4] + "AAAA", stored.replace("16384", "x")):
        assert not check_password(one, broken)


def _settings(tmp_path: Path, notebooks: Path) -> HubSettings:
    users = {
        "trainer": HubUser("trainer", TRAINER, hash_password("trainer-pass"), "AKIATRAINER", "trainer-secret"),
        "trainee-001": HubUser("trainee-001", TRAINEE, hash_password("first-pass"), "AKIAFIRST", "first-secret",
                               username="trainee-001", pool_id="us-east-1_First"),
    }
    settings = HubSettings(sandbox_url="http://127.0.0.1:4599", notebooks=str(notebooks),
                           homes=str(tmp_path / "homes"), sheet=str(tmp_path / "class.csv"),
                           lab_settings=str(tmp_path / "lab.settings"), data_dir=str(tmp_path), users=users)
    settings.save(tmp_path / "hub-settings.json")
    return settings


def test_the_authenticator_lets_each_user_in_with_their_own_password_only(tmp_path: Path) -> None:
    _settings(tmp_path, ROOT / "notebooks")
    auth = SheetAuthenticator(settings_file=str(tmp_path / "hub-settings.json"))

    def attempt(username: str, password: str) -> str | None:
        # in a thread of its own: an earlier test (Playwright's sync API) may leave an event loop in this one
        with concurrent.futures.ThreadPoolExecutor(1) as worker:
            return worker.submit(asyncio.run, auth.authenticate(None, {"username": username,
                                                                        "password": password})).result()

    assert attempt("trainee-001", "first-pass") == "trainee-001"
    assert attempt("Trainee-001 ", "first-pass") == "trainee-001", "JupyterHub's names are lower case"
    assert attempt("trainer", "trainer-pass") == "trainer"
    assert attempt("trainee-001", "trainer-pass") is None
    assert attempt("trainer", "first-pass") is None
    assert attempt("trainee-001", "") is None
    assert attempt("nobody", "first-pass") is None


def test_a_home_has_the_course_and_the_users_own_key_and_keeps_their_work(tmp_path: Path) -> None:
    settings = _settings(tmp_path, ROOT / "notebooks")
    trainee = settings.users["trainee-001"]
    home = prepare_home(settings, trainee)
    assert home == tmp_path / "homes" / "trainee-001" and stat.S_IMODE(home.stat().st_mode) == 0o700
    course = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in home.glob("*.ipynb")) == course
    credentials = home / ".aws" / "credentials"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert credentials.read_text() == ("[cmk-trainee]\naws_access_key_id = AKIAFIRST\n"
                                       "aws_secret_access_key = first-secret\n")
    env = user_environment(settings, trainee)
    assert env[ENV_URL] == "http://127.0.0.1:4599" and env["AWS_PROFILE"] == "cmk-trainee"
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == str(credentials)
    assert start_page(trainee) == "/lab/tree/00_start_here.ipynb"

    mine = home / "00_start_here.ipynb"
    mine.write_text(mine.read_text().replace("Start here", "Start here (my notes)"))
    prepare_home(settings, trainee)  # the server starts again: the trainee's changes stay
    assert "(my notes)" in mine.read_text()
    assert not (home / CLASS_NOTEBOOK).exists(), "the class view is the trainer's"


def test_the_trainers_home_opens_on_the_class_view_of_the_sheet(tmp_path: Path) -> None:
    settings = _settings(tmp_path, ROOT / "notebooks")
    trainer = settings.users["trainer"]
    home = prepare_home(settings, trainer)
    view = nbformat.read(home / CLASS_NOTEBOOK, as_version=4)
    code = [c.source for c in view.cells if c.cell_type == "code"]
    assert code == [f"from cognito_mfa_kit import connect, ui\nlab = connect()\nui.ClassProgress(lab, "
                    f"{settings.sheet!r})"]
    assert "[cmk-trainer]" in (home / ".aws" / "credentials").read_text()
    assert start_page(trainer) == f"/lab/tree/{CLASS_NOTEBOOK}"


def test_the_sheet_has_a_hub_password_column_and_older_sheets_still_read(tmp_path: Path) -> None:
    assert SHEET_FIELDS[-1] == "hub_password"
    old = tmp_path / "old.csv"
    old.write_text("username,temporary_password,pool_id,client_id,region\nann,Pw1!,us-east-1_A,c1,us-east-1\n")
    loaded = load_sheet(old)
    assert not loaded.current and loaded.rows[0].hub_password == ""
    rewrite_sheet(old, [Trainee("ann", "Pw1!", "us-east-1_A", "c1", "us-east-1", hub_password="hub-pass")])
    assert load_sheet(old).rows[0].hub_password == "hub-pass" and load_sheet(old).current


def _hub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "hub", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60)


def test_the_hub_says_what_it_needs_when_there_is_no_sheet_yet(tmp_path: Path) -> None:
    done = _hub("--sheet", str(tmp_path / "class.csv"), "--port", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "--count N" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "class.hub").exists(), "nothing started, nothing written"


@pytest.mark.parametrize("bad", [["--count", "0"], ["--count", "2", "--roster", "x.csv"]])
def test_the_hub_refuses_a_bad_class_size(tmp_path: Path, bad: list[str]) -> None:
    done = _hub("--sheet", str(tmp_path / "class.csv"), *bad, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_beyond_loopback_the_hub_says_what_it_exposes() -> None:
    from cognito_mfa_kit.cli.hub import _exposure

    said = _exposure("0.0.0.0", 8000)
    assert "sign-in page" in said and "Plain HTTP" in said and "sandbox" in said and ":8000/" in said
    assert "http://192.0.2.7:8000/" in _exposure("192.0.2.7", 8000)
