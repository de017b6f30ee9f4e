"""The kit's cognito-idp model extras: botocore and the real AWS CLI both pick them up."""

from __future__ import annotations

import copy
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import botocore
import pytest
from botocore.loaders import Loader

from cognito_mfa_kit import servicemodel

OP = "AdminDeleteSoftwareToken"
AWS = Path(sys.executable).parent / "aws"
EXTRAS = Path(servicemodel.data_path()) / "cognito-idp" / "2016-04-18" / "service-2.sdk-extras.json"


def builtin_model() -> dict:
    path = Path(botocore.__file__).parent / "data" / "cognito-idp" / "2016-04-18"
    gz = path / "service-2.json.gz"
    if gz.exists():
        return json.loads(gzip.decompress(gz.read_bytes()))
    return json.loads((path / "service-2.json").read_text())


@pytest.fixture(scope="module")
def old_botocore_data(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A data folder holding botocore's cognito-idp model *without* AdminDeleteSoftwareToken,
    standing in for the botocore releases (< 2026) the extras are for."""
    model = copy.deepcopy(builtin_model())
    model["operations"].pop(OP, None)
    model["shapes"].pop(f"{OP}Request", None)
    model["shapes"].pop(f"{OP}Response", None)
    root = tmp_path_factory.mktemp("old-botocore")
    target = root / "cognito-idp" / "2016-04-18"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    return str(root)


def test_extras_file_is_botocore_extras_format() -> None:
    extras = json.loads(EXTRAS.read_text())
    assert extras["version"] == 1.0
    op = extras["merge"]["operations"][OP]
    assert op["http"] == {"method": "POST", "requestUri": "/"}
    assert {e["shape"] for e in op["errors"]} == {
        "InternalErrorException", "InvalidParameterException", "NotAuthorizedException",
        "OperationNotEnabledException", "ResourceNotFoundException", "TooManyRequestsException",
        "UserNotConfirmedException", "UserNotFoundException",
    }


def test_botocore_ships_no_cognito_extras_that_ours_would_shadow() -> None:
    # The loader applies only the first service-2.sdk-extras.json it finds on its path.
    builtin = Path(botocore.__file__).parent / "data" / "cognito-idp"
    assert not list(builtin.glob("*/service-2.sdk-extras.json"))


def test_extras_add_the_operation_to_an_older_model(old_botocore_data: str) -> None:
    without = Loader(extra_search_paths=[old_botocore_data], include_default_search_paths=False)
    assert OP not in without.load_service_model("cognito-idp", "service-2")["operations"]
    loader = Loader(
        extra_search_paths=[old_botocore_data, servicemodel.data_path()],
        include_default_search_paths=False,
    )
    model = loader.load_service_model("cognito-idp", "service-2")
    assert model["operations"][OP]["input"] == {"shape": f"{OP}Request"}
    assert model["shapes"][f"{OP}Request"]["required"] == ["UserPoolId", "Username"]


def test_extras_agree_with_botocore_where_it_knows_the_operation() -> None:
    model = builtin_model()
    if OP not in model["operations"]:
        pytest.skip("this botocore predates AdminDeleteSoftwareToken")
    extras = json.loads(EXTRAS.read_text())["merge"]
    ours, theirs = extras["operations"][OP], model["operations"][OP]
    for key in ("http", "input", "output"):
        assert ours[key] == theirs[key]
    errors = sorted(e["shape"] for e in ours["errors"])
    assert errors == sorted(e["shape"] for e in theirs["errors"])
    for name in (f"{OP}Request", f"{OP}Response"):
        strip = lambda s: {k: v for k, v in s.items() if k != "members"}  # noqa: E731
        assert strip(extras["shapes"][name]) == strip(model["shapes"][name])
        assert {k: v["shape"] for k, v in extras["shapes"][name]["members"].items()} == {
            k: v["shape"] for k, v in model["shapes"][name]["members"].items()
        }


def test_session_puts_the_kit_first_on_the_search_path() -> None:
    session = servicemodel.botocore_session()
    assert session.get_component("data_loader").search_paths[0] == servicemodel.data_path()


def test_service_model_has_the_operation_with_sensitive_username() -> None:
    model = servicemodel.service_model()
    op = model.operation_model(OP)
    assert op.http == {"method": "POST", "requestUri": "/"}
    assert op.input_shape.required_members == ["UserPoolId", "Username"]
    assert op.input_shape.members["Username"].metadata.get("sensitive") is True
    assert not op.output_shape.members
    assert servicemodel.service_model() is model  # cached


def test_boto3_client_on_the_session_has_the_method(
    old_botocore_data: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = servicemodel.botocore_session()
    # Make the client see the "old" botocore model, so the method can only come from the extras.
    session.get_component("data_loader").search_paths.insert(1, old_botocore_data)
    client = boto3.Session(botocore_session=session).client(
        "cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    assert hasattr(client, "admin_delete_software_token")
    plain = botocore.session.Session()
    plain.get_component("data_loader").search_paths.insert(0, old_botocore_data)
    assert not hasattr(
        plain.create_client("cognito-idp", region_name="us-east-1"), "admin_delete_software_token"
    )


def _aws(*args: str, data_path: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_DATA_PATH=data_path, AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_DEFAULT_REGION="us-east-1")
    return subprocess.run([str(AWS), *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.awscli
def test_real_aws_cli_knows_the_operation_through_aws_data_path(old_botocore_data: str) -> None:
    if not AWS.exists():
        pytest.skip("AWS CLI not installed in the venv")
    args = ("cognito-idp", "admin-delete-software-token", "--generate-cli-skeleton")
    without = _aws(*args, data_path=old_botocore_data)
    assert without.returncode != 0
    assert "Invalid choice" in without.stderr
    assert "admin-delete-software-token" not in without.stderr  # not among the valid choices
    with_extras = _aws(*args, data_path=os.pathsep.join([servicemodel.data_path(),
                                                          old_botocore_data]))
    assert with_extras.returncode == 0, with_extras.stderr
    assert json.loads(with_extras.stdout) == {"UserPoolId": "", "Username": ""}
