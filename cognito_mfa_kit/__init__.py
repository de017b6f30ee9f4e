"""cognito-mfa-kit: learn and try TOTP MFA on Amazon Cognito user pools.

The heavy parts (boto3 clients, moto, ipywidgets) load lazily, so ``import cognito_mfa_kit`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "connect"]

if TYPE_CHECKING:  # pragma: no cover
    from .connect import Lab


def connect(*args: Any, **kwargs: Any) -> Lab:
    """Connect to a Cognito target: the sandbox (default), real AWS, or any endpoint.

    See :func:`cognito_mfa_kit.connect.connect`.
    """
    from .connect import connect as _connect

    return _connect(*args, **kwargs)
