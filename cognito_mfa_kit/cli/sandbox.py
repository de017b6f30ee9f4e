"""``cognito-mfa-kit sandbox``: serve the Cognito sandbox over HTTP."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..sandbox.statelock import StateLock


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
    from ..lifetime import StopSignals
    from ..sandbox import Sandbox
    from ..sandbox.faults import Faults, install
    from . import CliError

    try:
        faults = Faults(throttle_rate=args.throttle_rate, rate_limit=args.rate_limit,
                        latency_ms=args.latency_ms, seed=args.fault_seed)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    # Ctrl-C, SIGTERM and SIGHUP (terminal closed) stop it; a second one while stopping exits at once (the state is
    # saved after every change, atomically, so nothing is lost). The OS drops the state lock either way.
    with StopSignals(on_hurry=lambda: os._exit(1)) as signals:
        lock = _lock_state(args.state)
        try:
            try:
                sandbox = Sandbox.start(args.host, args.port, state_path=args.state)
            except OSError as exc:
                raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
            except ValueError as exc:  # a corrupt or foreign state file
                raise CliError(str(exc)) from exc
            try:
                if faults.active:
                    install(sandbox.server.app, faults)
                print(sandbox.endpoint_url, flush=True)
                if faults.active:
                    _say(faults.describe())
                _say(
                    f"Cognito sandbox ready. boto3: endpoint_url={sandbox.endpoint_url!r}; "
                    f"AWS CLI: --endpoint-url {sandbox.endpoint_url}. Ctrl-C stops it."
                )
                signals.sleep_until_requested()
            finally:
                sandbox.stop()
        finally:
            if lock is not None:
                lock.release()
    return 0


def _lock_state(state: str | None) -> StateLock | None:
    """Hold the state's lock for as long as this sandbox runs: one sandbox (or lab) per state file."""
    from ..sandbox.statelock import StateLock, StateLocked
    from . import CliError

    if state is None:
        return None
    lock = StateLock(state)
    if not lock.supported:
        _say(f"Note: state locking is not supported here; don't run two sandboxes on {state} at once.")
        return None
    try:
        lock.acquire()
    except StateLocked as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        folder = lock.lock_file.parent
        if not folder.is_dir():
            raise CliError(f"--state {state}: the folder {folder} does not exist; create it first") from exc
        raise CliError(f"--state {state}: cannot create its lock file {lock.lock_file}: {exc.strerror or exc}") from exc
    if lock.took_over is not None:
        _say(f"Took over {lock.lock_file}, left behind by {lock.took_over.describe()}.")
    return lock


def _say(text: str) -> None:
    """A line on stderr; a closed terminal (SIGHUP) must not stop the shutdown."""
    try:
        print(text, file=sys.stderr, flush=True)
    except OSError:
        pass
