"""Training users: get-or-create with a known password, delete, and read their MFA status.

>>> bob = create_user(lab, pool, "Bob")                       # a generated, policy-valid password
>>> bob = recreate_user(lab, pool, "Bob")                     # deleted first if it exists: a clean start
>>> user_exists(lab, pool, "Bob")                             # ListUsers: a lookup that never fails
>>> alice = create_user(lab, pool, "Alice", permanent=False)  # FORCE_CHANGE_PASSWORD → NEW_PASSWORD_REQUIRED
>>> mfa_status(lab, pool, "Bob").preferred                   # AdminGetUser
>>> my_mfa_status(lab, tokens.access_token)                   # GetUser, as the user
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ._masked import MaskedRepr, secret
from .pool import TeachingPool
from .validation import check_email, check_password, check_phone, check_username

if TYPE_CHECKING:
    from ..connect import Lab

_SYMBOLS = "^$*.[]{}()?-!@#%&/,><:;|_~"  # Cognito's special characters for password policies


@dataclass(frozen=True, repr=False)
class TrainingUser(MaskedRepr):
    """A user of a teaching pool and the password it signs in with."""

    username: str
    password: str = secret()
    pool: TeachingPool | None = None
    created: bool = False  # False: the user existed and was kept (its MFA and devices too); the password was set


@dataclass(frozen=True)
class MfaStatus:
    """What Cognito says about a user's MFA (AdminGetUser or GetUser)."""

    username: str
    mfa_setting_list: tuple[str, ...]  # UserMFASettingList: the factors enabled
    preferred: str | None  # PreferredMfaSetting
    user_status: str | None = None  # AdminGetUser only (CONFIRMED, FORCE_CHANGE_PASSWORD, ...)
    phone_number: str | None = None

    @property
    def totp_enabled(self) -> bool:
        return "SOFTWARE_TOKEN_MFA" in self.mfa_setting_list


def generate_password(length: int = 20) -> str:
    """A password meeting Cognito's strictest default policy (upper, lower, digit, symbol; ≥ 8 characters)."""
    if length < 8:
        raise ValueError("length: at least 8 characters, Cognito's default minimum.")
    classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits, _SYMBOLS)
    chars = [secrets.choice(c) for c in classes]
    alphabet = "".join(classes)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def create_user(
    lab: Lab,
    pool: TeachingPool,
    username: str,
    password: str | None = None,
    *,
    email: str | None = None,
    phone: str | None = None,
    permanent: bool = True,
) -> TrainingUser:
    """Get or create ``username`` with ``password`` (generated when ``None``).

    New user: AdminCreateUser (no invitation message) and, when ``permanent``, AdminSetUserPassword(Permanent) so
    the user is CONFIRMED; ``permanent=False`` leaves FORCE_CHANGE_PASSWORD (sign-in then answers
    NEW_PASSWORD_REQUIRED). Existing user: kept as is (MFA, devices) and only AdminSetUserPassword brings the
    password in line. ``phone`` (E.164) and ``email`` are stored as verified attributes.
    """
    return _create_or_update(lab, pool, username, password, email=email, phone=phone, permanent=permanent)


def _create_or_update(
    lab: Lab,
    pool: TeachingPool,
    username: str,
    password: str | None,
    *,
    email: str | None,
    phone: str | None,
    permanent: bool,
    exists: bool | None = None,
) -> TrainingUser:
    """:func:`create_user`; ``exists`` when the caller already knows (None: ask with :func:`user_exists`)."""
    username = check_username(username)
    password = check_password(password) if password is not None else generate_password()
    attributes = []
    if email is not None:
        attributes += [{"Name": "email", "Value": check_email(email)}, {"Name": "email_verified", "Value": "true"}]
    if phone is not None:
        attributes += [
            {"Name": "phone_number", "Value": check_phone(phone)},
            {"Name": "phone_number_verified", "Value": "true"},
        ]
    client = lab.client
    created = not (user_exists(lab, pool, username) if exists is None else exists)
    if created:
        request: dict[str, Any] = {
            "UserPoolId": pool.pool_id,
            "Username": username,
            "TemporaryPassword": password,
            "MessageAction": "SUPPRESS",
        }
        if attributes:
            request["UserAttributes"] = attributes
        client.admin_create_user(**request)
        if permanent:
            client.admin_set_user_password(
                UserPoolId=pool.pool_id, Username=username, Password=password, Permanent=True
            )
    else:
        if attributes:
            client.admin_update_user_attributes(UserPoolId=pool.pool_id, Username=username, UserAttributes=attributes)
        client.admin_set_user_password(
            UserPoolId=pool.pool_id, Username=username, Password=password, Permanent=permanent
        )
    return TrainingUser(username=username, password=password, pool=pool, created=created)


def user_exists(lab: Lab, pool: TeachingPool, username: str) -> bool:
    """Whether ``username`` is a user of the pool: ListUsers with a ``username = "..."`` filter, a call that succeeds
    either way (AdminGetUser would fail with UserNotFoundException, which reads like a failure in a lesson)."""
    username = check_username(username)
    if '"' in username or "\\" in username:
        # [UNVERIFIED] how ListUsers' filter escapes quotes is not documented: ask AdminGetUser instead.
        try:
            lab.client.admin_get_user(UserPoolId=pool.pool_id, Username=username)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "UserNotFoundException":
                raise
            return False
    found = lab.client.list_users(UserPoolId=pool.pool_id, Filter=f'username = "{username}"', Limit=1)
    return any(u.get("Username") == username for u in found.get("Users", []))


def delete_user(lab: Lab, pool: TeachingPool, username: str) -> None:
    """AdminDeleteUser."""
    lab.client.admin_delete_user(UserPoolId=pool.pool_id, Username=check_username(username))


def recreate_user(
    lab: Lab,
    pool: TeachingPool,
    username: str,
    password: str | None = None,
    *,
    email: str | None = None,
    phone: str | None = None,
    permanent: bool = True,
) -> TrainingUser:
    """A brand-new ``username``: deleted first if it exists (AdminDeleteUser: its MFA and devices go with it), then
    created as :func:`create_user` does. Every call succeeds: a notebook re-run from the top starts clean."""
    username = check_username(username)
    if password is not None:
        password = check_password(password)
    if email is not None:
        check_email(email)  # every input checked before the delete: a refused one changes nothing
    if phone is not None:
        check_phone(phone)
    if user_exists(lab, pool, username):
        delete_user(lab, pool, username)
    return _create_or_update(lab, pool, username, password, email=email, phone=phone, permanent=permanent,
                             exists=False)


def _status(response: dict, user_status: str | None) -> MfaStatus:
    attrs = {a["Name"]: a["Value"] for a in response.get("UserAttributes", [])}
    return MfaStatus(
        username=response["Username"],
        mfa_setting_list=tuple(x for x in response.get("UserMFASettingList") or () if x),
        preferred=response.get("PreferredMfaSetting") or None,
        user_status=user_status,
        phone_number=attrs.get("phone_number"),
    )


def mfa_status(lab: Lab, pool: TeachingPool, username: str) -> MfaStatus:
    """AdminGetUser: the user's enabled factors, preferred factor and status."""
    response = lab.client.admin_get_user(UserPoolId=pool.pool_id, Username=check_username(username))
    return _status(response, response.get("UserStatus"))


def my_mfa_status(lab: Lab, access_token: str) -> MfaStatus:
    """GetUser with the user's own access token."""
    if not access_token:
        raise ValueError("access_token: empty; sign in first and pass tokens.access_token.")
    return _status(lab.client.get_user(AccessToken=access_token), None)
