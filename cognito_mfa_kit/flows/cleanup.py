"""Clean-up: delete everything the kit created under one run id (pools carry the run id as their tag)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import cleanup
from .pool import _caller

if TYPE_CHECKING:
    from ..connect import Lab


def delete_run(lab: Lab, run_id: str) -> list[str]:
    """Delete every kit pool tagged ``run_id`` (users, clients and devices go with their pool; domains first).

    Returns the ids of the deleted pools. Pools of other runs, pools the kit did not make, and pools with deletion
    protection on are left alone: the same rules as ``cognito-mfa-kit cleanup --run-id <run_id> --yes``
    (:func:`cognito_mfa_kit.cleanup.cleanup`).
    """
    if not run_id or not isinstance(run_id, str):
        raise ValueError("run_id: empty; name the run to clean up (the value of the pools' cognito-mfa-kit tag).")
    return [pool.pool_id for pool in cleanup.cleanup(_caller(lab), run_id=run_id, yes=True).deleted]
