"""Teaching pools: a user pool with MFA configured and one app client, created once per name and run.

>>> pool = create_teaching_pool(lab, "mfa-course", mfa="OPTIONAL", totp=True)
>>> pool = configure_pool_mfa(lab, pool, mfa="ON")
>>> pool = update_client(lab, pool, session_minutes=10)
>>> pool = create_teaching_pool(lab, "beyond", email=True, first_factors=["PASSWORD", "EMAIL_OTP"],
...                             auth_flows=[*DEFAULT_AUTH_FLOWS, "ALLOW_USER_AUTH"])   # email MFA, USER_AUTH
>>> pool = set_plan(lab, pool, "LITE")                       # UserPoolTier (Lite refuses email MFA and USER_AUTH)
>>> find_kit_pools(lab, run_id="course")
>>> delete_teaching_pool(lab, pool)

Order of calls follows the seed ("add MFA to your user pool first"): ``CreateUserPool`` (no MFA: with MFA ON and
no SMS configuration Cognito refuses it) → ``SetUserPoolMfaConfig`` → ``CreateUserPoolClient``. Re-running
:func:`create_teaching_pool` finds the pool by name (prefixed with ``naming.NAME_PREFIX``) *and* tag
(``naming.TAG_KEY`` = run id) and brings it in line with the arguments instead of creating another one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .. import cleanup
from ..cleanup import KitPool, list_pools
from ..naming import DEFAULT_RUN_ID, NAME_PREFIX, TAG_KEY, pool_name
from ..ratelimit import Backoff, QuotaCaller, RateLimiter
from ._masked import MaskedRepr, secret
from .validation import check_first_factors, check_mfa, check_session_minutes, check_tier

if TYPE_CHECKING:
    from ..connect import Lab


DEFAULT_AUTH_FLOWS: tuple[str, ...] = (
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
)
#: ``ExplicitAuthFlowsType`` values (new names and the legacy ones).
KNOWN_AUTH_FLOWS = frozenset(
    {
        "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH", "ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY",
        "USER_PASSWORD_AUTH",
    }
)
RememberDevices = Literal["always", "user_opt_in"] | None
#: Console wording → ``DeviceConfiguration`` ("Always" / "User opt-in"; no configuration: don't remember).
DEVICE_CONFIGURATIONS: dict[str, dict[str, bool]] = {
    "always": {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False},
    "user_opt_in": {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True},
}
#: Placeholder SNS role for SMS MFA in the sandbox (which sends nothing); AWS needs a real role.
SANDBOX_SMS_ROLE = "arn:aws:iam::{account}:role/cmk-sandbox-sms"
SANDBOX_EXTERNAL_ID = "cmk-sandbox"
SMS_MESSAGE = "Your cognito-mfa-kit code is {####}"
#: Email MFA needs the pool to send with Amazon SES (EmailSendingAccount DEVELOPER); the sandbox sends nothing, so a
#: placeholder identity does. On AWS pass ses_source_arn (a verified SES identity) and email_from.
SANDBOX_SES_IDENTITY = "arn:aws:ses:{region}:{account}:identity/lessons@example.com"
SANDBOX_EMAIL_FROM = "lessons@example.com"
EMAIL_MESSAGE = "Your cognito-mfa-kit sign-in code is {####}"
EMAIL_SUBJECT = "Your cognito-mfa-kit code"
DEFAULT_TIER = "ESSENTIALS"
_SANDBOX_ACCOUNT = "123456789012"


@dataclass(frozen=True, repr=False)
class TeachingPool(MaskedRepr):
    """A user pool and its app client, as the kit configured them."""

    pool_id: str
    client_id: str
    name: str
    region: str
    mfa: str  # OFF | ON | OPTIONAL
    auth_flows: tuple[str, ...]
    session_minutes: int
    remember_devices: str | None
    totp: bool = True
    sms: bool = False
    run_id: str = DEFAULT_RUN_ID
    client_secret: str | None = secret(None)
    created: bool = False  # True when this call created the pool (False: an existing one was reused)
    email: bool = False  # email MFA (EmailMfaConfiguration; the pool sends with SES)
    tier: str = DEFAULT_TIER  # UserPoolTier: LITE | ESSENTIALS | PLUS
    first_factors: tuple[str, ...] = ("PASSWORD",)  # SignInPolicy.AllowedFirstAuthFactors (USER_AUTH)
    #: the SES identity and sender the pool's EmailConfiguration uses (None: none; the sandbox uses a placeholder)
    ses_source_arn: str | None = None
    email_from: str | None = None


def _check_flows(auth_flows: Iterable[str]) -> tuple[str, ...]:
    flows = tuple(dict.fromkeys(auth_flows))
    unknown = [f for f in flows if f not in KNOWN_AUTH_FLOWS]
    if unknown:
        raise ValueError(
            f"auth_flows: {', '.join(unknown)} not known; choose from {', '.join(sorted(KNOWN_AUTH_FLOWS))}."
        )
    if not flows:
        raise ValueError("auth_flows: empty; allow at least one, e.g. ALLOW_USER_SRP_AUTH.")
    return flows


def _check_remember(remember_devices: RememberDevices) -> RememberDevices:
    if remember_devices is not None and remember_devices not in DEVICE_CONFIGURATIONS:
        raise ValueError(
            f"remember_devices: {remember_devices!r} is not an option; use None (don't remember), 'always' or "
            "'user_opt_in'."
        )
    return remember_devices


def _sms_configuration(lab: Lab, sms_role_arn: str | None, sms_external_id: str | None) -> dict[str, str]:
    if sms_role_arn is None:
        if not lab.is_sandbox:
            raise ValueError(
                "sms_role_arn: SMS MFA on AWS needs an IAM role Cognito can use to publish with SNS. Pass "
                "sms_role_arn='arn:aws:iam::<account>:role/<role>' (and sms_external_id), or use sms=False."
            )
        sms_role_arn = SANDBOX_SMS_ROLE.format(account=lab.target.account or _SANDBOX_ACCOUNT)
    config = {"SnsCallerArn": sms_role_arn}
    external = sms_external_id if sms_external_id is not None else (SANDBOX_EXTERNAL_ID if lab.is_sandbox else None)
    if external:
        config["ExternalId"] = external
    return config


def _email_configuration(lab: Lab, ses_source_arn: str | None, email_from: str | None) -> dict[str, str]:
    """The pool's EmailConfiguration for email MFA: Amazon SES (DEVELOPER) with a verified identity."""
    if ses_source_arn is None:
        if not lab.is_sandbox:
            raise ValueError(
                "ses_source_arn: email MFA on AWS needs the pool to send with Amazon SES. Pass "
                "ses_source_arn='arn:aws:ses:<region>:<account>:identity/<verified address or domain>' and "
                "email_from='<that address>', or use email=False."
            )
        ses_source_arn = SANDBOX_SES_IDENTITY.format(region=lab.region, account=lab.target.account or _SANDBOX_ACCOUNT)
        email_from = email_from or SANDBOX_EMAIL_FROM
    config = {"EmailSendingAccount": "DEVELOPER", "SourceArn": ses_source_arn}
    if email_from:
        config["From"] = email_from
    return config


