"""A class with nothing to install, end to end: `cognito-mfa-kit hub` (real JupyterHub, configurable-http-proxy from
npm, the sandbox checking who calls), two trainees signed in over HTTP, their servers started through the hub's API,
notebook 00 run in each through their server's kernel WebSocket, and Ctrl-C stopping everything.
"""

from __future__ import annotations

import json
import socket
import stat

import boto3
import nbformat
import psutil
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from cognito_mfa_kit.hub.client import HubClient

ROOT_NOTEBOOK = "00_start_here.ipynb"


def _trainer_session(hub) -> boto3.session.Session:
    import configparser

    parser = configparser.ConfigParser()
    parser.read(hub.trainer_credentials)
    key = parser["cmk-trainer"]
    return boto3.session.Session(aws_access_key_id=key["aws_access_key_id"],
                                 aws_secret_access_key=key["aws_secret_access_key"], region_name="us-east-1")


def _sandbox_url(hub) -> str:
    settings = json.loads((hub.data_dir / "hub-settings.json").read_text())
    return settings["sandbox_url"]


def _principals(hub) -> dict[str, dict]:
    """The sandbox's keys (GET /_sandbox/credentials, signed with the trainer's key): name → public view."""
    import urllib.request

    url = _sandbox_url(hub) + "/_sandbox/credentials"
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(_trainer_session(hub).get_credentials(), "cognito-idp", "us-east-1").add_auth(request)
    with urllib.request.urlopen(urllib.request.Request(url, headers=dict(request.headers)), timeout=10) as answer:
        return {p["name"]: p for p in json.loads(answer.read())["principals"]}


@pytest.fixture(scope="module")
def trainees(class_hub):
    """The two trainees, signed in through the hub's login form, their servers started through its API."""
    rows = class_hub.rows()
    assert [r["username"] for r in rows] == ["trainee-001", "trainee-002"]
    clients = {}
    for row in rows:
        client = HubClient(class_hub.url)
        assert client.sign_in(row["username"], row["hub_password"]), f"{row['username']} could not sign in"
        client.start_server()
        clients[row["username"]] = client
    return clients


def test_the_sheet_gives_each_trainee_a_hub_password_of_their_own_and_the_hub_keeps_only_hashes(class_hub) -> None:
    rows = class_hub.rows()
    passwords = [r["hub_password"] for r in rows]
    assert all(len(p) >= 16 for p in passwords) and len(set(passwords)) == 2
    assert stat.S_IMODE(class_hub.sheet.stat().st_mode) == 0o600
    settings_file = class_hub.data_dir / "hub-settings.json"
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600
    text = settings_file.read_text()
    assert not any(p in text for p in passwords), "the hub's settings hold no password, only hashes"
    assert all(r["aws_access_key_id"] and r["aws_secret_access_key"] for r in rows)


def test_wrong_or_borrowed_passwords_are_refused(class_hub) -> None:
    one, two = class_hub.rows()
    assert not HubClient(class_hub.url).sign_in(one["username"], two["hub_password"]), "another's password"
    assert not HubClient(class_hub.url).sign_in(one["username"], one["hub_password"] + "x")
    assert not HubClient(class_hub.url).sign_in("somebody", one["hub_password"]), "not on the sheet"
    assert not HubClient(class_hub.url).sign_in("trainer", one["hub_password"]), "a trainee's password"


