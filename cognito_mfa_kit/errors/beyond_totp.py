"""Catalogue rows for what surrounds TOTP in 2026: feature plans, email MFA, choice-based sign-in, passkeys.

Plain data, so it can move with the rest of the catalogue: each row is the arguments of ``catalogue._r`` — (key,
codes, message pattern or None, title, what happened, why, what to do, reference) — and ``catalogue.CATALOGUE`` puts
these rows before its own (each is either patterned or of a code the main catalogue does not have, so the order
within a code stays most-specific-first). ``EXAMPLES`` gives, per key, a (code, message) that the row explains
(tests use them).
"""

from __future__ import annotations

from .doc_pages import API_PAGE as _API
from .doc_pages import DEV_GUIDE as _DEV

_PLANS = _DEV + "cognito-sign-in-feature-plans.html"
_PASSKEYS = _DEV + "amazon-cognito-user-pools-authentication-flow-methods.html"
_CHOICE = _DEV + "authentication-flows-selection-sdk.html"
_EMAIL = _DEV + "user-pool-settings-mfa-sms-email-message.html"

#: What each plan costs, as the README's cost section says it (list prices; check aws.amazon.com/cognito/pricing).
COSTS = (
    "Cognito bills per monthly active user (MAU): Lite about $0.0055 and Essentials about $0.015 per MAU, each "
    "after a monthly free tier of 10,000 MAUs; Plus about $0.02 per MAU with no free tier (list prices at the time "
    "of writing; see the README's cost section)."
)
_UPGRADE = ("Leave the feature off, or move the pool to a plan that has it: UpdateUserPool(UserPoolTier=...) — in "
            "the kit flows.set_plan(lab, pool, 'ESSENTIALS'). On the sandbox it costs nothing.")

