"""What names a user pool in the kit's API: its id, or anything that has a ``pool_id`` (e.g. a TeachingPool)."""

from __future__ import annotations

from typing import Protocol


class _HasPoolId(Protocol):
    @property
    def pool_id(self) -> str: ...


#: A user pool: its id, or anything with a ``pool_id`` (a TeachingPool)
PoolRef = str | _HasPoolId


def pool_id_of(pool: PoolRef) -> str:
    """The id of ``pool`` (an id, or an object with ``pool_id``)."""
    pool_id = pool if isinstance(pool, str) else getattr(pool, "pool_id", None)
    if not isinstance(pool_id, str) or not pool_id:
        raise ValueError(f"pool: {pool!r} is not a user pool id (e.g. 'us-east-1_AbC123xyz') nor a pool object")
    return pool_id
