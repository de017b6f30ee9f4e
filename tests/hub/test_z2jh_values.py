"""deploy/z2jh-values.yaml, the class on Kubernetes: rendered as far as this machine can.

The `helm` binary is not available here (nor Zero to JupyterHub's chart, which helm fetches from its repository), so
the values are checked against deploy/z2jh-values.schema.yaml, a schema written from Z2JH's Configuration Reference
(the keys the chart accepts at each level, and the types of those this file sets); the Kubernetes objects the chart
passes through (the sandbox container, its port, volumes, network policies) are checked to fit together; and the
hub's ``extraConfig`` is run as the chart's hub would run it, against a real class prepared by
``cognito-mfa-kit hub --prepare``. When `helm` and the chart are there (``CMK_Z2JH_CHART=<path to the chart>``),
``helm template`` renders the file too.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
import yaml
from traitlets.config import Config

from cognito_mfa_kit.classroom_sheet import read_sheet
from cognito_mfa_kit.connect import ENV_URL
from cognito_mfa_kit.hub.passwords import check_password
from cognito_mfa_kit.hub.settings import HubSettings
from cognito_mfa_kit.labserver import CULL_IDLE_AFTER, lab_options

ROOT = Path(__file__).resolve().parents[2]
VALUES = ROOT / "deploy" / "z2jh-values.yaml"
SCHEMA = ROOT / "deploy" / "z2jh-values.schema.yaml"


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def test_the_values_are_what_zero_to_jupyterhub_accepts(values) -> None:
    schema = yaml.safe_load(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(values, schema)
    # the schema does refuse what the chart refuses: an unknown key, a wrong type
    for broken in ({**values, "singleusr": {}}, {**values, "hub": {**values["hub"], "extraConfig": {"x": 1}}},
                   {**values, "singleuser": {**values["singleuser"], "storage": {"type": "dynamic"}}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


def test_trainees_and_the_sandbox_run_the_same_image_and_the_same_jupyterlab(values) -> None:
    singleuser = values["singleuser"]
    image = f"{singleuser['image']['name']}:{singleuser['image']['tag']}"
    (sandbox,) = [c for c in values["hub"]["extraContainers"] if c["name"] == "sandbox"]
    assert sandbox["image"] == image
    # JupyterLab gets the options `cognito-mfa-kit hub` gives it on one machine (no news, kernel culling)
    assert singleuser["cmd"][0] == "jupyterhub-singleuser"
    assert singleuser["cmd"][1:] == lab_options(cull_idle_after=CULL_IDLE_AFTER, as_root=False)
    assert singleuser["defaultUrl"] == "/lab/tree/00_start_here.ipynb"
    assert "/opt/cognito-mfa-kit/notebooks/" in " ".join(singleuser["lifecycleHooks"]["postStart"]["exec"]["command"])
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "AS course" in dockerfile and "/opt/cognito-mfa-kit/notebooks" in dockerfile and "AS hub" in dockerfile


def test_the_sandbox_is_wired_to_the_trainees_servers(values) -> None:
    hub = values["hub"]
    (sandbox,) = [c for c in hub["extraContainers"] if c["name"] == "sandbox"]
    command = shlex.split(sandbox["command"][-1].split(";", 1)[1])
    assert command[:3] == ["exec", "cognito-mfa-kit", "sandbox"]
    assert "--require-credentials" in command
    port = int(command[command.index("--port") + 1])
    (container_port,) = sandbox["ports"]
    assert container_port["containerPort"] == port and len(container_port["name"]) <= 15
    (service_port,) = hub["service"]["extraPorts"]
    assert service_port["targetPort"] == container_port["name"] and service_port["port"] == port
    assert [p["port"] for rule in hub["networkPolicy"]["ingress"] for p in rule["ports"]] == [port]
    assert [p["port"] for rule in values["singleuser"]["networkPolicy"]["egress"] for p in rule["ports"]] == [port]
    # its state on the hub's own volume (Z2JH's "pvc", at /srv/jupyterhub), the class from the mounted Secret
    mounts = {m["name"]: m["mountPath"] for m in sandbox["volumeMounts"]}
    assert mounts["pvc"] == "/srv/jupyterhub" and command[command.index("--state") + 1].startswith("/srv/jupyterhub/")
    secret = {v["name"] for v in hub["extraVolumes"]}
    assert "cmk-class" in secret and mounts["cmk-class"] == "/etc/cognito-mfa-kit"
    assert {m["name"]: m["mountPath"] for m in hub["extraVolumeMounts"]}["cmk-class"] == "/etc/cognito-mfa-kit"
    assert f"http://hub:{port}" in hub["extraConfig"]["cognito-mfa-kit"]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`cognito-mfa-kit hub --prepare --count 2`: the class, its settings and the sandbox's state, no JupyterHub."""
    from hub_helpers import hub_env

    tmp = tmp_path_factory.mktemp("prepare")
    done = subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "hub", "--sheet", str(tmp / "class.csv"),
                           "--count", "2", "--prepare"], capture_output=True, text=True, env=hub_env(tmp), timeout=180)
    assert done.returncode == 0, done.stderr
    assert "kubectl create secret generic cmk-class" in done.stdout
    return tmp


