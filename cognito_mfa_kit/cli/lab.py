"""``cognito-mfa-kit lab``: the course in JupyterLab, every kernel pointed at one local Cognito sandbox."""

from __future__ import annotations

import argparse
import signal
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
            "token) on its own line. Ctrl-C stops both."
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
    p.add_argument("--notebook-dir", metavar="DIR", help="serve DIR instead of the course's notebooks/")
    p.set_defaults(func=run)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from ..labserver import LabError, LabServer, default_state_path, find_notebook_dir, move_aside
    from . import CliError

    try:
        notebook_dir = Path(args.notebook_dir) if args.notebook_dir else find_notebook_dir()
    except LabError as exc:
        raise CliError(str(exc)) from exc
    if not notebook_dir.is_dir():
        raise CliError(f"--notebook-dir {notebook_dir}: no such folder")

    state = None
    if not args.aws:
        state = default_state_path()
        if args.fresh:
            moved = move_aside(state)
            if moved is not None:
                _say(f"Starting with an empty sandbox; the previous state is kept as {moved}")

    lab = LabServer(notebook_dir, port=args.port, open_browser=not args.no_browser, aws=args.aws, state_path=state)
    # Ctrl-C and SIGTERM stop the lab, even when started with SIGINT ignored (e.g. `make lab &` from a script)
    previous = signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        try:
            lab.start()
        except LabError as exc:
            raise CliError(str(exc)) from exc
        if args.aws:
            _say("Target: real AWS (no sandbox). Kernels get COGNITO_MFA_KIT_TARGET=aws; calls may cost money.")
        else:
            _say(f"Cognito sandbox: {lab.sandbox_url} (state kept in {state})")
        _say(f"JupyterLab: {lab.notebook_dir} (log: {lab.log_path})")
        _say("Open this URL in your browser:")
        print(lab.url, flush=True)
        _say("Ctrl-C stops JupyterLab and the sandbox.")
        gone = lab.wait()
        raise CliError(f"{gone.name} stopped unexpectedly (exit code {gone.proc.returncode}); see {lab.log_path}")
    except KeyboardInterrupt:
        _say("Stopping JupyterLab and the sandbox...")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        try:
            lab.stop()
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, previous)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