def _mfa_request(
    lab: Lab, pool_id: str, mfa: str, totp: bool, sms: bool, sms_role_arn: str | None, sms_external_id: str | None,
    email: bool = False,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "UserPoolId": pool_id,
        "MfaConfiguration": mfa,
        "SoftwareTokenMfaConfiguration": {"Enabled": bool(totp)},
    }
    if email:
        request["EmailMfaConfiguration"] = {"Message": EMAIL_MESSAGE, "Subject": EMAIL_SUBJECT}
    if sms:
        request["SmsMfaConfiguration"] = {
            "SmsAuthenticationMessage": SMS_MESSAGE,
            "SmsConfiguration": _sms_configuration(lab, sms_role_arn, sms_external_id),
        }
    return request


def _pool_request(name: str, run_id: str, remember_devices: str | None, *, tier: str = DEFAULT_TIER,  # noqa: ARG001 - the request of the pool called name (CreateUserPool's PoolName is set by the caller)
                  email_configuration: dict[str, str] | None = None,
                  first_factors: Sequence[str] = ("PASSWORD",)) -> dict[str, Any]:
    request: dict[str, Any] = {
        "UserPoolTags": {TAG_KEY: run_id},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
        "UserPoolTier": tier,
    }
    if remember_devices:
        request["DeviceConfiguration"] = dict(DEVICE_CONFIGURATIONS[remember_devices])
    if email_configuration:
        request["EmailConfiguration"] = dict(email_configuration)
    if tuple(first_factors) != ("PASSWORD",):
        request["Policies"] = {"SignInPolicy": {"AllowedFirstAuthFactors": list(first_factors)}}
    return request


