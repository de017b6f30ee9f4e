"""Dataclass ``repr`` that masks secret fields (tokens, sessions, passwords, TOTP secrets).

Mark a field with :func:`secret` and inherit :class:`MaskedRepr` (with ``@dataclass(repr=False)``): ``repr`` then
shows that field through :func:`cognito_mfa_kit.journal.mask_value` (``eyJraWQiO........ua5Pq3NaA``, ``********``).
The value itself stays available as the attribute.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..journal import mask_value

_SECRET = "cmk_secret"  # noqa: S105 - the name of a masked member, not a secret


def secret(default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field whose value ``repr`` masks."""
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata={_SECRET: True})
    return dataclasses.field(default=default, metadata={_SECRET: True})


class MaskedRepr:
    """``repr`` of a dataclass with its :func:`secret` fields masked."""

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if not f.repr:
                continue
            value = getattr(self, f.name)
            shown = mask_value(value) if f.metadata.get(_SECRET) else value
            parts.append(f"{f.name}={shown!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    __str__ = __repr__
