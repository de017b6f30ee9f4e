"""Which host names are a domain's: ``<prefix>.auth.<sandbox host>``, as ``<prefix>.auth.<region>.amazoncognito.com``
is on AWS.

A sandbox on loopback (``127.0.0.1``, ``localhost``) gives its domains ``<prefix>.auth.localhost:<port>``: Chromium
and curl resolve every ``*.localhost`` name to loopback by themselves (RFC 6761 §6.3); Python here can't, so a Python
client connects to 127.0.0.1 and sends that Host header. A sandbox reached by another name ``H`` gives
``<prefix>.auth.H`` (browsers then need a DNS entry for ``*.auth.H``).
"""

from __future__ import annotations

import ipaddress
import re

_HOST = re.compile(r"^(?P<prefix>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.auth\.(?P<rest>[^/\s]+)$", re.IGNORECASE)


def domain_prefix(host: str | None) -> str | None:
    """The domain prefix a Host header names (``p.auth.localhost:4566`` → ``p``), or None for any other host."""
    found = _HOST.match(host or "")
    return found.group("prefix").lower() if found else None


def sandbox_host(domain_host: str) -> str:
    """The sandbox's own host (and port) under a domain's host: ``p.auth.localhost:4566`` → ``localhost:4566``."""
    found = _HOST.match(domain_host)
    return found.group("rest") if found else domain_host


def _is_loopback(name: str) -> bool:
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def domain_host(prefix: str, host: str) -> str:
    """The host (and port) of domain ``prefix`` on a sandbox reached at ``host`` (``127.0.0.1:4566`` →
    ``p.auth.localhost:4566``)."""
    name, sep, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not sep or not port.isdigit():
        name, port = host, ""
    shown = "localhost" if _is_loopback(name) else name
    return f"{prefix}.auth.{shown}" + (f":{port}" if port else "")