ROWS: tuple[tuple[str, str | tuple[str, ...], str | None, str, str, str, str, str | None], ...] = (
    # ---------------------------------------------------------------- feature plans
    ("feature-tier-email-mfa", "FeatureUnavailableInTierException", r"email",
     "Email MFA needs the Essentials or Plus plan",
     "Cognito refused email MFA (EmailMfaConfiguration or EmailMfaSettings) because the pool is on the Lite plan.",
     "Email MFA (EMAIL_OTP) is an Essentials feature; TOTP and SMS MFA work on every plan. " + COSTS,
     "Use TOTP on a Lite pool, or move the pool to Essentials (the default for new pools) or Plus first. "
     + _UPGRADE, _PLANS),
    ("feature-tier-user-auth", "FeatureUnavailableInTierException", r"USER_AUTH|choice-based|SignInPolicy",
     "Choice-based sign-in needs the Essentials or Plus plan",
     "Cognito refused USER_AUTH (the ALLOW_USER_AUTH app-client flow, a SignInPolicy beyond PASSWORD, or "
     "InitiateAuth with AuthFlow=USER_AUTH) because the pool is on the Lite plan.",
     "Choice-based sign-in (passwordless and passkey first factors, SELECT_CHALLENGE) is an Essentials feature. "
     + COSTS,
     "Sign in with USER_PASSWORD_AUTH or USER_SRP_AUTH on Lite (TOTP works there), or move the pool to Essentials. "
     + _UPGRADE, _PLANS),
    ("feature-tier-passkeys", "FeatureUnavailableInTierException", r"passkey|WebAuthn",
     "Passkeys need the Essentials or Plus plan",
     "Cognito refused the passkey (WebAuthn) settings because the pool is on the Lite plan.",
     "Passkeys, as a first factor or as MFA (FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION), are an "
     "Essentials feature. " + COSTS, _UPGRADE, _PLANS),
    ("feature-tier-managed-login", "FeatureUnavailableInTierException", r"managed login|ManagedLoginVersion",
     "Managed login (version 2) needs the Essentials or Plus plan",
     "Cognito refused a domain with ManagedLoginVersion 2 because the pool is on the Lite plan.",
     "The classic hosted UI (version 1) works on every plan; managed login needs a plan other than Lite. " + COSTS,
     "Create the domain with ManagedLoginVersion=1, or move the pool to Essentials. " + _UPGRADE,
     _API.format("CreateUserPoolDomain")),
    ("feature-tier-threat-protection", "FeatureUnavailableInTierException",
     r"threat protection|AdvancedSecurity|UserPoolAddOns",
     "Threat protection needs the Plus plan",
     "Cognito refused UserPoolAddOns.AdvancedSecurityMode AUDIT or ENFORCED because the pool is not on Plus.",
     "Threat protection (adaptive authentication, compromised-credential checks) is the Plus plan's feature; "
     "AdvancedSecurityMode OFF works everywhere. " + COSTS,
     "Leave AdvancedSecurityMode OFF, or move the pool to Plus (UserPoolTier=PLUS) — mind that Plus has no free "
     "tier on AWS.", _PLANS),
    ("tier-change-not-allowed", "TierChangeNotAllowedException", None,
     "The pool's plan can't be changed now",
     "Cognito refused to change the pool's feature plan (UserPoolTier).",
     "Some plan changes are not permitted, e.g. while the pool uses a feature the new plan lacks.",
     "Turn off the features of the higher plan first (email MFA, passkeys, ALLOW_USER_AUTH, managed login v2, "
     "threat protection), then change the plan.", _PLANS),
    ("add-on-not-enabled", "UserPoolAddOnNotEnabledException", None,
     "Threat protection is not turned on",
     "The call needs the pool's threat protection (e.g. AdminListUserAuthEvents).",
     "Sign-in event history and risk settings exist only with UserPoolAddOns.AdvancedSecurityMode AUDIT or "
     "ENFORCED, a Plus feature.", "Turn threat protection on (Plus plan), or leave this call out.", _PLANS),
    # ---------------------------------------------------------------- email MFA
    ("email-mfa-needs-ses", "InvalidParameterException", r"Amazon SES|EmailSendingAccount",
     "Email MFA needs the pool to send email with Amazon SES",
     "SetUserPoolMfaConfig refused the EmailMfaConfiguration.",
     "Cognito's default email (COGNITO_DEFAULT) can't send MFA codes; email MFA needs EmailConfiguration with "
     "EmailSendingAccount DEVELOPER and a verified SES identity (SourceArn).",
     "Give the pool an EmailConfiguration {EmailSendingAccount: DEVELOPER, SourceArn: <SES identity ARN>, From} "
     "(UpdateUserPool), then set email MFA again. In the kit: create_teaching_pool(..., email=True).", _EMAIL),
    ("email-mfa-no-address", "InvalidParameterException", r"delivery config set to turn on EMAIL_OTP",
     "The user has no email address for email MFA",
     "SetUserMFAPreference / AdminSetUserMFAPreference refused EmailMfaSettings Enabled.",
     "Email MFA sends the code to the user's email attribute, and this user has none.",
     "Set the user's email (AdminUpdateUserAttributes) first, or choose TOTP.", _EMAIL),
    # ---------------------------------------------------------------- choice-based sign-in
    ("user-auth-not-enabled", "InvalidParameterException", r"USER_AUTH flow not enabled",
     "Choice-based sign-in is not allowed for this app client",
     "InitiateAuth with AuthFlow=USER_AUTH was refused.",
     "USER_AUTH needs ALLOW_USER_AUTH in the app client's ExplicitAuthFlows (and the Essentials or Plus plan).",
     "Add ALLOW_USER_AUTH to the client (UpdateUserPoolClient; in the kit update_client(..., auth_flows=[..., "
     "'ALLOW_USER_AUTH'])).", _CHOICE),
    ("select-challenge-answer", "InvalidParameterException", r"AvailableChallenges",
     "That sign-in method was not offered",
     "RespondToAuthChallenge (SELECT_CHALLENGE) refused the ANSWER.",
     "ANSWER must be one of the AvailableChallenges the InitiateAuth answer listed; passwordless factors are not "
     "offered to users who have MFA, and TOTP is never a first factor.",
     "Answer with one of AvailableChallenges (e.g. PASSWORD with the password); the same session can retry.",
     _CHOICE),
    # ---------------------------------------------------------------- passkeys
    ("passkey-mfa-needs-factor", "InvalidParameterException", r"Passkey MFA needs another",
     "Passkey MFA needs another MFA factor",
     "Cognito refused WebAuthnMfaSettings (or turning off the user's last other factor).",
     "A passkey satisfies MFA only when it is the first factor, so the user must keep another factor (SMS, TOTP "
     "or email) for password sign-ins.",
     "Enable TOTP (or email/SMS) MFA for the user first, then passkey MFA.", _API.format("WebAuthnMfaSettingsType")),
    ("passkey-mfa-pool", "InvalidParameterException", r"Passkey MFA needs the user pool",
     "The pool does not let passkeys satisfy MFA",
     "Cognito refused WebAuthnMfaSettings Enabled.",
     "Passkeys count as MFA only when the pool's WebAuthnConfiguration has FactorConfiguration "
     "MULTI_FACTOR_WITH_USER_VERIFICATION (Essentials or Plus).",
     "Set WebAuthnConfiguration FactorConfiguration=MULTI_FACTOR_WITH_USER_VERIFICATION (SetUserPoolMfaConfig).",
     _API.format("WebAuthnConfigurationType")),
    ("webauthn-not-enabled", "WebAuthnNotEnabledException", None,
     "Passkeys are not enabled for the pool",
     "StartWebAuthnRegistration was refused.",
     "The pool does not allow passkeys (WEB_AUTHN is not in its SignInPolicy's AllowedFirstAuthFactors).",
     "Add WEB_AUTHN to Policies.SignInPolicy.AllowedFirstAuthFactors (UpdateUserPool; Essentials or Plus).",
     _PASSKEYS),
    ("webauthn-config-missing", "WebAuthnConfigurationMissingException", None,
     "The pool has no relying party for passkeys",
     "StartWebAuthnRegistration was refused.",
     "A passkey is bound to a relying party (a domain); the pool has neither a WebAuthnConfiguration "
     "RelyingPartyId nor a user pool domain.",
     "Set WebAuthnConfiguration RelyingPartyId (SetUserPoolMfaConfig) or create a user pool domain.", _PASSKEYS),
    ("webauthn-challenge", "WebAuthnChallengeNotFoundException", None,
     "The passkey registration expired or was already completed",
     "CompleteWebAuthnRegistration found no pending registration for this credential.",
     "Each StartWebAuthnRegistration challenge completes one registration, for a few minutes.",
     "Call StartWebAuthnRegistration again and create the passkey with the new options.", _PASSKEYS),
    ("webauthn-client-mismatch", "WebAuthnClientMismatchException", None,
     "Another app client started this registration",
     "CompleteWebAuthnRegistration was refused.",
     "The access token is from a different app client than the one used for StartWebAuthnRegistration.",
     "Complete the registration with a token of the same app client.", _PASSKEYS),
    ("webauthn-origin", "WebAuthnOriginNotAllowedException", None,
     "The passkey was made on a page of another origin",
     "CompleteWebAuthnRegistration refused the credential's origin.",
     "The browser records the page's origin; it must belong to the pool's relying party id.",
     "Register from a page served from the relying party's domain (or set RelyingPartyId to it).", _PASSKEYS),
    ("webauthn-rp-mismatch", "WebAuthnRelyingPartyMismatchException", None,
     "The passkey is for another relying party",
     "CompleteWebAuthnRegistration refused the credential.",
     "The authenticator created the passkey for a different relying party id than the pool's.",
     "Use the CredentialCreationOptions StartWebAuthnRegistration returned, unchanged (rp.id).", _PASSKEYS),
    ("webauthn-not-supported", "WebAuthnCredentialNotSupportedException", None,
     "This passkey can't be used",
     "CompleteWebAuthnRegistration refused the credential.",
     "The authenticator or its attestation is not one Cognito accepts (format, algorithm or data).",
     "Try another authenticator (platform passkey or security key) and register again.", _PASSKEYS),
)