def _pool_settings(pool: TeachingPool, **changes: Any) -> dict[str, Any]:
    """UpdateUserPool's request for ``pool`` with ``changes`` (UpdateUserPool resets what it is not given, so it
    always gets the kit's whole pool configuration)."""
    values = {"remember_devices": pool.remember_devices, "tier": pool.tier, "first_factors": pool.first_factors,
              "email_configuration": ({"EmailSendingAccount": "DEVELOPER", "SourceArn": pool.ses_source_arn,
                                       **({"From": pool.email_from} if pool.email_from else {})}
                                      if pool.ses_source_arn else None), **changes}
    return {"UserPoolId": pool.pool_id, **_pool_request(
        pool.name, pool.run_id, values["remember_devices"], tier=values["tier"],
        email_configuration=values["email_configuration"], first_factors=values["first_factors"])}


def _client_request(auth_flows: Sequence[str], session_minutes: int) -> dict[str, Any]:
    return {"ExplicitAuthFlows": list(auth_flows), "AuthSessionValidity": session_minutes}


def _caller(lab: Lab) -> QuotaCaller:
    """``lab.client`` behind the clean-up module's call interface: unpaced, one attempt per call (the client's
    own retry mode already handles throttling), every call journaled as usual."""
    return QuotaCaller(lab.client, RateLimiter(rates={}), Backoff(max_attempts=1))


def _find_pool(lab: Lab, name: str, run_id: str) -> dict[str, Any] | None:
    """The oldest pool named ``name`` tagged with ``run_id`` (DescribeUserPool; ListUserPools has no tags)."""
    summaries = list_pools(_caller(lab))
    candidates = sorted((p for p in summaries if p.get("Name") == name), key=lambda p: p["CreationDate"])
    for summary in candidates:
        described = lab.client.describe_user_pool(UserPoolId=summary["Id"])["UserPool"]
        if (described.get("UserPoolTags") or {}).get(TAG_KEY) == run_id:
            return described
    return None


def _client_name(name: str) -> str:
    return f"{name}-app"


