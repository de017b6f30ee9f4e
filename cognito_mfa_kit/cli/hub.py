"""``cognito-mfa-kit hub``: the class's sandbox and a JupyterHub in front of it, on the trainer's machine."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..hub.server import HubServer


def register(sub: argparse._SubParsersAction) -> None:
    from ..hub.server import DEFAULT_PORT, DEFAULT_TRAINER

    p = sub.add_parser(
        "hub",
        help="run a class with nothing to install: the sandbox and a JupyterHub in front of it (Ctrl-C stops all)",
        description=(
            "Start, on this machine, the class's sandbox (it checks who calls; state kept) and a JupyterHub in front "
            "of it. The sheet is provisioned (made with --count/--roster if missing, else checked and repaired) and "
            "each trainee gets a hub password of their own on it (column hub_password; the sheet stays mode 0600). "
            "Trainees open the URL it prints and sign in with the username and hub_password of their row: their "
            "JupyterLab opens on the course, signing as them on the sandbox. The trainer signs in as 'trainer' "
            "(password in the file it names) and gets the class view. Ctrl-C stops the hub, every trainee's server "
            "and the sandbox. Needs the [hub] extra and configurable-http-proxy (npm): `make hub-deps`."
        ),
    )
    p.add_argument("--sheet", required=True, metavar="CLASS.csv", help="the class's sheet (made if missing)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--count", type=int, metavar="N", help="a class of trainee-001 ... trainee-N (added if missing)")
    who.add_argument("--roster", metavar="FILE.csv", help="a class of the users of a roster ('username' column)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address trainees connect to (default: loopback only; 0.0.0.0: every interface)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: a free one)")
    p.add_argument("--state", metavar="FILE", help="the sandbox's state (default: <sheet name>.hub/sandbox.sqlite3)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="the hub's own folder: users' homes, its database, its log (default: <sheet name>.hub/ "
                        "beside the sheet)")
    p.add_argument("--trainer", default=DEFAULT_TRAINER, metavar="NAME",
                   help=f"the trainer's hub user name (default {DEFAULT_TRAINER!r})")
    p.add_argument("--notebook-dir", metavar="DIR", help="copy DIR's notebooks into homes instead of the course's")
    p.add_argument("--prepare", action="store_true",
                   help="for a cluster (deploy/z2jh-values.yaml): provision the class and write the hub's settings "
                        "and the sandbox's state, then stop (no JupyterHub)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..lifetime import StopSignals
    from . import CliError
    from .sandbox import is_loopback

    try:
        import jupyterhub  # noqa: F401 - the [hub] extra

        from ..hub.server import HubError, HubInterrupted, HubServer
    except ImportError as exc:
        raise CliError(f"the hub needs JupyterHub ({exc}): pip install 'cognito-mfa-kit[hub]' (make test and make "
                       "hub-deps install it)") from exc
    if args.count is not None and args.count < 1:
        raise CliError("--count: at least 1 trainee")
    hub = HubServer(args.sheet, host=args.host, port=args.port, data_dir=args.data_dir, state=args.state,
                    count=args.count, roster=args.roster, trainer=args.trainer, notebook_dir=args.notebook_dir)
    if args.prepare:
        return _prepare(hub)
    with StopSignals(on_request=hub.request_stop, on_hurry=hub.hurry):
        try:
            try:
                _say(f"Starting the class's sandbox and JupyterHub (log: {hub.log_path})...")
                hub.start()
            except HubInterrupted:
                _say("Stopping the hub and the sandbox...")
                return 0
            except HubError as exc:
                raise CliError(str(exc)) from exc
            if hub.provision_report:
                _say(hub.provision_report)
            if hub.passwords_given:
                _say(f"{hub.passwords_given} trainee(s) given a hub password (column hub_password of {hub.sheet}).")
            _say(f"Cognito sandbox: {hub.sandbox_url} (loopback: the users' kernels run on this machine; state "
                 f"{hub.state})")
            _say(f"Trainees: sign in with the username and hub_password of their row of {hub.sheet} (mode 0600: hand "
                 "out one row each).")
            _say(f"Trainer: sign in as {hub.trainer!r}, password in {hub.trainer_password_file}; the class view "
                 "opens.")
            if not is_loopback(args.host):
                _say(_exposure(args.host, hub.port))
            _say("Hand out this URL:")
            _print(hub.url or "")
            _say("Ctrl-C stops the hub, every trainee's server and the sandbox.")
            gone = hub.wait()
            if gone is None:
                _say("Stopping the hub, the trainees' servers and the sandbox...")
                return 0
            raise CliError(f"{gone.name} stopped unexpectedly (exit code {gone.proc.returncode}); see {hub.log_path}")
        finally:
            hub.stop()


def _prepare(hub: HubServer) -> int:
    from ..hub.server import HubError, HubInterrupted
    from ..lifetime import StopSignals
    from . import CliError

    with StopSignals(on_request=hub.request_stop, on_hurry=hub.hurry):
        try:
            hub.prepare()
        except HubInterrupted:
            return 0
        except HubError as exc:
            raise CliError(str(exc)) from exc
    if hub.provision_report:
        _say(hub.provision_report)
    _say(f"Prepared the class of {hub.sheet} (hub passwords in its column hub_password) for a cluster. Put the hub's "
         "settings and the sandbox's state into the Secret deploy/z2jh-values.yaml mounts:")
    _print(f"kubectl create secret generic cmk-class --from-file=hub-settings.json={hub.settings_path} "
           f"--from-file=sandbox.sqlite3={hub.state}")
    _say(f"The trainer signs in as {hub.trainer!r} with the password in {hub.trainer_password_file}.")
    return 0


def _exposure(host: str, port: int) -> str:
    addresses = _addresses() if host in ("0.0.0.0", "::", "") else [host]  # noqa: S104 - a comparison with the wildcard addresses, not a bind
    where = ", ".join(f"http://{a}:{port}/" for a in addresses) or f"port {port} on every interface"
    return (
        f"Listening on {host}: anyone who can reach {where} sees the hub's sign-in page; behind it, each user's "
        "JupyterLab (their own only, once signed in). Plain HTTP: passwords and notebooks cross the network "
        "unencrypted, so run it on the class's own network (or put HTTPS in front). The sandbox and the hub's "
        "internal APIs stay on loopback."
    )


def _addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (what trainees would type)."""
    import ipaddress
    import socket

    import psutil

    found = []
    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            if entry.family == socket.AF_INET and not ipaddress.ip_address(entry.address).is_loopback:
                found.append(entry.address)
    return sorted(set(found))


def _print(text: str) -> None:
    with contextlib.suppress(OSError):
        print(text, flush=True)


def _say(text: str) -> None:
    with contextlib.suppress(OSError):
        print(text, file=sys.stderr, flush=True)
