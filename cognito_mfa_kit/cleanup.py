"""Finding and deleting the user pools the kit created, and nothing else.

A pool is the kit's when its name starts with :data:`~cognito_mfa_kit.naming.NAME_PREFIX` *and* it carries the
tag :data:`~cognito_mfa_kit.naming.TAG_KEY` (value: the course or run id). ListUserPools returns neither tags nor
deletion protection, so each candidate is read with DescribeUserPool (``UserPoolTags``, ``DeletionProtection``).
A pool with ``DeletionProtection=ACTIVE`` is skipped (the kit checks it itself: the sandbox, like moto, would
delete it anyway).

>>> found = find_kit_pools(QuotaCaller(client), run_id="course")
>>> result = cleanup(QuotaCaller(client), run_id="course", yes=True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .naming import NAME_PREFIX, TAG_KEY
from .ratelimit import QuotaCaller

#: how to turn deletion protection off (UpdateUserPool resets every setting it is not given: the console is safer)
PROTECTION_HINT = (
    "deletion protection is on: turn it off in the Cognito console (user pool → Settings → Deletion protection → "
    "Deactivate), or with `aws cognito-idp update-user-pool --user-pool-id {id} --deletion-protection INACTIVE` "
    "(careful: update-user-pool resets every setting you leave out), then run cleanup again"
)


@dataclass(frozen=True)
class KitPool:
    """A user pool the kit created (found by its name prefix and tag)."""

    pool_id: str
    name: str
    run_id: str
    protected: bool = False
    domain: str | None = None
    users: int | None = None

    @property
    def users_text(self) -> str:
        """``~1 user``, ``~12 users`` (Cognito's estimate), or ``""`` when unknown."""
        if self.users is None:
            return ""
        return f"~{self.users} user" + ("" if self.users == 1 else "s")


@dataclass
class CleanupResult:
    """What :func:`cleanup` found and did."""

    found: list[KitPool] = field(default_factory=list)
    deleted: list[KitPool] = field(default_factory=list)
    protected: list[KitPool] = field(default_factory=list)
    dry_run: bool = True


def list_pools(caller: QuotaCaller) -> list[dict[str, Any]]:
    """Every pool summary ListUserPools returns (all pages; summaries carry no tags)."""
    pools: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"MaxResults": 60}
        if token:
            params["NextToken"] = token
        page = caller.call("ListUserPools", **params)
        pools.extend(page.get("UserPools", []))
        token = page.get("NextToken")
        if not token:
            return pools


def describe_kit_pool(caller: QuotaCaller, pool_id: str) -> KitPool | None:
    """The pool as a :class:`KitPool` if it is tagged as the kit's (None if untagged or gone)."""
    try:
        pool = caller.call("DescribeUserPool", UserPoolId=pool_id)["UserPool"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise
    tags = pool.get("UserPoolTags") or {}
    if TAG_KEY not in tags or not str(pool.get("Name", "")).startswith(NAME_PREFIX):
        return None
    return KitPool(
        pool_id=pool["Id"],
        name=pool["Name"],
        run_id=tags[TAG_KEY],
        protected=pool.get("DeletionProtection") == "ACTIVE",
        domain=pool.get("Domain") or None,
        users=pool.get("EstimatedNumberOfUsers"),
    )


def find_kit_pools(caller: QuotaCaller, *, run_id: str | None = None, name_prefix: str = NAME_PREFIX) -> list[KitPool]:
    """The kit's pools (name prefix and tag), optionally only those of ``run_id`` and names under ``name_prefix``."""
    if not name_prefix.startswith(NAME_PREFIX):
        raise ValueError(f"name_prefix must start with the kit's prefix {NAME_PREFIX!r}")
    found = []
    for summary in list_pools(caller):
        if not str(summary.get("Name", "")).startswith(name_prefix):
            continue
        pool = describe_kit_pool(caller, summary["Id"])
        if pool is not None and (run_id is None or pool.run_id == run_id):
            found.append(pool)
    return found


def delete_pool(caller: QuotaCaller, pool: KitPool) -> bool:
    """Delete one kit pool (its domain first, as Cognito requires); False if protected or already gone."""
    if pool.protected:
        return False
    try:
        if pool.domain:
            caller.call("DeleteUserPoolDomain", Domain=pool.domain, UserPoolId=pool.pool_id)
        caller.call("DeleteUserPool", UserPoolId=pool.pool_id)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return False
        raise
    return True


def cleanup(
    caller: QuotaCaller, *, run_id: str | None = None, yes: bool = False, name_prefix: str = NAME_PREFIX
) -> CleanupResult:
    """List the kit's pools and, only with ``yes=True``, delete the unprotected ones."""
    result = CleanupResult(dry_run=not yes)
    result.found = find_kit_pools(caller, run_id=run_id, name_prefix=name_prefix)
    for pool in result.found:
        if pool.protected:
            result.protected.append(pool)
        elif yes and delete_pool(caller, pool):
            result.deleted.append(pool)
    return result