#: key → (code, a message the row explains)
EXAMPLES: dict[str, tuple[str, str]] = {
    "feature-tier-email-mfa": ("FeatureUnavailableInTierException",
                               "Email MFA (EmailMfaConfiguration / EmailMfaSettings) is not available in the LITE "
                               "feature plan; it needs Essentials or Plus."),
    "feature-tier-user-auth": ("FeatureUnavailableInTierException",
                               "Choice-based sign-in (USER_AUTH / ALLOW_USER_AUTH / SignInPolicy) is not available"),
    "feature-tier-passkeys": ("FeatureUnavailableInTierException", "Passkeys (WebAuthnConfiguration) is not available"),
    "feature-tier-managed-login": ("FeatureUnavailableInTierException",
                                   "Managed login (ManagedLoginVersion 2) is not available"),
    "feature-tier-threat-protection": ("FeatureUnavailableInTierException",
                                       "Threat protection (UserPoolAddOns.AdvancedSecurityMode) is not available"),
    "tier-change-not-allowed": ("TierChangeNotAllowedException", ""),
    "add-on-not-enabled": ("UserPoolAddOnNotEnabledException", ""),
    "email-mfa-needs-ses": ("InvalidParameterException",
                            "Email MFA requires the user pool to send email with Amazon SES: set EmailConfiguration "
                            "EmailSendingAccount to DEVELOPER with a SourceArn."),
    "email-mfa-no-address": ("InvalidParameterException",
                             "User does not have delivery config set to turn on EMAIL_OTP"),
    "user-auth-not-enabled": ("InvalidParameterException", "USER_AUTH flow not enabled for this client"),
    "select-challenge-answer": ("InvalidParameterException",
                                "Invalid ANSWER: 'EMAIL_OTP' is not one of the AvailableChallenges (PASSWORD)"),
    "passkey-mfa-needs-factor": ("InvalidParameterException",
                                 "Passkey MFA needs another MFA factor (SMS, TOTP or email) that stays enabled"),
    "passkey-mfa-pool": ("InvalidParameterException",
                         "Passkey MFA needs the user pool's WebAuthnConfiguration FactorConfiguration "
                         "MULTI_FACTOR_WITH_USER_VERIFICATION"),
    "webauthn-not-enabled": ("WebAuthnNotEnabledException", ""),
    "webauthn-config-missing": ("WebAuthnConfigurationMissingException", ""),
    "webauthn-challenge": ("WebAuthnChallengeNotFoundException", ""),
    "webauthn-client-mismatch": ("WebAuthnClientMismatchException", ""),
    "webauthn-origin": ("WebAuthnOriginNotAllowedException", ""),
    "webauthn-rp-mismatch": ("WebAuthnRelyingPartyMismatchException", ""),
    "webauthn-not-supported": ("WebAuthnCredentialNotSupportedException", ""),
}