def _find_client(lab: Lab, pool_id: str, client_name: str) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "MaxResults": 60}
    while True:
        page = lab.client.list_user_pool_clients(**kwargs)
        for summary in page.get("UserPoolClients", []):
            if summary.get("ClientName") == client_name:
                return lab.client.describe_user_pool_client(UserPoolId=pool_id, ClientId=summary["ClientId"])[
                    "UserPoolClient"
                ]
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def create_teaching_pool(
    lab: Lab,
    name: str = "mfa-course",
    *,
    mfa: str = "OPTIONAL",
    totp: bool = True,
    sms: bool = False,
    auth_flows: Sequence[str] = DEFAULT_AUTH_FLOWS,
    session_minutes: int = 3,
    remember_devices: RememberDevices = None,
    run_id: str = DEFAULT_RUN_ID,
    generate_secret: bool = False,
    sms_role_arn: str | None = None,
    sms_external_id: str | None = None,
    email: bool = False,
    tier: str = DEFAULT_TIER,
    first_factors: Sequence[str] = ("PASSWORD",),
    ses_source_arn: str | None = None,
    email_from: str | None = None,
) -> TeachingPool:
    """Get or create the pool ``name`` (prefixed ``cmk-``, tagged ``run_id``) with MFA and an app client.

    New pool: CreateUserPool → SetUserPoolMfaConfig → CreateUserPoolClient. Existing pool (same name and tag):
    UpdateUserPool only if its device setting, plan, email sending or sign-in policy differs, then
    SetUserPoolMfaConfig, and the client updated (or recreated when ``generate_secret`` changed, which Cognito can't
    update). ``sms=True`` on AWS needs ``sms_role_arn``; ``email=True`` (email MFA) needs ``ses_source_arn`` and
    ``email_from`` (the sandbox uses placeholders); ``tier`` is the feature plan (email MFA and ``ALLOW_USER_AUTH``
    need ESSENTIALS or PLUS); ``first_factors`` the SignInPolicy of choice-based sign-in (USER_AUTH).
    """
    mfa = check_mfa(mfa)
    flows = _check_flows(auth_flows)
    session_minutes = check_session_minutes(session_minutes)
    remember_devices = _check_remember(remember_devices)
    tier = check_tier(tier)
    first_factors = check_first_factors(first_factors)
    if not run_id or not isinstance(run_id, str):
        raise ValueError("run_id: empty; give the course or run id that tags the pool, e.g. 'course'.")
    if sms and sms_role_arn is None and not lab.is_sandbox:
        _sms_configuration(lab, None, None)  # raises the explanation before any call
    needs_ses = email or "EMAIL_OTP" in first_factors
    email_configuration = _email_configuration(lab, ses_source_arn, email_from) if needs_ses else None
    full_name = pool_name(name)
    client = lab.client
    settings = _pool_request(full_name, run_id, remember_devices, tier=tier, email_configuration=email_configuration,
                             first_factors=first_factors)

    existing = _find_pool(lab, full_name, run_id)
    if existing is None:
        pool_id = client.create_user_pool(PoolName=full_name, **settings)["UserPool"]["Id"]
        created = True
    else:
        pool_id = existing["Id"]
        created = False
        if _differs(existing, settings):
            # UpdateUserPool resets what it is not given, so it gets the kit's whole pool configuration; the MFA
            # configuration is set again right after. [Sandbox: a pool's DeviceConfiguration can't be removed.]
            client.update_user_pool(UserPoolId=pool_id, **settings)
        if lab.is_sandbox:
            lab.back_to_real_time(pool_id)  # a lesson run again starts on real time, whatever the last run left
    client.set_user_pool_mfa_config(**_mfa_request(lab, pool_id, mfa, totp, sms, sms_role_arn, sms_external_id,
                                                   email))

    client_name = _client_name(full_name)
    app = None if created else _find_client(lab, pool_id, client_name)
    if app is not None and bool(app.get("ClientSecret")) != generate_secret:
        client.delete_user_pool_client(UserPoolId=pool_id, ClientId=app["ClientId"])
        app = None
    if app is None:
        app = client.create_user_pool_client(
            UserPoolId=pool_id, ClientName=client_name, GenerateSecret=generate_secret,
            **_client_request(flows, session_minutes),
        )["UserPoolClient"]
    elif set(app.get("ExplicitAuthFlows") or []) != set(flows) or app.get("AuthSessionValidity") != session_minutes:
        app = client.update_user_pool_client(
            UserPoolId=pool_id, ClientId=app["ClientId"], ClientName=client_name,
            **_client_request(flows, session_minutes),
        )["UserPoolClient"]
    return TeachingPool(
        pool_id=pool_id,
        client_id=app["ClientId"],
        name=full_name,
        region=lab.region,
        mfa=mfa,
        auth_flows=flows,
        session_minutes=session_minutes,
        remember_devices=remember_devices,
        totp=bool(totp),
        sms=bool(sms),
        run_id=run_id,
        client_secret=app.get("ClientSecret"),
        created=created,
        email=bool(email),
        tier=tier,
        first_factors=first_factors,
        ses_source_arn=(email_configuration or {}).get("SourceArn"),
        email_from=(email_configuration or {}).get("From"),
    )


