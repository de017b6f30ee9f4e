"""``cognito-mfa-kit lab``: the course in JupyterLab, every kernel pointed at one local Cognito sandbox."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    from ..labserver import DEFAULT_PORT

    p = sub.add_parser(
        "lab",
        help="start the sandbox and JupyterLab on the course notebooks (Ctrl-C stops both)",
        description=(
            "Start the local Cognito sandbox (its pools and users are kept between runs) and JupyterLab on the "
            "course's notebooks/, with every kernel pointed at that sandbox. Prints the JupyterLab URL (with its "
            "token) on its own line. Ctrl-C, SIGTERM or closing the terminal stops both. One lab per state: a second "
            "one is refused, unless it gets a state of its own (--state)."
        ),
    )
    p.add_argument("--no-browser", action="store_true", help="don't open a web browser")
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"JupyterLab's port (default {DEFAULT_PORT}; 0: a free one)"
    )
    p.add_argument("--aws", action="store_true", help="no sandbox: the notebooks target real AWS (costs may apply)")
    p.add_argument(
        "--fresh", action="store_true", help="start the sandbox empty (the saved state is kept, renamed to *.bak)"
    )
    p.add_argument(
        "--state",
        metavar="FILE",
        help="keep the sandbox's pools and users in FILE, the log beside it (<name>.lab.log), instead of in your "
        "data folder: a second lab beside the first",
    )
    p.add_argument("--notebook-dir", metavar="DIR", help="serve DIR instead of the course's notebooks/")
    p.add_argument("--sandbox-url", metavar="URL",
                   help="use a running sandbox (the class's, e.g. http://<trainer-ip>:4599) instead of starting one")
    p.add_argument("--profile", metavar="NAME",
                   help="the AWS profile the kernels sign with (on a class's sandbox: your own key from the sheet, "
                        "set up with `aws configure --profile NAME`)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..labserver import LabError, LabInterrupted, LabServer, default_state_path, find_notebook_dir, lab_log_path
    from ..lifetime import StopSignals
    from . import CliError

    try:
        notebook_dir = Path(args.notebook_dir) if args.notebook_dir else find_notebook_dir()
    except LabError as exc:
        raise CliError(str(exc)) from exc
    if not notebook_dir.is_dir():
        raise CliError(f"--notebook-dir {notebook_dir}: no such folder")
    if args.aws and args.state:
        raise CliError("--state is the sandbox's state, and --aws starts no sandbox: use one or the other")
    if args.sandbox_url and (args.aws or args.state or args.fresh):
        raise CliError("--sandbox-url uses a running sandbox: it takes no --aws, --state or --fresh")
    if args.sandbox_url:
        _check_shared(args.sandbox_url, args.profile)

    state = None if args.aws or args.sandbox_url else Path(args.state).resolve() if args.state else \
        default_state_path()
    lab = LabServer(
        notebook_dir,
        port=args.port,
        open_browser=not args.no_browser,
        aws=args.aws,
        state_path=state,
        fresh=args.fresh,
        log_path=lab_log_path(state if args.state else None),
        sandbox_url=args.sandbox_url,
        profile=args.profile,
    )
    # Ctrl-C, SIGTERM and SIGHUP (the terminal closed) stop the lab, even when started with SIGINT ignored (e.g.
    # `make lab &` from a script); one more while it stops kills what is left at once, it never cuts the stop short.
    with StopSignals(on_request=lab.request_stop, on_hurry=lab.hurry):
        try:
            try:
                lab.start()
            except LabInterrupted:
                _say("Stopping JupyterLab and the sandbox...")
                return 0
            except LabError as exc:
                raise CliError(str(exc)) from exc
            if lab.moved_state is not None:
                _say(f"Starting with an empty sandbox; the previous state is kept as {lab.moved_state}")
            if args.aws:
                _say("Target: real AWS (no sandbox). Kernels get COGNITO_MFA_KIT_TARGET=aws; calls may cost money.")
            elif args.sandbox_url:
                signs = f", kernels sign as profile {args.profile}" if args.profile else ""
                _say(f"Cognito sandbox: {lab.sandbox_url} (a running one{signs})")
            else:
                _say(f"Cognito sandbox: {lab.sandbox_url} (state kept in {state})")
            _say(f"JupyterLab: {lab.notebook_dir} (log: {lab.log_path})")
            _say("Open this URL in your browser:")
            _print(lab.url or "")
            _say("Ctrl-C stops JupyterLab and the sandbox.")
            gone = lab.wait()
            if gone is None:
                _say("Stopping JupyterLab and the sandbox...")
                return 0
            raise CliError(f"{gone.name} stopped unexpectedly (exit code {gone.proc.returncode}); see {lab.log_path}")
        finally:
            lab.stop()


def _check_shared(url: str, profile: str | None) -> None:
    """A running sandbox must answer, and one that checks who calls needs a key: say so before JupyterLab starts."""
    from ..connect import ConnectError, connect
    from . import CliError

    try:
        lab = connect(endpoint_url=url, profile=profile)
    except ConnectError as exc:
        raise CliError(str(exc)) from exc
    if not lab.is_sandbox:
        raise CliError(f"--sandbox-url {url}: no sandbox answers there (cognito-mfa-kit sandbox prints its URL)")
    try:
        if lab.requires_credentials:
            who = lab.whoami()  # a wrong key is refused here, before JupyterLab starts
            _say(f"The sandbox checks who calls: the kernels sign as {who.get('kind')} {who.get('name', '')}.")
    except ConnectError as exc:
        raise CliError(f"--sandbox-url {url}: {exc}") from exc
    finally:
        lab.close()


def _print(text: str) -> None:
    with contextlib.suppress(OSError):  # the terminal is gone (SIGHUP): the lab still stops cleanly
        print(text, flush=True)


def _say(text: str) -> None:
    with contextlib.suppress(OSError):
        print(text, file=sys.stderr, flush=True)
