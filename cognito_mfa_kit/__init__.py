"""cognito-mfa-kit: learn and try TOTP MFA on Amazon Cognito user pools.

The heavy parts (moto, ipywidgets, JupyterLab) load lazily; ``import cognito_mfa_kit`` loads botocore only.
"""

from __future__ import annotations

# The function, bound after its module is loaded: a package attribute named like a submodule is replaced by the
# module when that submodule is first imported (a lazy wrapper here became the module after the first call, and
# re-running a notebook's first cell raised "'module' object is not callable"). connect needs botocore only.
from .connect import Lab, connect

__version__ = "0.1.0"

__all__ = ["Lab", "__version__", "connect"]
