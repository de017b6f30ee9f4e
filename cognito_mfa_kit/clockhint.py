"""How far the clock of the pool behind a refused code runs ahead, so that the explanation blames the clock, not the
phone (each sandbox pool has its own clock, which lessons move; ``errors.explain(..., clock_ahead=)``)."""

from __future__ import annotations

from typing import Any

from .errors import CODE_ERRORS
from .poolref import PoolRef, pool_id_of
from .tokens import pool_of


def pool_of_request(request: dict[str, Any] | None) -> str | None:
    """The user pool a request is about: its ``UserPoolId``, or the issuer of its access token."""
    request = request or {}
    if isinstance(request.get("UserPoolId"), str):
        return str(request["UserPoolId"])
    token = request.get("AccessToken")
    return pool_of(token) if isinstance(token, str) and token else None


def clock_ahead(lab: Any, code: str | None, *, pool: PoolRef | None = None,
                request: dict[str, Any] | None = None) -> float | None:
    """Seconds the clock of the pool a refused TOTP code was for runs ahead of real time (None: not a refused code,
    not the sandbox, or the pool can't be told — with no pool named, the one pool this lab moved, if just one)."""
    if code not in CODE_ERRORS or not getattr(lab, "is_sandbox", False):
        return None
    pool_id = pool_id_of(pool) if pool is not None else pool_of_request(request)
    if pool_id is None:
        moved: set[str] = getattr(lab, "moved_pools", set())
        pool_id = next(iter(moved)) if len(moved) == 1 else None
    if pool_id is None:
        return None
    try:
        return float(lab.clock_time(pool_id).offset)
    except Exception:  # noqa: BLE001 - a hint only: an explanation must never fail for it
        return None
