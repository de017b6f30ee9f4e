"""cleanup: lists only kit pools (prefix AND tag), deletes only with --yes, respects deletion protection."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from botocore.exceptions import ClientError

from cognito_mfa_kit.cleanup import cleanup, find_kit_pools
from cognito_mfa_kit.naming import NAME_PREFIX, TAG_KEY
from cognito_mfa_kit.ratelimit import QuotaCaller, RateLimiter


def _fast(cognito) -> QuotaCaller:
    """No pacing: the shared test sandbox holds every test's pools, and pacing is not what these tests check."""
    return QuotaCaller(cognito, RateLimiter(rates={}))


def _exists(cognito, pool_id: str) -> bool:
    try:
        cognito.describe_user_pool(UserPoolId=pool_id)
        return True
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ResourceNotFoundException"
        return False


@pytest.fixture()
def pools(cognito) -> dict[str, str]:
    """One of each kind, under a fresh run id: kit, kit+protected, kit+domain, untagged, tagged-without-prefix,
    another run's kit pool."""
    run = f"t{uuid.uuid4().hex[:8]}"
    other = run + "x"

    def make(name: str, tags: dict[str, str] | None, **extra) -> str:
        params = {"PoolName": name, **extra}
        if tags is not None:
            params["UserPoolTags"] = tags
        return cognito.create_user_pool(**params)["UserPool"]["Id"]

    made = {
        "run": run,
        "kit": make(f"{NAME_PREFIX}{run}-a", {TAG_KEY: run}),
        "protected": make(f"{NAME_PREFIX}{run}-p", {TAG_KEY: run}, DeletionProtection="ACTIVE"),
        "domain": make(f"{NAME_PREFIX}{run}-d", {TAG_KEY: run}),
        "untagged": make(f"{NAME_PREFIX}{run}-u", None),
        "other_tag": make(f"{NAME_PREFIX}{run}-o", {"team": run}),
        "no_prefix": make(f"mine-{run}", {TAG_KEY: run}),
        "other_run": make(f"{NAME_PREFIX}{other}-a", {TAG_KEY: other}),
    }
    cognito.create_user_pool_domain(Domain=f"d-{run}", UserPoolId=made["domain"])
    return made


def test_finds_only_tagged_and_prefixed_pools_of_the_run(cognito, pools) -> None:
    found = find_kit_pools(_fast(cognito), run_id=pools["run"])
    assert {p.pool_id for p in found} == {pools["kit"], pools["protected"], pools["domain"]}
    by_id = {p.pool_id: p for p in found}
    assert by_id[pools["protected"]].protected and not by_id[pools["kit"]].protected
    assert by_id[pools["domain"]].domain == f"d-{pools['run']}"
    # without a run id every run's kit pools count, still never the untagged ones
    every = {p.pool_id for p in find_kit_pools(_fast(cognito))}
    assert pools["other_run"] in every
    assert not every & {pools["untagged"], pools["other_tag"], pools["no_prefix"]}


def test_dry_run_deletes_nothing(cognito, pools) -> None:
    result = cleanup(_fast(cognito), run_id=pools["run"])
    assert result.dry_run and result.deleted == []
    assert all(_exists(cognito, pools[k]) for k in pools if k != "run")


def test_yes_deletes_kit_pools_but_not_protected_untagged_or_other_runs(cognito, pools) -> None:
    result = cleanup(_fast(cognito), run_id=pools["run"], yes=True)
    assert {p.pool_id for p in result.deleted} == {pools["kit"], pools["domain"]}
    assert [p.pool_id for p in result.protected] == [pools["protected"]]
    assert not _exists(cognito, pools["kit"]) and not _exists(cognito, pools["domain"])
    # moto itself would delete a protected pool: the kit checked DescribeUserPool first
    for kept in ("protected", "untagged", "other_tag", "no_prefix", "other_run"):
        assert _exists(cognito, pools[kept]), kept
    # the domain went with its pool
    assert cognito.describe_user_pool_domain(Domain=f"d-{pools['run']}")["DomainDescription"] == {}


def test_prefix_must_be_the_kits(cognito) -> None:
    with pytest.raises(ValueError):
        find_kit_pools(_fast(cognito), name_prefix="prod-")


def _cli(sandbox, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return subprocess.run(
        [sys.executable, "-m", "cognito_mfa_kit", "cleanup", "--endpoint-url", sandbox.endpoint_url, *args],
        capture_output=True, text=True, timeout=120, env=env,
    )


def test_cli_dry_run_then_yes(cognito, pools, sandbox) -> None:
    dry = _cli(sandbox, "--run-id", pools["run"])
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: nothing deleted" in dry.stdout and "--yes to delete 2 pool(s)" in dry.stdout
    assert pools["kit"] in dry.stdout and pools["untagged"] not in dry.stdout
    assert _exists(cognito, pools["kit"])

    done = _cli(sandbox, "--run-id", pools["run"], "--yes")
    assert done.returncode == 0, done.stderr
    assert "Deleted 2 pool(s)." in done.stdout
    assert f"Skipped {pools['protected']}: deletion protection is on" in done.stderr
    assert "--deletion-protection INACTIVE" in done.stderr
    assert not _exists(cognito, pools["kit"]) and _exists(cognito, pools["protected"])
    assert _exists(cognito, pools["untagged"])


def test_cli_without_target_says_what_to_give(sandbox) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COGNITO_MFA_KIT_SANDBOX_URL"}
    done = subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "cleanup"], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 2 and "--endpoint-url" in done.stderr and "--aws" in done.stderr




def test_a_pools_user_count_reads_in_the_singular_and_the_plural() -> None:
    from cognito_mfa_kit.cleanup import KitPool

    assert [KitPool("p", "n", "r", users=n).users_text for n in (None, 0, 1, 12)] == ["", "~0 users", "~1 user",
                                                                                       "~12 users"]
