"""How the kit names and tags what it creates, so clean-up finds its own pools and nothing else."""

from __future__ import annotations

#: Every user pool the kit creates carries this tag; its value is the course or run id.
TAG_KEY = "cognito-mfa-kit"
#: ...and its name starts with this prefix.
NAME_PREFIX = "cmk-"
DEFAULT_RUN_ID = "course"


def pool_name(name: str) -> str:
    """``name`` with the kit's prefix (added once)."""
    return name if name.startswith(NAME_PREFIX) else NAME_PREFIX + name
