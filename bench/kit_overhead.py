"""The kit's overhead: the seed flow through ``lab.client`` (journal, masking, CLI rendering) against the same flow
through a bare boto3 client on the same sandbox server, interleaved; and ``import cognito_mfa_kit`` in a fresh
interpreter.

    python bench/kit_overhead.py [--rounds 40] [--imports 15] [--write docs/benchmarks.md]

Aims (issue 3): ≤ 1.10× for the flow; ≤ 0.5 s for the import.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time

import boto3
import pyotp
from report import publish

from cognito_mfa_kit import connect
from cognito_mfa_kit.sandbox import Sandbox

PASSWORD = "P@ssw0rd-bench1"


def seed_flow(client, pool_id: str, client_id: str, username: str, advance) -> None:
    """The seed article's calls, steps 1–9, for one fresh user."""
    client.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    client.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    auth = client.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    access = auth["AuthenticationResult"]["AccessToken"]
    secret = client.associate_software_token(AccessToken=access)["SecretCode"]
    client.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).at(advance()),
                                 FriendlyDeviceName="BobPhone")
    client.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=username, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    challenge = client.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    client.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).at(advance(30))},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--imports", type=int, default=15)
    parser.add_argument("--write", metavar="MARKDOWN", help="replace the 'Kit overhead' section of this file")
    args = parser.parse_args()

    sandbox = Sandbox.start()
    lab = connect(endpoint_url=sandbox.endpoint_url)
    bare = boto3.client("cognito-idp", endpoint_url=sandbox.endpoint_url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")
    pool_id = bare.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    bare.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                  MfaConfiguration="OPTIONAL")
    client_id = bare.create_user_pool_client(
        UserPoolId=pool_id, ClientName="bench", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                                                   "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]

    def advance(seconds: float = 0) -> float:
        # The clock moves in-process (not a timed call): the next code step without waiting.
        return sandbox.advance_clock(seconds) if seconds else sandbox.now()

    timings: dict[str, list[float]] = {"bare boto3": [], "kit lab.client": []}
    for i in range(args.rounds + 3):  # 3 warm-up rounds
        for name, client in (("bare boto3", bare), ("kit lab.client", lab.client)):
            start = time.perf_counter()
            seed_flow(client, pool_id, client_id, f"user-{name[:3]}-{i}", advance)
            if name.startswith("kit"):
                for call in lab.journal[-8:]:  # what the course shows for every call
                    call.as_cli()
                    call.response_masked  # noqa: B018
            elapsed = time.perf_counter() - start
            if i >= 3:
                timings[name].append(elapsed * 1000)
        lab.journal.clear()
    sandbox.stop()

    imports = []
    for _ in range(args.imports):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import cognito_mfa_kit"], check=True)
        imports.append(time.perf_counter() - start)
    baseline = []
    for _ in range(args.imports):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        baseline.append(time.perf_counter() - start)

    bare_ms, kit_ms = statistics.median(timings["bare boto3"]), statistics.median(timings["kit lab.client"])
    rows = [
        "| measure | median | aim |",
        "|---|---|---|",
        f"| seed flow (8 calls), bare boto3 | {bare_ms:.1f} ms | |",
        f"| seed flow (8 calls), kit `lab.client` + journal + as_cli + masking | {kit_ms:.1f} ms | |",
        f"| ratio kit / bare | {kit_ms / bare_ms:.3f}× | ≤ 1.10× |",
        f"| `python -c 'import cognito_mfa_kit'` | {statistics.median(imports):.3f} s "
        f"(interpreter alone {statistics.median(baseline):.3f} s) | ≤ 0.5 s |",
    ]
    section = "\n".join(
        [
            "## Kit overhead",
            "",
            f"`python bench/kit_overhead.py --rounds {args.rounds}` on {time.strftime('%Y-%m-%d')}, "
            f"{platform.machine()} with {_cores()} cores, Python {platform.python_version()}; flows interleaved "
            "round by round against one in-process sandbox server.",
            "",
            *rows,
            "",
        ]
    )
    publish(section, args.write, "## Kit overhead")


def _cores() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
