"""``cognito-mfa-kit cleanup``: list the kit's user pools and, with ``--yes``, delete them."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..naming import DEFAULT_RUN_ID, NAME_PREFIX, TAG_KEY


def add_target_arguments(p: argparse.ArgumentParser) -> None:
    """``--endpoint-url URL | --aws [--profile P] [--region R]`` (default: $COGNITO_MFA_KIT_SANDBOX_URL)."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--endpoint-url", metavar="URL", help="a sandbox server (or any cognito-idp endpoint)")
    where.add_argument("--aws", action="store_true", help="real AWS (boto3's credential chain)")
    p.add_argument("--profile", help="AWS profile (with --aws)")
    p.add_argument("--region", help="AWS region (default: the profile's, or $AWS_REGION)")


def connect_from_args(args: argparse.Namespace) -> tuple[Any, Any]:
    """(lab, a quota-paced caller with SDK retries off) for the target the arguments name."""
    from ..connect import ENV_URL, ConnectError, connect
    from ..ratelimit import QuotaCaller, single_attempt_client
    from . import CliError

    try:
        if args.aws:
            lab = connect("aws", profile=args.profile, region=args.region)
        elif args.endpoint_url or os.environ.get(ENV_URL):
            lab = connect(endpoint_url=args.endpoint_url or os.environ[ENV_URL], region=args.region,
                          profile=args.profile)
        else:
            raise CliError(
                f"no target: give --endpoint-url URL (a running `cognito-mfa-kit sandbox`), set ${ENV_URL}, "
                "or use --aws [--profile P] [--region R]"
            )
    except ConnectError as exc:
        raise CliError(str(exc)) from exc
    return lab, QuotaCaller(single_attempt_client(lab))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cleanup",
        help="list the user pools the kit created (tagged, prefixed); delete them with --yes",
        description=(
            f"List the user pools the kit created: name starting {NAME_PREFIX!r} AND tag {TAG_KEY!r}. Without "
            "--yes nothing is deleted (dry run). Untagged pools are never touched; pools with deletion "
            "protection are skipped."
        ),
    )
    p.add_argument("--run-id", metavar="ID", help=f"only pools tagged with this run id (e.g. {DEFAULT_RUN_ID!r})")
    p.add_argument("--yes", action="store_true", help="really delete (default: dry run)")
    add_target_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from ..cleanup import PROTECTION_HINT, cleanup
    from . import CliError

    lab, caller = connect_from_args(args)
    print(lab.banner())
    try:
        result = cleanup(caller, run_id=args.run_id, yes=args.yes)
    except (ClientError, BotoCoreError) as exc:
        raise CliError(str(exc)) from exc
    scope = f" of run {args.run_id!r}" if args.run_id else ""
    print(f"Kit pools{scope} (tag {TAG_KEY!r}, name {NAME_PREFIX}*): {len(result.found)}")
    for pool in result.found:
        state = "deleted" if pool in result.deleted else "PROTECTED, kept" if pool.protected else (
            "would delete" if result.dry_run else "gone already")
        users = f", {pool.users_text}" if pool.users_text else ""
        print(f"  {pool.pool_id}  {pool.name}  run={pool.run_id}{users}  [{state}]")
    deletable = [p for p in result.found if not p.protected]
    if result.dry_run:
        print(f"Dry run: nothing deleted. Run again with --yes to delete {len(deletable)} pool(s).")
    else:
        print(f"Deleted {len(result.deleted)} pool(s).")
    for pool in result.protected:
        print(f"Skipped {pool.pool_id}: " + PROTECTION_HINT.format(id=pool.pool_id), file=sys.stderr)
    return 0
