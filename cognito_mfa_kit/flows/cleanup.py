"""Clean-up: delete everything the kit created under one run id (pools carry the run id as their tag)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .pool import delete_teaching_pool, find_kit_pools

if TYPE_CHECKING:
    from ..connect import Lab



def delete_run(lab: Lab, run_id: str) -> list[str]:
    """Delete every kit pool tagged ``run_id`` (users, clients and devices go with their pool).

    Returns the ids of the deleted pools. Pools of other runs, and pools the kit did not make, are left alone.
    """
    if not run_id or not isinstance(run_id, str):
        raise ValueError("run_id: empty; name the run to clean up (the value of the pools' cognito-mfa-kit tag).")
    deleted = []
    for pool in find_kit_pools(lab, run_id=run_id):
        delete_teaching_pool(lab, pool)
        deleted.append(pool.pool_id)
    return deleted
