"""Back to real time: a pool's clock (or every clock) goes back to real time, and what the sandbox stored moves back
with it.

Lessons move a pool's clock forward (the next TOTP step, an expired session). A real phone shows codes for the real
time, so a lesson puts its pool back before it ends. Moving only the clock would leave the pool in the future —
lockouts, session expiry, and the last TOTP step each user used (so every real code would count as "already used" for
as long as the clock had run ahead) — so stored times shift back with the clock. TOTP steps used while the clock ran
ahead are forgotten (the real phone's current code must work at once); steps used at real time stay used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .backend import SandboxBackend, sandbox_backends
from .clock import CLOCK
from .model import SandboxUserPool, mfa
from .totp import STEP_SECONDS, VALID_WINDOW

#: Others that keep times on a pool's clock outside the backend (managed login's authorization codes and pages):
#: each is called with (pool id, seconds the pool's clock goes back) and moves its times back as much.
SHIFTERS: list[Callable[[str, float], None]] = []


def _backends() -> Iterator[SandboxBackend]:
    for regions in list(sandbox_backends.values()):
        for region, backend in list(regions.items()):
            if region != "global":
                yield backend


def _shift_pool(backend: SandboxBackend, pool: SandboxUserPool, shift: float) -> None:
    """Move ``pool``'s stored times back by ``shift`` seconds (its clock was that far ahead)."""
    if not shift:
        return
    real_now = CLOCK.now(pool.id) - shift
    real_step = int(real_now // STEP_SECONDS)
    for session in backend.sessions.all():
        if session.pool_id == pool.id:
            session.expires_at -= shift
    for user in pool.users.values():
        record = mfa(user)
        if record.last_counter is not None and record.last_counter > real_step + VALID_WINDOW:
            record.last_counter = real_step - VALID_WINDOW - 1
        if record.last_failure:
            record.last_failure -= shift
        if record.locked_until:
            record.locked_until -= shift
        if any(p.get("created_at", 0) > real_now for p in record.passkeys):
            # passkeys registered while the clock ran ahead (passkeys.py): registered at real time, not later
            record.passkeys = [{**p, "created_at": p["created_at"] - shift} if p.get("created_at", 0) > real_now
                               else p for p in record.passkeys]
        # what happened while the clock ran ahead happened "now", not in the future
        if record.mfa_sign_in_at and record.mfa_sign_in_at > real_now:
            record.mfa_sign_in_at = real_now
        if record.last_error and float(record.last_error.get("at") or 0) > real_now:
            record.last_error = {**record.last_error, "at": real_now}
    for event in list(pool.events.events.values()):
        if event.created > real_now:
            event.created = real_now
    for shifter in SHIFTERS:
        shifter(pool.id, shift)


def back_to_real_time(pool_id: str | None = None) -> float:
    """Put ``pool_id``'s clock (None: the sandbox's and every pool's) back on real time, shifting the stored times
    by as much; returns how far the clock was ahead (s). The caller holds the server's lock."""
    shifted = 0.0
    for backend in _backends():
        for pool in list(backend.user_pools.values()):
            if pool_id is None or pool.id == pool_id:
                shift = CLOCK.offset_of(pool.id)
                _shift_pool(backend, pool, shift)
                if pool_id is not None:
                    shifted = shift
    if pool_id is None:
        return CLOCK.to_real_time()
    CLOCK.to_real_time(pool_id)
    return shifted
