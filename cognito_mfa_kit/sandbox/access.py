"""What a key may do on a shared sandbox: the part of IAM a class needs.

On AWS, calls that IAM authorises (the Admin* calls, pool / client / domain management, ...) need a policy, while the
calls a signed-in user makes with their tokens (InitiateAuth, RespondToAuthChallenge, SignUp, AssociateSoftwareToken,
VerifySoftwareToken, SetUserMFAPreference, GetUser, ...) are not signed at all: the service model marks them
``authtype: none``. The sandbox follows the model, and gives each key a policy of its own:

- the trainer's key may do anything;
- a trainee's key may do anything to *their own* pools (the one ``classroom provision --pool-per-trainee`` gave them,
  and every pool they create), and in a pool they share with the class, only read the pool's settings and act on
  *their own* user;
- anything else is ``AccessDeniedException`` (HTTP 400), worded as IAM words it. ``ListUserPools`` answers a trainee
  with their own pools only, so that nobody even sees another trainee's pool names [UNVERIFIED: IAM can't filter a
  list; the sandbox's choice, so that a class can't reach each other's pools].
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from .credentials import Principal

#: Calls a trainee may make on a pool they share with the class (reading its settings: no user's data).
SHARED_POOL_READS = frozenset({
    "DescribeUserPool", "GetUserPoolMfaConfig", "DescribeUserPoolClient", "ListUserPoolClients",
    "DescribeUserPoolDomain", "GetSigningCertificate", "ListIdentityProviders", "DescribeIdentityProvider",
    "ListResourceServers", "DescribeResourceServer", "GetUICustomization", "ListGroups", "GetGroup",
    "GetCSVHeader", "DescribeRiskConfiguration", "GetLogDeliveryConfiguration", "ListTagsForResource",
})
#: Calls that name no pool: allowed to every key (CreateUserPool makes the new pool the caller's; ListUserPools is
#: answered with the caller's pools only).
POOL_LESS = frozenset({"CreateUserPool", "ListUserPools"})


class AccessDenied(Exception):
    """IAM's refusal."""

    kind = "AccessDeniedException"

    def __init__(self, principal: Principal, operation: str, resource: str) -> None:
        self.message = (
            f"User: {principal.arn} is not authorized to perform: cognito-idp:{operation} on resource: {resource} "
            f"because no identity-based policy allows the cognito-idp:{operation} action"
        )
        super().__init__(self.message)


@functools.cache
def unsigned_operations() -> frozenset[str]:
    """The operations the service model leaves to tokens (no SigV4 signature: ``authtype: none``)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("cognito-idp")
    found = set()
    for name in model.operation_names:
        raw = model.operation_model(name)._operation_model  # the model's own auth fields
        if raw.get("authtype") == "none" or "smithy.api#noAuth" in (raw.get("auth") or []):
            found.add(name)
    return frozenset(found)


def is_signed(operation: str) -> bool:
    """True if AWS authorises ``operation`` with IAM (so a shared sandbox checks the caller's key)."""
    return operation not in unsigned_operations()


def pool_arn(pool_id: str, account_id: str) -> str:
    region = pool_id.partition("_")[0]
    return f"arn:aws:cognito-idp:{region}:{account_id}:userpool/{pool_id}"


def named_user(operation: str, params: Mapping[str, Any]) -> str | None:  # noqa: ARG001 - the access rules' shared signature
    """The user an admin call acts on (its ``Username``, or the USERNAME of an admin sign-in), if any."""
    if isinstance(params.get("Username"), str):
        return str(params["Username"])
    for key in ("AuthParameters", "ChallengeResponses"):
        values = params.get(key)
        if isinstance(values, Mapping) and isinstance(values.get("USERNAME"), str):
            return str(values["USERNAME"])
    return None


def target_pool(params: Mapping[str, Any], domain_pool: Callable[[str], str | None]) -> str | None:
    """The pool a call acts on: its ``UserPoolId``, the pool of its ``ResourceArn`` or of its ``Domain``."""
    if isinstance(params.get("UserPoolId"), str):
        return str(params["UserPoolId"])
    arn = params.get("ResourceArn")
    if isinstance(arn, str) and ":userpool/" in arn:
        return arn.rpartition("/")[2]
    domain = params.get("Domain")
    if isinstance(domain, str):
        return domain_pool(domain)
    return None


def authorize(
    principal: Principal,
    operation: str,
    params: Mapping[str, Any],
    *,
    domain_pool: Callable[[str], str | None],
    same_user: Callable[[str, str, str], bool],
) -> None:
    """Allow the call or raise :class:`AccessDenied`.

    ``domain_pool(domain)`` → the pool of a domain; ``same_user(pool_id, a, b)`` → whether two user names (or
    aliases) name the same user of that pool.
    """
    if principal.is_trainer or operation in POOL_LESS:
        return
    pool = target_pool(params, domain_pool)
    if pool is None:
        raise AccessDenied(principal, operation, "*")
    if pool in principal.pools:
        return
    own = principal.users.get(pool)
    if own is not None:
        if operation in SHARED_POOL_READS:
            return
        user = named_user(operation, params)
        if user is not None and same_user(pool, user, own):
            return
    raise AccessDenied(principal, operation, pool_arn(pool, principal.account_id))


def may_read_pool(principal: Principal, pool_id: str) -> bool:
    """Whether ``principal`` may read ``pool_id``'s clock and outbox (its own pools, or a pool it shares)."""
    return principal.is_trainer or pool_id in principal.pools or pool_id in principal.users


def may_move_pool(principal: Principal, pool_id: str) -> bool:
    """Whether ``principal`` may move ``pool_id``'s clock (its own pools only: a shared pool's clock is the class's)."""
    return principal.is_trainer or pool_id in principal.pools