def _differs(existing: dict[str, Any], settings: dict[str, Any]) -> bool:
    """Whether the described pool differs from the kit's settings in what the kit sets with UpdateUserPool."""
    wanted_devices = settings.get("DeviceConfiguration")
    if (existing.get("DeviceConfiguration") or None) != wanted_devices:
        return True
    if existing.get("UserPoolTier", DEFAULT_TIER) != settings["UserPoolTier"]:
        return True
    sending = existing.get("EmailConfiguration") or {}
    if settings.get("EmailConfiguration") and sending.get("SourceArn") != settings["EmailConfiguration"]["SourceArn"]:
        return True
    factors = (((existing.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors")
               or ["PASSWORD"])
    wanted = ((settings.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors") or ["PASSWORD"]
    return list(factors) != list(wanted)


def configure_pool_mfa(
    lab: Lab,
    pool: TeachingPool,
    *,
    mfa: str | None = None,
    totp: bool | None = None,
    sms: bool | None = None,
    sms_role_arn: str | None = None,
    sms_external_id: str | None = None,
    email: bool | None = None,
    ses_source_arn: str | None = None,
    email_from: str | None = None,
) -> TeachingPool:
    """SetUserPoolMfaConfig: the pool's MFA mode and factors (unchanged where ``None``). Returns the new pool.

    ``email=True`` on a pool that doesn't send with SES yet first gives it an EmailConfiguration (UpdateUserPool,
    with the kit's whole pool configuration)."""
    mfa = check_mfa(mfa if mfa is not None else pool.mfa)
    totp = pool.totp if totp is None else bool(totp)
    sms = pool.sms if sms is None else bool(sms)
    email = pool.email if email is None else bool(email)
    if email and not pool.ses_source_arn:
        config = _email_configuration(lab, ses_source_arn, email_from)
        lab.client.update_user_pool(**_pool_settings(pool, email_configuration=config))
        pool = dataclasses.replace(pool, ses_source_arn=config["SourceArn"], email_from=config.get("From"))
    request = _mfa_request(lab, pool.pool_id, mfa, totp, sms, sms_role_arn, sms_external_id, email)
    lab.client.set_user_pool_mfa_config(**request)
    return dataclasses.replace(pool, mfa=mfa, totp=totp, sms=sms, email=email, created=False)


_MFA_CONFIG_KEYS = ("MfaConfiguration", "SmsMfaConfiguration", "SoftwareTokenMfaConfiguration",
                    "EmailMfaConfiguration", "WebAuthnConfiguration")


def set_plan(lab: Lab, pool: TeachingPool, tier: str) -> TeachingPool:
    """UpdateUserPool with ``UserPoolTier=tier`` (and the kit's whole pool configuration, which UpdateUserPool would
    otherwise reset). Cognito refuses a plan that lacks a feature the pool uses (FeatureUnavailableInTierException:
    ``errors.explain`` says which plan it needs)."""
    tier = check_tier(tier)
    current = lab.client.get_user_pool_mfa_config(UserPoolId=pool.pool_id)
    lab.client.update_user_pool(**_pool_settings(pool, tier=tier))
    # UpdateUserPool may reset the MFA settings it is not given: put back what the pool had.
    kept = {k: v for k, v in current.items() if k in _MFA_CONFIG_KEYS and v}
    lab.client.set_user_pool_mfa_config(UserPoolId=pool.pool_id, **kept)
    return dataclasses.replace(pool, tier=tier, created=False)


def update_client(
    lab: Lab,
    pool: TeachingPool,
    *,
    auth_flows: Sequence[str] | None = None,
    session_minutes: int | None = None,
) -> TeachingPool:
    """UpdateUserPoolClient: the app client's auth flows and AuthSessionValidity (unchanged where ``None``)."""
    flows = _check_flows(auth_flows) if auth_flows is not None else pool.auth_flows
    minutes = check_session_minutes(session_minutes) if session_minutes is not None else pool.session_minutes
    lab.client.update_user_pool_client(
        UserPoolId=pool.pool_id, ClientId=pool.client_id, ClientName=_client_name(pool.name),
        **_client_request(flows, minutes),
    )
    return dataclasses.replace(pool, auth_flows=flows, session_minutes=minutes, created=False)


def find_kit_pools(lab: Lab, run_id: str | None = None) -> list[KitPool]:
    """Pools the kit made: named ``cmk-…`` and tagged ``TAG_KEY`` (with value ``run_id`` when given).

    One ListUserPools listing, then DescribeUserPool for each ``cmk-`` pool (the listing carries no tags): the
    same lookup as ``cognito-mfa-kit cleanup`` (:func:`cognito_mfa_kit.cleanup.find_kit_pools`).
    """
    return cleanup.find_kit_pools(_caller(lab), run_id=run_id)


def delete_teaching_pool(lab: Lab, pool: TeachingPool | KitPool | str) -> None:
    """Delete a kit pool: its domain first (as Cognito requires), then DeleteUserPool (users, clients and devices
    go with it).

    A pool id or :class:`TeachingPool` is described first. Raises ``ValueError`` for a pool the kit did not make
    (or that is gone) and for one with deletion protection on (the message says how to turn it off).
    """
    caller = _caller(lab)
    pool_id = pool if isinstance(pool, str) else pool.pool_id
    kit_pool = pool if isinstance(pool, KitPool) else cleanup.describe_kit_pool(caller, pool_id)
    if kit_pool is None:
        raise ValueError(
            f"pool: {pool_id} is gone, or is not a pool the kit made (named {NAME_PREFIX}… and tagged {TAG_KEY}); "
            "the kit deletes only its own pools."
        )
    if kit_pool.protected:
        raise ValueError(f"pool: {pool_id}: " + cleanup.PROTECTION_HINT.format(id=pool_id))
    cleanup.delete_pool(caller, kit_pool)
