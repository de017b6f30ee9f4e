"""Recovery: a trainee lost the phone with the authenticator.

``reset_lost_device`` calls AdminDeleteSoftwareToken (2026; added to the kit's service model): the TOTP
registration and any TOTP preference go. On the next sign-in the user gets MFA_SETUP (pool MFA ON and no other
factor), another factor, or no MFA (pool OPTIONAL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .pool import TeachingPool
from .validation import check_username

if TYPE_CHECKING:
    from ..connect import Lab


def reset_lost_device(lab: Lab, pool: TeachingPool, username: str) -> None:
    """AdminDeleteSoftwareToken for ``username``."""
    lab.client.admin_delete_software_token(UserPoolId=pool.pool_id, Username=check_username(username))
