"""The ``cognito-mfa-kit`` command. Each sub-command lives in its own module with a ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import sys

#: sub-command modules, in the order ``--help`` lists them
COMMANDS = ["sandbox", "lab", "hub", "doctor", "cleanup", "classroom"]


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="cognito-mfa-kit",
        description="Learn and try TOTP MFA on Amazon Cognito user pools, against a local sandbox or AWS.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        print(f"cognito-mfa-kit {args.command}: {exc}", file=sys.stderr)
        return 2


class CliError(Exception):
    """A problem the user can fix; printed without a traceback."""
