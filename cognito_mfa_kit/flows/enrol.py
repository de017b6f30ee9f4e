"""Enrol an authenticator: AssociateSoftwareToken → code → VerifySoftwareToken.

Two paths, as Cognito has them: a signed-in user passes ``access_token`` (seed steps 1–7); a user in the MFA_SETUP
challenge passes the challenge's ``session``, and each step answers with the session for the next
(associate → verify → ``respond`` MFA_SETUP; see ``challenges.complete_mfa_setup``).

>>> association = associate(lab, access_token=tokens.access_token)
>>> phone = authenticator(lab, association, account_name="Bob")     # a virtual app on the lab's clock
>>> verify(lab, phone.code(), access_token=tokens.access_token, device_name="BobPhone").status
'SUCCESS'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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


@dataclass(frozen=True, repr=False)
class Verification(MaskedRepr):
    """VerifySoftwareToken's answer: ``SUCCESS`` or ``ERROR`` and, on the session path, the session that
    satisfies MFA_SETUP."""

    status: str
    session: str | None = secret(None)

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


def associate(lab: Lab, *, access_token: str | None = None, session: str | None = None) -> Association:
    """AssociateSoftwareToken with an access token (signed in) or a session (MFA_SETUP), not both."""
    check_one_of_token_or_session(access_token, session)
    request = {"AccessToken": access_token} if access_token else {"Session": session}
    answer = lab.client.associate_software_token(**request)
    return Association(secret_code=answer["SecretCode"], session=answer.get("Session"))


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
) -> VirtualAuthenticator:
    """A virtual authenticator app for the secret, on ``lab.clock`` (the sandbox's clock in the sandbox)."""
    secret_code = (
        association_or_secret.secret_code if isinstance(association_or_secret, Association) else association_or_secret
    )
    return VirtualAuthenticator(secret_code, lab.clock, account_name=account_name, issuer=issuer)
