"""``cognito-mfa-kit sandbox``: serve the Cognito sandbox over HTTP."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..sandbox.statelock import StateLock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sandbox",
        help="serve the local Cognito sandbox (cognito-idp JSON protocol) for boto3 and the AWS CLI",
        description=(
            "Serve the local Cognito sandbox. Prints its endpoint URL on the first line. "
            "`cognito-mfa-kit sandbox export --state FILE` writes what a state file holds as readable JSON instead "
            "(secrets masked unless --reveal)."
        ),
    )
    p.add_argument("action", nargs="?", choices=["serve", "export"], default="serve",
                   help="serve (default), or export a state file as JSON")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--state", metavar="FILE",
                   help="keep pools, users, secrets, devices, tokens, clocks and keys in FILE (SQLite, mode 0600) "
                        "across restarts, written per change; a JSON state file of an earlier version is imported "
                        "(kept as *.bak); ':memory:' or no --state: in memory only")
    p.add_argument("--import-json", metavar="FILE", help=argparse.SUPPRESS)  # the lab's legacy state file
    export = p.add_argument_group("export")
    export.add_argument("--reveal", action="store_true",
                        help="export: show the secrets (passwords, TOTP secrets, keys, tokens) instead of masking")
    export.add_argument("--out", metavar="FILE", help="export: write to FILE (mode 0600) instead of stdout")
    shared = p.add_argument_group("a sandbox shared by a class")
    shared.add_argument("--require-credentials", action="store_true",
                        help="check SigV4 signatures as IAM does: admin calls and the control endpoints need the "
                             "trainer's key (written to a credentials file, profile cmk-trainer) or a trainee's key "
                             "(made by `classroom provision`)")
    shared.add_argument("--credentials-file", metavar="FILE",
                        help="where to write the trainer's key (default: next to --state, else a new private folder)")
    shared.add_argument("--insecure-open", action="store_true",
                        help="listen beyond loopback WITHOUT --require-credentials (anyone who can reach the port "
                             "can read and change every pool): refused unless given")
    faults = p.add_argument_group("fault injection (rehearse quota-aware code)")
    faults.add_argument("--throttle-rate", type=float, default=0.0, metavar="F",
                        help="answer a fraction F (0-1) of cognito-idp calls with TooManyRequestsException")
    faults.add_argument("--rate-limit", type=float, metavar="R",
                        help="refuse calls beyond R per second in each Cognito quota category (TooManyRequests)")
    faults.add_argument("--latency-ms", type=float, default=0.0, metavar="N", help="add N ms to every call")
    faults.add_argument("--fault-seed", type=int, metavar="S", help="seed for --throttle-rate (reproducible runs)")
    p.set_defaults(func=run)


TRAINER_PROFILE = "cmk-trainer"
_LOOPBACK = {"127.0.0.1", "::1", "localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """True if ``host`` is a loopback address (nothing beyond this machine can connect)."""
    import ipaddress

    if host in _LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, *, require_credentials: bool, insecure_open: bool) -> None:
    """Refuse to listen beyond loopback without a credential check, unless told ``insecure_open``."""
    from . import CliError

    if is_loopback(host) or require_credentials or insecure_open:
        return
    raise CliError(
        f"--host {host} makes the sandbox reachable from the network, and without --require-credentials anyone who "
        "can reach it can reset any password, delete any pool, read every SMS code and move every clock. Add "
        "--require-credentials (each trainee then signs with their own key; see `classroom provision`), or "
        "--insecure-open if you really mean it."
    )


def write_trainer_credentials(trainer: Any, path: str | None, state: str | None) -> Path:
    """Write the trainer's key as an AWS shared-credentials file (profile ``cmk-trainer``, mode 0600)."""
    if path:
        target = Path(path).expanduser().absolute()
    elif state:
        target = Path(state).expanduser().absolute().with_suffix(".credentials")
    else:
        target = Path(tempfile.mkdtemp(prefix="cmk-sandbox-")) / "credentials"  # a private folder (0700)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = (f"[{TRAINER_PROFILE}]\naws_access_key_id = {trainer.access_key_id}\n"
            f"aws_secret_access_key = {trainer.secret_access_key}\n")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(target, 0o600)
    return target


def export(args: argparse.Namespace) -> int:
    """``sandbox export``: the state file as one JSON document, secrets masked unless ``--reveal``."""
    import json

    from ..sandbox.export import export_state
    from . import CliError

    if not args.state or args.state == ":memory:":
        raise CliError("export needs --state FILE: the state file of a sandbox (it may be running)")
    try:
        document = export_state(args.state, reveal=args.reveal)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    text = json.dumps(document, indent=2, sort_keys=True, default=str) + "\n"
    if args.out:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        print(f"Wrote {args.out} ({'secrets shown: keep it private' if args.reveal else 'secrets masked'}).",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action == "export":
        return export(args)
    from ..lifetime import StopSignals
    from ..sandbox import Sandbox
    from ..sandbox.faults import Faults, install
    from . import CliError

    try:
        faults = Faults(throttle_rate=args.throttle_rate, rate_limit=args.rate_limit,
                        latency_ms=args.latency_ms, seed=args.fault_seed)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    check_exposure(args.host, require_credentials=args.require_credentials, insecure_open=args.insecure_open)
    # Ctrl-C, SIGTERM and SIGHUP (terminal closed) stop it; a second one while stopping exits at once (every change
    # is already in the store, written per change, so nothing acknowledged is lost). The OS drops the state lock.
    with StopSignals(on_hurry=lambda: os._exit(1)) as signals:
        lock = _lock_state(args.state if args.state != ":memory:" else None)
        try:
            try:
                sandbox = Sandbox.start(args.host, args.port, state_path=args.state,
                                        require_credentials=args.require_credentials, legacy_json=args.import_json)
            except OSError as exc:
                raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
            except ValueError as exc:  # a corrupt or foreign state file
                raise CliError(str(exc)) from exc
            try:
                if faults.active:
                    install(sandbox.server.app, faults)
                print(sandbox.endpoint_url, flush=True)
                if sandbox.trainer is not None:
                    path = write_trainer_credentials(sandbox.trainer, args.credentials_file, args.state)
                    print(path, flush=True)
                    _say(f"Credentials required. The trainer's key (profile {TRAINER_PROFILE}, may do anything) is in "
                         f"{path}: AWS_SHARED_CREDENTIALS_FILE={path} aws --profile {TRAINER_PROFILE} --region "
                         f"us-east-1 --endpoint-url {sandbox.endpoint_url} cognito-idp list-user-pools "
                         "--max-results 10")
                if sandbox.store is not None and sandbox.store.imported_from is not None:
                    _say(f"Imported the JSON state file of an earlier version into the SQLite store "
                         f"{sandbox.store.path} (the JSON is kept as {sandbox.store.imported_from}).")
                if args.insecure_open:
                    _say(f"WARNING: listening on {args.host} with NO credential check: anyone who can reach this port "
                         "can read every pool, reset any password and move every clock. Use --require-credentials "
                         "for a class.")
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
    with contextlib.suppress(OSError):
        print(text, file=sys.stderr, flush=True)
