"""Back to real time: the sandbox clock's offset goes to zero and every time the sandbox stored moves back with it.

Lessons move the clock forward (the next TOTP step, an expired session). A real phone shows codes for the real time,
so after those lessons a class wants the sandbox back on real time. Moving only the clock would leave the world in the
future — lockouts, session expiry, and the last TOTP step each user used (so every real code would count as "already
used" for as long as the clock had run ahead) — so stored times shift back with the clock. TOTP steps used while the
clock ran ahead are forgotten (the real phone's current code must work at once); steps used at real time stay used.
"""

from __future__ import annotations

from .backend import sandbox_backends
from .clock import CLOCK
from .model import mfa
from .totp import STEP_SECONDS, VALID_WINDOW


def back_to_real_time() -> float:
    """Reset the clock's offset to zero, shifting the stored times by the same amount; returns the shift (s)."""
    shift = CLOCK.offset
    real_step = int((CLOCK.now() - shift) // STEP_SECONDS)
    for regions in list(sandbox_backends.values()):
        for region, backend in list(regions.items()):
            if region == "global":
                continue
            for session in backend.sessions.all():
                session.expires_at -= shift
            for pool in backend.user_pools.values():
                for user in pool.users.values():
                    record = mfa(user)
                    if record.last_counter is not None and record.last_counter > real_step + VALID_WINDOW:
                        record.last_counter = real_step - VALID_WINDOW - 1
                    if record.last_failure:
                        record.last_failure -= shift
                    if record.locked_until:
                        record.locked_until -= shift
    CLOCK.reset()
    return shift
