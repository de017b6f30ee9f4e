"""``cognito-mfa-kit sandbox``: serve the Cognito sandbox over HTTP."""

from __future__ import annotations

import argparse
import signal
import sys
import threading


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sandbox",
        help="serve the local Cognito sandbox (cognito-idp JSON protocol) for boto3 and the AWS CLI",
        description="Serve the local Cognito sandbox. Prints its endpoint URL on the first line.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--state", metavar="FILE", help="keep pools, users, secrets and devices in FILE across restarts")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..sandbox import Sandbox
    from . import CliError

    try:
        sandbox = Sandbox.start(args.host, args.port, state_path=args.state)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # a corrupt or foreign state file
        raise CliError(str(exc)) from exc
    print(sandbox.endpoint_url, flush=True)
    print(
        f"Cognito sandbox ready. boto3: endpoint_url={sandbox.endpoint_url!r}; "
        f"AWS CLI: --endpoint-url {sandbox.endpoint_url}. Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0
