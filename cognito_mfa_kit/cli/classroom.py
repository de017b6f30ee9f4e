"""``cognito-mfa-kit classroom provision|teardown``: a user per trainee, and the sheet to hand out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..classroom_sheet import SHEET_FIELDS
from ..naming import DEFAULT_RUN_ID
from .cleanup import add_target_arguments, connect_from_args

_SHEET_NOTE = (
    f"The sheet (CSV: {', '.join(SHEET_FIELDS)}) carries each "
    "trainee's TEMPORARY PASSWORD (and, on a sandbox started with --require-credentials, the trainee's own access "
    "key): it is written with mode 0600; hand each trainee their own row and delete the file after the class. "
    "Cognito makes trainees choose a new password at first sign-in."
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "classroom",
        help="provision a class of trainees (users + a hand-out sheet), watch its progress, or tear it down",
        description="Provision trainees for a class, against a shared sandbox server or AWS. " + _SHEET_NOTE,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    prov = actions.add_parser(
        "provision",
        help="create the trainees and write the sheet (run it again to resume)",
        description=(
            "Create one user per trainee (temporary password, no message sent) and write the sheet. Quota-aware "
            "(client-side limit at Cognito's rates, backoff on TooManyRequestsException). Interrupted, run the "
            "same command again: it continues where it stopped, with no duplicate and no lost trainee. An existing "
            "sheet is checked against the target first: it must have been written for it (endpoint, region, "
            "account), and a row whose user or pool is not there is made again, with a new temporary password. "
            + _SHEET_NOTE
        ),
    )
    who = prov.add_mutually_exclusive_group(required=True)
    who.add_argument("--count", type=int, metavar="N", help="trainees trainee-001 ... trainee-N")
    who.add_argument("--roster", metavar="FILE.csv", help="a CSV with a 'username' column (or one name per line)")
    layout = prov.add_mutually_exclusive_group()
    layout.add_argument("--shared-pool", dest="shared", action="store_true", default=True,
                        help="one user pool for the class (default)")
    layout.add_argument("--pool-per-trainee", dest="shared", action="store_false",
                        help="a user pool each (trainees can change pool settings without disturbing others)")
    prov.add_argument("--out", required=True, metavar="SHEET.csv", help="the sheet to write (or to resume)")
    prov.add_argument("--rebuild", action="store_true",
                      help="make every row of an existing sheet again on this target (new temporary passwords) and "
                      "rewrite the sheet: for a sheet written for another target (e.g. a sandbox since stopped)")
    prov.add_argument("--run-id", default=DEFAULT_RUN_ID, metavar="ID",
                      help=f"the run id the pools are tagged with (default {DEFAULT_RUN_ID!r})")
    prov.add_argument("--workers", type=int, default=8, help="parallel requests (the quotas hold regardless)")
    prov.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_target_arguments(prov)
    prov.set_defaults(func=provision)

    stat = actions.add_parser(
        "status",
        help="where each trainee of the sheet is in the seed's steps, and who is stuck on which error",
        description=(
            "One row per trainee of the sheet: enrolled (AssociateSoftwareToken), verified, TOTP enabled, "
            "preferred, the last sign-in that answered SOFTWARE_TOKEN_MFA, the last error and when, and the last "
            "seed step done (0 nothing, 1 associated, 7 verified, 8 preferred, 9 signed in with TOTP). On the "
            "sandbox everything is known; on AWS what can't be known is marked '?' and said (without threat "
            "protection Cognito keeps no sign-in events). Paced at a fifth of Cognito's quotas on AWS."
        ),
    )
    stat.add_argument("--sheet", required=True, metavar="SHEET.csv", help="the class's sheet")
    stat.add_argument("--json", action="store_true", help="one JSON object per trainee, for scripts")
    stat.add_argument("--watch", nargs="?", type=float, const=5.0, metavar="SECONDS",
                      help="refresh every SECONDS (default 5) until Ctrl-C")
    add_target_arguments(stat)
    stat.set_defaults(func=class_status)

    down = actions.add_parser(
        "teardown",
        help="delete the class's pools (and their users)",
        description="Delete the pools `classroom provision` made for --run-id (tag and name checked; protected "
        "pools are skipped). With --out, first check the sheet against the target: the rows it can't find there "
        "are listed, and if it finds none nothing is deleted (exit status 2); else the sheet is deleted too, "
        "unless some of its pools stay (another run's, or protected).",
    )
    down.add_argument("--run-id", default=DEFAULT_RUN_ID, metavar="ID", help=f"default {DEFAULT_RUN_ID!r}")
    down.add_argument("--out", metavar="SHEET.csv", help="the sheet to delete as well")
    down.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    add_target_arguments(down)
    down.set_defaults(func=teardown)


def provision(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from .. import classroom
    from . import CliError

    try:
        names = classroom.usernames_for_count(args.count) if args.roster is None else classroom.read_roster(
            args.roster)
    except (OSError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    lab, caller = connect_from_args(args)
    print(lab.banner(), file=sys.stderr)
    endpoint = lab.target.endpoint_url if lab.target.kind != "aws" else None
    try:
        report = classroom.provision(
            caller, names, args.out, run_id=args.run_id, region=lab.region, endpoint_url=endpoint,
            account=lab.target.account, shared_pool=args.shared, rebuild=args.rebuild, workers=args.workers,
            progress=not args.no_progress, keys=lab.issue_trainee_key if lab.requires_credentials else None,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    except (ClientError, BotoCoreError) as exc:
        raise CliError(f"{exc}. Run the same command again to resume.") from exc
    s = report.stats
    existed = f", {report.existed} found without a row and given a new temporary password" if report.existed else ""
    clients = f", {report.clients_created} app client(s) made again" if report.clients_created else ""
    print(
        f"{report.rows} trainees on {report.sheet} (mode 0600: it holds temporary passwords): "
        f"{report.verified} verified on the target, {report.recreated} recreated, {report.created} created"
        f"{existed}; {report.pools_created} pool(s) created{clients}. "
        f"{s.sent} calls, {s.throttled} throttled and retried, {report.seconds:.1f} s."
    )
    if report.keys_issued:
        print(f"{report.keys_issued} trainee key(s) written to the sheet (aws_access_key_id, aws_secret_access_key): "
              "this sandbox checks who calls; each trainee signs with their own key, which reaches only their own "
              "pool or user.")
    if report.rebuilt and report.recreated:
        print(f"Every row was made again on this target, with a NEW temporary password: hand out {report.sheet} "
              "afresh.")
    elif report.recreated:
        print("Not on the target, made again with a NEW temporary password (hand these trainees their new row): "
              + _some(report.recreated_usernames))
    return 0


def class_status(args: argparse.Namespace) -> int:
    import json
    import time

    from botocore.exceptions import BotoCoreError, ClientError

    from ..classroom_sheet import read_sheet
    from ..classroom_status import status
    from . import CliError

    try:
        rows = read_sheet(args.sheet)
    except (OSError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    if not rows:
        raise CliError(f"{args.sheet}: no trainees on this sheet (make it with `classroom provision --out ...`)")
    lab, _ = connect_from_args(args)
    print(lab.banner(), file=sys.stderr)
    while True:
        try:
            report = status(lab, rows)
        except (ClientError, BotoCoreError) as exc:
            raise CliError(f"{exc}") from exc
        if args.json:
            print(json.dumps(report.as_json(), default=str), flush=True)
        else:
            if args.watch:
                print("\033[2J\033[H", end="")  # clear the terminal between refreshes
            print(report.table(), flush=True)
        if not args.watch:
            return 0
        time.sleep(args.watch)


def _some(names: list[str], limit: int = 20) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def teardown(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from .. import classroom
    from ..cleanup import PROTECTION_HINT
    from . import CliError

    lab, caller = connect_from_args(args)
    print(lab.banner(), file=sys.stderr)
    endpoint = lab.target.endpoint_url if lab.target.kind != "aws" else None
    try:
        result = classroom.teardown(
            caller, run_id=args.run_id, yes=not args.dry_run, sheet=args.out, region=lab.region,
            endpoint_url=endpoint, account=lab.target.account,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    except (ClientError, BotoCoreError) as exc:
        raise CliError(f"{exc}. Run the same command again to finish.") from exc
    if result.check is not None and result.missing:
        print(f"Not found on the target: {len(result.missing)} of {len(result.check.rows)} rows of {args.out} "
              "(already gone, or the sheet is partly stale):")
        for line in result.check.describe_missing():
            print(f"  {line}")
    verb = "Would delete" if result.dry_run else "Deleted"
    pools = [p for p in result.found if not p.protected] if result.dry_run else result.deleted
    print(f"{verb} {len(pools)} classroom pool(s) of run {args.run_id!r}:")
    for pool in pools:
        print(f"  {pool.pool_id}  {pool.name}" + (f"  ({pool.users_text})" if pool.users_text else ""))
    for pool in result.protected:
        print(f"Skipped {pool.pool_id}: " + PROTECTION_HINT.format(id=pool.pool_id), file=sys.stderr)
    if result.sheet_deleted:
        print(f"Deleted the sheet {args.out}.")
    elif result.kept_pools and args.out:
        print(f"Kept the sheet {args.out}: its pool(s) {', '.join(result.kept_pools)} "
              f"{'would stay' if result.dry_run else 'are still'} on the target (not classroom pools of run "
              f"{args.run_id!r}, or protected). Tear them down with their own --run-id, then delete the file.",
              file=sys.stderr)
    elif args.out and not Path(args.out).exists() and result.check is None:
        print(f"No sheet {args.out} (nothing to delete).", file=sys.stderr)
    return 0
