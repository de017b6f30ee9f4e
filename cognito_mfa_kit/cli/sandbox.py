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
    faults = p.add_argument_group("fault injection (rehearse quota-aware code)")
    faults.add_argument("--throttle-rate", type=float, default=0.0, metavar="F",
                        help="answer a fraction F (0-1) of cognito-idp calls with TooManyRequestsException")
    faults.add_argument("--rate-limit", type=float, metavar="R",
                        help="refuse calls beyond R per second in each Cognito quota category (TooManyRequests)")
    faults.add_argument("--latency-ms", type=float, default=0.0, metavar="N", help="add N ms to every call")
    faults.add_argument("--fault-seed", type=int, metavar="S", help="seed for --throttle-rate (reproducible runs)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..sandbox import Sandbox
    from ..sandbox.faults import Faults, install
    from . import CliError

    try:
        faults = Faults(throttle_rate=args.throttle_rate, rate_limit=args.rate_limit,
                        latency_ms=args.latency_ms, seed=args.fault_seed)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    try:
        sandbox = Sandbox.start(args.host, args.port, state_path=args.state)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # a corrupt or foreign state file
        raise CliError(str(exc)) from exc
    if faults.active:
        install(sandbox.server.app, faults)
    print(sandbox.endpoint_url, flush=True)
    if faults.active:
        print(faults.describe(), file=sys.stderr, flush=True)
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
