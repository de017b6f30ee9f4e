"""Feature plans (``UserPoolTier``): what Lite, Essentials and Plus allow that touches MFA.

Rules (reference §1.e, §9; service model):
- ``UserPoolTier`` is ``LITE | ESSENTIALS | PLUS``; a new pool is ESSENTIALS ("Defaults to ESSENTIALS",
  CreateUserPoolRequest.UserPoolTier). The tier lives in the pool's ``extended_config`` (so DescribeUserPool shows it
  and the store keeps it with the pool's row).
- TOTP and SMS MFA work on every plan; email MFA (``EmailMfaConfiguration``, ``EmailMfaSettings``), choice-based
  sign-in (``ALLOW_USER_AUTH``, ``AuthFlow=USER_AUTH``, ``SignInPolicy``), passkeys (``WebAuthnConfiguration``,
  including ``FactorConfiguration``) and managed login v2 (``ManagedLoginVersion=2``) need Essentials or Plus
  ("To activate this setting, your user pool must be in the Essentials tier or higher": EmailMfaConfigType,
  AuthFlow USER_AUTH, SignInPolicyType, ExplicitAuthFlows ALLOW_USER_AUTH, WebAuthnConfigurationType
  FactorConfiguration; CreateUserPoolDomain.ManagedLoginVersion "any feature plan other than Lite");
  threat protection (``UserPoolAddOns.AdvancedSecurityMode`` AUDIT/ENFORCED) needs Plus (UserPoolAddOnsType:
  "your user pool must be on the Plus tier").
- A refused feature raises ``FeatureUnavailableInTierException`` (in the error lists of CreateUserPool, UpdateUserPool,
  SetUserPoolMfaConfig, InitiateAuth). Its message names the feature and the plan it needs [UNVERIFIED wording].
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException
from moto.core.exceptions import JsonRESTError

LITE, ESSENTIALS, PLUS = "LITE", "ESSENTIALS", "PLUS"
TIERS = (LITE, ESSENTIALS, PLUS)
DEFAULT_TIER = ESSENTIALS

#: feature → (the lowest plan that has it, how the message names it)
FEATURES: dict[str, tuple[str, str]] = {
    "email_mfa": (ESSENTIALS, "Email MFA (EmailMfaConfiguration / EmailMfaSettings)"),
    "user_auth": (ESSENTIALS, "Choice-based sign-in (USER_AUTH / ALLOW_USER_AUTH / SignInPolicy)"),
    "passkeys": (ESSENTIALS, "Passkeys (WebAuthnConfiguration)"),
    "managed_login_v2": (ESSENTIALS, "Managed login (ManagedLoginVersion 2)"),
    "threat_protection": (PLUS, "Threat protection (UserPoolAddOns.AdvancedSecurityMode)"),
}


class FeatureUnavailableInTierException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("FeatureUnavailableInTierException", message)


def tier_of(config: dict[str, Any] | None) -> str:
    """The plan a pool's extended config names (ESSENTIALS when it names none)."""
    return str((config or {}).get("UserPoolTier") or DEFAULT_TIER)


def allows(tier: str, feature: str) -> bool:
    """Whether plan ``tier`` has ``feature`` (a key of :data:`FEATURES`)."""
    needed = FEATURES[feature][0]
    return TIERS.index(tier) >= TIERS.index(needed)


def require(tier: str, feature: str) -> None:
    """Raise FeatureUnavailableInTierException unless plan ``tier`` has ``feature``."""
    if not allows(tier, feature):
        needed, name = FEATURES[feature]
        plans = "Essentials or Plus" if needed == ESSENTIALS else "Plus"
        # [UNVERIFIED] wording: the exception and its meaning are in the service model, the text is the sandbox's.
        raise FeatureUnavailableInTierException(
            f"{name} is not available in the {tier} feature plan; it needs {plans}."
        )


def check_tier_value(config: dict[str, Any]) -> None:
    """A raw request may carry any string: only the model's three plans are accepted."""
    value = config.get("UserPoolTier")
    if value is not None and value not in TIERS:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{value}' at 'userPoolTier' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(TIERS)}]"
        )


def pool_features(config: dict[str, Any]) -> list[str]:
    """The plan-limited features a pool's own settings (CreateUserPool / UpdateUserPool) turn on."""
    used = []
    add_ons = config.get("UserPoolAddOns") or {}
    if add_ons.get("AdvancedSecurityMode") in ("AUDIT", "ENFORCED"):
        used.append("threat_protection")
    factors = ((config.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors")
    if factors and set(factors) != {"PASSWORD"}:
        # [UNVERIFIED] a sign-in policy allowing only PASSWORD (every pool's default) is accepted on Lite.
        used.append("user_auth")
    return used


def check_pool(config: dict[str, Any]) -> None:
    """CreateUserPool / UpdateUserPool: the tier is a known plan and the pool's settings fit it."""
    check_tier_value(config)
    tier = tier_of(config)
    for feature in pool_features(config):
        require(tier, feature)


def check_client(tier: str, config: dict[str, Any]) -> None:
    """CreateUserPoolClient / UpdateUserPoolClient: ALLOW_USER_AUTH needs Essentials or Plus."""
    if "ALLOW_USER_AUTH" in (config.get("ExplicitAuthFlows") or []):
        require(tier, "user_auth")


def check_downgrade(tier: str, *, email_mfa: bool, passkeys: bool, user_auth_clients: bool,
                    managed_login_v2: bool) -> None:
    """UpdateUserPool to a lower plan while the pool still uses what only the higher one has: refused, naming the
    feature [UNVERIFIED: Cognito's choice between this and TierChangeNotAllowedException is undocumented]."""
    for feature, in_use in (("email_mfa", email_mfa), ("passkeys", passkeys), ("user_auth", user_auth_clients),
                            ("managed_login_v2", managed_login_v2)):
        if in_use:
            require(tier, feature)
