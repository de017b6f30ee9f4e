"""``cognito-mfa-kit doctor``: versions, credentials and region, clock skew against AWS, the shared sandbox."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..units import signed_seconds


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check versions, AWS credentials/region, clock skew (TOTP!) and the sandbox",
        description=(
            "Check the set-up: versions; which AWS credentials and region boto3 would use (access key masked; "
            "no call needed); this clock against AWS (one STS GetCallerIdentity, only with --aws or when "
            "credentials exist) and what the skew does to TOTP codes; the sandbox named by "
            "$COGNITO_MFA_KIT_SANDBOX_URL or --endpoint-url."
        ),
    )
    p.add_argument("--aws", action="store_true", help="measure the skew against AWS even without credentials")
    p.add_argument("--offline", action="store_true", help="no network call to AWS at all")
    p.add_argument("--profile", help="AWS profile to inspect")
    p.add_argument("--region", help="AWS region to inspect")
    p.add_argument("--endpoint-url", metavar="URL", help="a sandbox server to check (and measure skew against)")
    p.set_defaults(func=run)


def _section(title: str) -> None:
    print(f"\n{title}")


def run(args: argparse.Namespace) -> int:
    from .. import doctor
    from ..connect import ENV_URL

    problems = 0
    _section("Versions")
    for name, version in doctor.versions().items():
        print(f"  {name:16} {version or 'not installed'}")

    _section("AWS credentials and region (what boto3 would use; nothing sent)")
    info = doctor.credential_info(args.profile, args.region)
    print(f"  profile          {info.profile or '(default chain)'}")
    key = f", access key {info.access_key}" if info.access_key else ""
    print(f"  credentials      {info.method or 'none'}{key}")
    print(f"  region           {info.region or 'none: set AWS_REGION or `region` in the profile'}")
    if info.problem:
        print(f"  note             {info.problem}")

    _section("Clock against AWS (TOTP codes tolerate ±30 s)")
    if args.offline:
        print("  skipped (--offline)")
    elif args.aws or info.method:
        result = doctor.aws_skew(info.profile, info.region, signed=info.method is not None)
        if result.skew is None:
            problems += 1
            print(f"  {result.problem}")
        else:
            margin = 0.5 + (result.round_trip or 0.0) / 2  # the Date header's 1 s resolution, and half the trip
            print(f"  skew             {signed_seconds(result.skew, 1)} (±{margin:.1f} s), "
                  f"via {result.endpoint}")
            print(f"  {doctor.explain_skew(result.skew)}")
    else:
        print("  skipped: no AWS credentials (use --aws to measure anyway; it needs the network)")

    _section("Sandbox")
    urls = [u for u in (args.endpoint_url, os.environ.get(ENV_URL)) if u]
    if not urls:
        print(f"  ${ENV_URL} is not set: notebooks start a sandbox in their own kernel (fine for one person; "
              "a class shares one with `cognito-mfa-kit sandbox --host 0.0.0.0`).")
    for url in dict.fromkeys(urls):
        ok, line = doctor.sandbox_status(url)
        print(f"  {line}")
        if not ok:
            problems += 1
            continue
        skew, clock = _sandbox_skew(url, args.region, args.profile)
        if skew.skew is not None:
            print(f"  its HTTP clock   {signed_seconds(skew.skew, 1)} from this machine's "
                  "(each pool's TOTP clock may be moved on purpose: /_sandbox/clock)")
        ahead = doctor.clocks_ahead(clock) if clock else []
        for line in ahead:
            print(f"  clock ahead      {line}")
        if clock and not ahead:
            print("  clocks           every clock you can see is on real time: real phones' codes work")
    print()
    print("All checks passed." if not problems else f"{problems} problem(s): see above.")
    return 0 if not problems else 1


def _sandbox_skew(url: str, region: str | None, profile: str | None = None) -> tuple[Any, dict[str, Any] | None]:
    """(the sandbox's HTTP clock against ours, its clocks: ``GET /_sandbox/clock`` — None if it refuses us)."""
    from .. import doctor
    from ..connect import ConnectError, connect

    lab = connect(endpoint_url=url, region=region, profile=profile)
    try:
        try:
            clock = lab._control("clock")
        except ConnectError:
            clock = None
        return doctor.measure_skew(lab.client, "list_user_pools", MaxResults=1), clock
    finally:
        lab.close()
