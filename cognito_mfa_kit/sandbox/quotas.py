"""Cognito user-pool request-rate quotas: categories, their default rates, and which operation counts where.

One table, shared by the client-side limiter (:mod:`cognito_mfa_kit.ratelimit`) and the sandbox's
``--rate-limit`` fault (:mod:`cognito_mfa_kit.sandbox.faults`), so both sides agree on what is counted together. It
lives in the sandbox, the lowest layer both can import (the sandbox imports nothing above it).

Source: the reference §4 (Cognito developer guide, "Quotas in Amazon Cognito", category_operations). The
documented memberships are UserCreation (SignUp, ConfirmSignUp, AdminCreateUser, AdminConfirmSignUp) and
UserAuthentication (AdminInitiateAuth, InitiateAuth, AdminRespondToAuthChallenge, RespondToAuthChallenge). The
other rows follow the category names (read / update of users, user resources, pools, pool resources, clients)
and are [UNVERIFIED] operation by operation: the per-operation list could not be read (reference §4).
"""

from __future__ import annotations

#: Default quota of each category, in requests per second per account and region.
DEFAULT_RPS: dict[str, float] = {
    "UserAuthentication": 120,
    "UserCreation": 50,
    "UserFederation": 25,
    "UserAccountRecovery": 30,
    "UserRead": 120,
    "UserUpdate": 25,
    "UserToken": 120,
    "UserResourceRead": 50,
    "UserResourceUpdate": 25,
    "UserList": 30,
    "UserPoolRead": 15,
    "UserPoolUpdate": 15,
    "UserPoolResourceRead": 20,
    "UserPoolResourceUpdate": 15,
    "UserPoolClientRead": 15,
    "UserPoolClientUpdate": 15,
    "ClientAuthentication": 150,
}

_MEMBERS: dict[str, tuple[str, ...]] = {
    # documented
    "UserCreation": ("SignUp", "ConfirmSignUp", "AdminCreateUser", "AdminConfirmSignUp"),
    "UserAuthentication": (
        "AdminInitiateAuth", "InitiateAuth", "AdminRespondToAuthChallenge", "RespondToAuthChallenge",
    ),
    # [UNVERIFIED] below: by the category names
    "UserAccountRecovery": (
        "ForgotPassword", "ConfirmForgotPassword", "ChangePassword", "AdminResetUserPassword", "AdminSetUserPassword",
    ),
    "UserRead": ("AdminGetUser", "GetUser"),
    "UserUpdate": (
        "AdminDeleteUser", "DeleteUser", "AdminUpdateUserAttributes", "UpdateUserAttributes",
        "AdminDeleteUserAttributes", "DeleteUserAttributes", "AdminDisableUser", "AdminEnableUser",
        "AdminAddUserToGroup", "AdminRemoveUserFromGroup", "AdminSetUserMFAPreference", "SetUserMFAPreference",
        "AdminSetUserSettings", "SetUserSettings", "VerifyUserAttribute", "GetUserAttributeVerificationCode",
        "ResendConfirmationCode", "AssociateSoftwareToken", "VerifySoftwareToken", "AdminDeleteSoftwareToken",
        "AdminUserGlobalSignOut", "GlobalSignOut", "AdminLinkProviderForUser", "AdminDisableProviderForUser",
    ),
    "UserToken": ("RevokeToken", "GetTokensFromRefreshToken"),
    "UserResourceRead": ("AdminGetDevice", "GetDevice", "AdminListDevices", "ListDevices", "AdminListGroupsForUser",
                         "AdminListUserAuthEvents"),
    "UserResourceUpdate": ("ConfirmDevice", "UpdateDeviceStatus", "AdminUpdateDeviceStatus", "ForgetDevice",
                           "AdminForgetDevice", "UpdateAuthEventFeedback", "AdminUpdateAuthEventFeedback"),
    "UserList": ("ListUsers", "ListUsersInGroup"),
    "UserPoolRead": ("DescribeUserPool", "ListUserPools", "GetUserPoolMfaConfig", "ListTagsForResource"),
    "UserPoolUpdate": ("CreateUserPool", "UpdateUserPool", "DeleteUserPool", "SetUserPoolMfaConfig",
                       "AddCustomAttributes", "TagResource", "UntagResource"),
    "UserPoolResourceRead": ("DescribeUserPoolDomain", "GetGroup", "ListGroups", "DescribeIdentityProvider",
                             "ListIdentityProviders", "DescribeResourceServer", "ListResourceServers",
                             "GetSigningCertificate", "GetUICustomization"),
    "UserPoolResourceUpdate": ("CreateUserPoolDomain", "UpdateUserPoolDomain", "DeleteUserPoolDomain",
                               "CreateGroup", "UpdateGroup", "DeleteGroup", "CreateIdentityProvider",
                               "UpdateIdentityProvider", "DeleteIdentityProvider", "SetUICustomization"),
    "UserPoolClientRead": ("DescribeUserPoolClient", "ListUserPoolClients"),
    "UserPoolClientUpdate": ("CreateUserPoolClient", "UpdateUserPoolClient", "DeleteUserPoolClient"),
}

#: Operation name (as in ``X-Amz-Target``) → quota category.
OPERATION_CATEGORY: dict[str, str] = {op: cat for cat, ops in _MEMBERS.items() for op in ops}


def category(operation: str) -> str | None:
    """The quota category ``operation`` counts against, or None if the table does not know it."""
    return OPERATION_CATEGORY.get(operation)


def default_rps(operation: str) -> float | None:
    """The default quota (requests per second) that ``operation`` shares with its category."""
    cat = category(operation)
    return None if cat is None else DEFAULT_RPS[cat]