def test_each_trainee_runs_notebook_00_with_their_own_key_and_cannot_touch_the_others_pool(class_hub, trainees):
    rows = {r["username"]: r for r in class_hub.rows()}
    expected_cells = sum(1 for c in nbformat.read(class_hub.data_dir / "users" / "trainee-001" / ROOT_NOTEBOOK,
                                                  as_version=4).cells if c.cell_type == "code")
    for name, client in trainees.items():
        other = rows["trainee-002" if name == "trainee-001" else "trainee-001"]
        with client.kernel(ROOT_NOTEBOOK) as kernel:
            done = kernel.run_notebook()
            failed = [d for d in done if not d.ok]
            assert not failed, f"{name}: {failed[0].code!r} raised {failed[0].describe_error()}"
            assert len(done) == expected_cells
            who = kernel.execute("import json, os\nprint(json.dumps({'who': lab.whoami(), 'profile': "
                                 "os.environ['AWS_PROFILE'], 'home': os.environ['HOME']}))")
            assert who.ok, who.describe_error()
            facts = json.loads(who.stdout)
            assert facts["who"]["kind"] == "trainee" and facts["who"]["name"] == name
            assert facts["profile"] == "cmk-trainee"
            assert facts["home"] == str(class_hub.data_dir / "users" / name)
            own = kernel.execute(f"print(lab.client.describe_user_pool(UserPoolId={rows[name]['pool_id']!r})"
                                 "['UserPool']['Id'])")
            assert own.ok and own.stdout.strip() == rows[name]["pool_id"]
            theirs = kernel.execute(
                "try:\n"
                f"    lab.client.describe_user_pool(UserPoolId={other['pool_id']!r}); print('ALLOWED')\n"
                "except Exception as exc:\n"
                "    print(exc.response['Error']['Code'])")
            assert theirs.ok and theirs.stdout.strip() == "AccessDeniedException"
        credentials = class_hub.data_dir / "users" / name / ".aws" / "credentials"
        assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
        assert rows[name]["aws_access_key_id"] in credentials.read_text()

    # the sandbox's side: each trainee's CreateUserPool (notebook 00's pool) was signed with their own key, so the
    # pool is theirs; the two trainees' pools are distinct, and the trainer sees both
    principals = _principals(class_hub)
    cognito = _trainer_session(class_hub).client("cognito-idp", endpoint_url=_sandbox_url(class_hub))
    course_pools = {}
    for name in trainees:
        owned = set(principals[name]["pools"]) - {rows[name]["pool_id"]}
        names = {cognito.describe_user_pool(UserPoolId=p)["UserPool"]["Name"]: p for p in owned}
        assert "cmk-course-00" in names, f"{name}'s notebook 00 pool is not theirs: {names}"
        course_pools[name] = names["cmk-course-00"]
    assert len(set(course_pools.values())) == 2


def test_the_trainer_gets_the_class_view(class_hub, trainees) -> None:
    trainer = HubClient(class_hub.url)
    assert trainer.sign_in("trainer", class_hub.trainer_password)
    assert trainer.user()["admin"] is True
    trainer.start_server()
    with trainer.kernel("class_progress.ipynb") as kernel:
        done = kernel.run_notebook()
        assert done and all(d.ok for d in done), [d.describe_error() for d in done if not d.ok]
        view = kernel.execute("import json\nview = _\nprint(json.dumps([lab.whoami()['kind'], view.report.target, "
                              "sorted(t.username for t in view.report.trainees if t.exists)]))")
        assert view.ok, view.describe_error()
        assert json.loads(view.stdout) == ["trainer", "sandbox", ["trainee-001", "trainee-002"]]
    trainer.stop_server()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_ctrl_c_stops_the_hub_every_trainees_server_and_the_sandbox(class_hub, trainees) -> None:
    settings = json.loads((class_hub.data_dir / "hub-settings.json").read_text())
    processes = psutil.Process(class_hub.proc.pid).children(recursive=True)
    kinds = " ".join(" ".join(p.cmdline()) for p in processes)
    assert "jupyterhub.singleuser" in kinds and "configurable-http-proxy" in kinds and " sandbox " in kinds
    ports = [settings["port"], settings["hub_port"], settings["proxy_api_port"],
             int(settings["sandbox_url"].rsplit(":", 1)[1])]
    ports += [c.laddr.port for p in processes if "jupyterhub.singleuser" in " ".join(p.cmdline())
              for c in p.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN]
    assert all(_listening(p) for p in ports)
    assert class_hub.stop() == 0
    assert not [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not [p for p in ports if _listening(p)], "something still listens"
