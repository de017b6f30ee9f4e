"""Enrol an authenticator: AssociateSoftwareToken → code → VerifySoftwareToken.

Two paths, as Cognito has them: a signed-in user passes ``access_token`` (seed steps 1–7); a user in the MFA_SETUP
challenge passes the challenge's ``session``, and each step answers with the session for the next
(associate → verify → ``respond`` MFA_SETUP; see ``challenges.complete_mfa_setup``).

>>> association = associate(lab, access_token=tokens.access_token)
>>> phone = authenticator(lab, association, account_name="Bob")     # a virtual app on the pool's clock
>>> verify(lab, phone.code(), access_token=tokens.access_token, device_name="BobPhone").status
'SUCCESS'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..poolref import PoolRef, pool_id_of
from ..tokens import pool_of
from ..totp import DEFAULT_ISSUER, VirtualAuthenticator
from ._masked import MaskedRepr, secret
from .validation import check_code, check_one_of_token_or_session

if TYPE_CHECKING:
    from ..connect import Lab



@dataclass(frozen=True, repr=False)
class Association(MaskedRepr):
    """AssociateSoftwareToken's answer: the TOTP secret (to type or scan) and, on the session path, the session
    for VerifySoftwareToken."""

    secret_code: str = secret()
    session: str | None = secret(None)
    #: the user pool of the user enrolling (its clock times the codes), when known
    pool_id: str | None = None


@dataclass(frozen=True, repr=False)
class Verification(MaskedRepr):
    """VerifySoftwareToken's answer: ``SUCCESS`` or ``ERROR`` and, on the session path, the session that
    satisfies MFA_SETUP."""

    status: str
    session: str | None = secret(None)

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


def associate(
    lab: Lab, *, access_token: str | None = None, session: str | None = None, pool: PoolRef | None = None
) -> Association:
    """AssociateSoftwareToken with an access token (signed in) or a session (MFA_SETUP), not both.

    ``pool``: the user's pool (read from the access token when not given; on the session path, pass it so that
    :func:`authenticator` follows that pool's clock)."""
    check_one_of_token_or_session(access_token, session)
    request = {"AccessToken": access_token} if access_token else {"Session": session}
    answer = lab.client.associate_software_token(**request)
    pool_id = pool_id_of(pool) if pool is not None else (pool_of(access_token) if access_token else None)
    return Association(secret_code=answer["SecretCode"], session=answer.get("Session"), pool_id=pool_id)


def verify(
    lab: Lab,
    code: str,
    *,
    access_token: str | None = None,
    session: str | None = None,
    device_name: str | None = None,
) -> Verification:
    """VerifySoftwareToken with the authenticator's current ``code`` (checked to be 6 digits first)."""
    code = check_code(code)
    check_one_of_token_or_session(access_token, session)
    request = {"AccessToken": access_token} if access_token else {"Session": session}
    request["UserCode"] = code
    if device_name:
        request["FriendlyDeviceName"] = device_name
    answer = lab.client.verify_software_token(**request)
    return Verification(status=answer.get("Status", "ERROR"), session=answer.get("Session"))


def authenticator(
    lab: Lab,
    association_or_secret: Association | str,
    *,
    account_name: str = "trainee",
    issuer: str = DEFAULT_ISSUER,
    pool: PoolRef | None = None,
) -> VirtualAuthenticator:
    """A virtual authenticator app for the secret, on the clock of the user's pool (``pool``, else the
    association's): in the sandbox that pool's clock, which a lesson may move; on AWS this machine's."""
    if isinstance(association_or_secret, Association):
        secret_code, pool = association_or_secret.secret_code, pool or association_or_secret.pool_id
    else:
        secret_code = association_or_secret
    clock = lab.clock_for(pool) if pool is not None else lab.clock
    return VirtualAuthenticator(secret_code, clock, account_name=account_name, issuer=issuer)
