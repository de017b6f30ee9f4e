"""Numbers as a trainee reads them: a signed number of seconds that never prints ``-0``.

>>> signed_seconds(-0.04)   # '+0 s' (rounds to zero: no sign to read into it)
>>> signed_seconds(12.46, 1)  # '+12.5 s'
"""

from __future__ import annotations

__all__ = ["signed_seconds"]


def signed_seconds(seconds: float, decimals: int = 0) -> str:
    """``seconds`` with its sign and ``decimals`` decimals, then `` s``; a value that rounds to zero is ``+0``
    (Python's ``f"{-0.2:+.0f}"`` gives ``-0``, which reads as "behind")."""
    value = round(float(seconds), decimals)
    if value == 0:
        value = 0.0  # also turns -0.0 into 0.0
    return f"{value:+.{decimals}f} s"