def test_prepare_writes_the_class_for_a_cluster_and_stops(prepared: Path) -> None:
    data = prepared / "class.hub"
    settings = HubSettings.load(data / "hub-settings.json")
    rows = read_sheet(prepared / "class.csv")
    assert sorted(settings.users) == ["trainee-001", "trainee-002", "trainer"]
    for row in rows:
        assert check_password(row.hub_password, settings.users[row.username].password_hash)
        assert settings.users[row.username].aws_access_key_id == row.aws_access_key_id
    assert not (data / "sandbox.sqlite3-wal").exists() or (data / "sandbox.sqlite3-wal").stat().st_size == 0, \
        "the sandbox stopped cleanly: its state is one file, ready for the Secret"
    assert not (data / "hub.lock").exists(), "nothing left running"
    exported = subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "sandbox", "export", "--state",
                               str(data / "sandbox.sqlite3")], capture_output=True, text=True, check=True)
    for row in rows:
        assert row.pool_id in exported.stdout


def test_the_hubs_extra_config_signs_users_in_and_gives_each_their_own_key(values, prepared: Path) -> None:
    """Run the chart's hub.extraConfig as Z2JH's jupyterhub_config.py does (``c`` in scope), on the prepared class."""
    settings_file = prepared / "class.hub" / "hub-settings.json"
    code = values["hub"]["extraConfig"]["cognito-mfa-kit"].replace("/etc/cognito-mfa-kit/hub-settings.json",
                                                                  str(settings_file))
    c = Config()
    exec(compile(code, "hub.extraConfig", "exec"), {"c": c})  # noqa: S102 - the values file's own code
    assert c.JupyterHub.authenticator_class == "cognito_mfa_kit.hub.authenticator.SheetAuthenticator"
    assert c.SheetAuthenticator.settings_file == str(settings_file)
    assert c.Authenticator.admin_users == {"trainer"}
    assert c.Authenticator.allowed_users == {"trainer", "trainee-001", "trainee-002"}
    rows = {r.username: r for r in read_sheet(prepared / "class.csv")}
    hook = c.Spawner.pre_spawn_hook
    for name, row in rows.items():
        spawner = SimpleNamespace(user=SimpleNamespace(name=name), environment={"PYTHONUNBUFFERED": "1"},
                                  default_url="")
        hook(spawner)
        assert spawner.environment[ENV_URL] == "http://hub:4599"
        assert spawner.environment["AWS_ACCESS_KEY_ID"] == row.aws_access_key_id
        assert spawner.environment["AWS_SECRET_ACCESS_KEY"] == row.aws_secret_access_key
        assert spawner.environment["PYTHONUNBUFFERED"] == "1"
        assert spawner.default_url == "/lab/tree/00_start_here.ipynb"
    trainer = SimpleNamespace(user=SimpleNamespace(name="trainer"), environment={}, default_url="")
    hook(trainer)
    assert trainer.environment["AWS_ACCESS_KEY_ID"] not in {r.aws_access_key_id for r in rows.values()}
    with pytest.raises(RuntimeError, match="not on this class's sheet"):
        hook(SimpleNamespace(user=SimpleNamespace(name="stranger"), environment={}, default_url=""))


def test_helm_renders_the_values_when_helm_and_the_chart_are_here(values) -> None:
    helm, chart = shutil.which("helm"), os.environ.get("CMK_Z2JH_CHART")
    if not helm or not chart:
        pytest.skip("helm rendering skipped: no `helm` binary here (and no CMK_Z2JH_CHART chart folder); the values "
                    "are checked against deploy/z2jh-values.schema.yaml instead")
    done = subprocess.run([helm, "template", "class", chart, "--values", str(VALUES)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "name: sandbox" in done.stdout and "cognito_mfa_kit.hub.z2jh" in done.stdout
