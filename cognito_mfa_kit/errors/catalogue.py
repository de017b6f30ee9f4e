"""The error catalogue: one row per situation a trainee meets, in plain words (data only).

Each :class:`Rule` names the error code(s) it explains and, where Cognito uses one exception for several situations,
the message pattern or the operations that tell them apart; then the title, what happened, why, what to do, and a
documentation page. :func:`cognito_mfa_kit.errors.explain` picks the first row that matches, so within a code the
specific rows come before the code's generic one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import beyond_totp as _beyond_totp
from .doc_pages import API_PAGE
from .doc_pages import DEV_GUIDE as _DEV

__all__ = ["API_PAGE", "CATALOGUE", "GENERIC", "SKEW", "Rule"]

_TOTP_DOC = _DEV + "user-pool-settings-mfa-totp.html"
_MFA_DOC = _DEV + "user-pool-settings-mfa.html"
_FLOW_DOC = _DEV + "amazon-cognito-user-pools-authentication-flow.html"
_CLIENT_DOC = _DEV + "user-pool-settings-client-apps.html"
_QUOTA_DOC = _DEV + "quotas.html"
_TIER_DOC = _DEV + "cognito-sign-in-feature-plans.html"
_SMS_DOC = _DEV + "user-pool-sms-settings.html"
_REVOKE_DOC = _DEV + "token-revocation.html"
_BOTO = "https://boto3.amazonaws.com/v1/documentation/api/latest/guide/"
_RETRY_DOC = _BOTO + "retries.html"
_CRED_DOC = _BOTO + "credentials.html"

SKEW = (
    "Cognito's TOTP uses 30-second steps and accepts the code of the current step or one step "
    "either side (about ±30 s), so a phone or computer clock that is more than ~30 s off gives "
    "codes Cognito rejects."
)
_RETRY_MODES = (
    "boto3's default 'legacy' retry mode does not retry Cognito's TooManyRequestsException "
    "(it arrives as HTTP 400); the 'standard' and 'adaptive' modes do, with exponential backoff: "
    "Config(retries={'mode': 'standard', 'max_attempts': 5}) or AWS_RETRY_MODE=standard."
)


@dataclass(frozen=True)
class Rule:
    """One catalogue row: which error it explains, and the explanation.

    ``codes`` must hold the error's code. Then, when ``pattern`` (a regex searched in the message, case-insensitive)
    and/or ``operations`` (the API operations the row is about) are given, the row matches if either does: Cognito
    uses one exception for several situations, and its message or the call that failed tells them apart (a
    ``ResourceNotFoundException`` from ``DescribeIdentityProvider`` is about an identity provider, not a pool).
    """

    key: str
    codes: tuple[str, ...]
    pattern: str | None
    title: str
    what_happened: str
    why: str
    what_to_do: str
    reference: str | None = None
    operations: tuple[str, ...] = ()

    def matches(self, code: str, message: str, operation: str | None = None) -> bool:
        """True when this row explains ``code`` with ``message``, raised by ``operation`` (if known)."""
        if code not in self.codes:
            return False
        if self.pattern is None and not self.operations:
            return True
        if self.operations and operation in self.operations:
            return True
        return self.pattern is not None and re.search(self.pattern, message, re.IGNORECASE) is not None


def _r(key: str, codes: str | tuple[str, ...], pattern: str | None, title: str, what: str,
       why: str, todo: str, ref: str | None = None, *, operations: tuple[str, ...] = ()) -> Rule:
    return Rule(key, (codes,) if isinstance(codes, str) else codes, pattern, title, what, why, todo,
                ref, operations)


_THROTTLE_CODES = (
    "TooManyRequestsException", "Throttling", "ThrottlingException", "ThrottledException",
    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException",
    "SlowDown", "ProvisionedThroughputExceededException",
)

# Order matters: within a code, specific message patterns come before the code's generic row. The rows of
# ``beyond_totp`` (plans, email MFA, USER_AUTH, passkeys: each patterned or of a code of its own) come first.
CATALOGUE: tuple[Rule, ...] = (
    *(_r(*row) for row in _beyond_totp.ROWS),
    # ---------------------------------------------------------------- TOTP codes
    _r("totp-verify-mismatch", "EnableSoftwareTokenMFAException", None,
       "Wrong code while registering the authenticator",
       "VerifySoftwareToken rejected the 6-digit code, so the authenticator was not registered.",
       "The code did not match the secret Cognito gave at AssociateSoftwareToken: the app was "
       "set up from another (older) secret or QR code, the code was typed wrong, or the clock is "
       "off. " + SKEW,
       "Type the code currently shown (wait for a fresh one if it is about to change) and try "
       "again: the same session or access token can be retried. If it keeps failing, check the "
       "device's clock is set automatically, or start again with AssociateSoftwareToken and "
       "scan the new QR code.", _TOTP_DOC),
    _r("totp-signin-mismatch", "CodeMismatchException", r"Invalid code received for user",
       "Wrong authenticator code at sign-in",
       "RespondToAuthChallenge (SOFTWARE_TOKEN_MFA) rejected the 6-digit code.",
       "The code does not match the user's registered authenticator: a typo, an entry for another "
       "account or pool in the app, or a clock that is off. " + SKEW,
       "Enter the code the app shows now for this account, with the same session (it stays "
       "valid until it expires). Check the app entry's name/issuer and the device clock.",
       _TOTP_DOC),
    _r("sms-email-mismatch", "CodeMismatchException", r"Invalid code or auth state",
       "Wrong SMS or email code",
       "Cognito rejected the code sent by SMS or email (SMS_MFA / EMAIL_OTP challenge).",
       "The code is wrong or belongs to an earlier message, or the session no longer matches the "
       "challenge. These codes are not time-stepped like TOTP; they stay valid for the app "
       "client's AuthSessionValidity (3-15 minutes).",
       "Use the latest code received, with the session from the same challenge. If the session "
       "has expired, sign in again to get a new code.", _MFA_DOC),
    _r("code-mismatch", "CodeMismatchException", None,
       "Wrong code",
       "Cognito rejected the code it was given.",
       "The code does not match what Cognito expected. For authenticator codes: " + SKEW,
       "Check the code and try again with a fresh one.", _MFA_DOC),
    _r("totp-code-reused", "ExpiredCodeException", r"already been used",
       "Code already used",
       "Cognito refused a TOTP code that was already accepted once.",
       "Each TOTP code is single-use: after VerifySoftwareToken or a sign-in consumed it, the same "
       "code is refused in its 30-second step (and the ±30 s window around it). This often "
       "happens when signing in right after registering the authenticator.",
       "Wait for the app to show the next code (up to 30 s) and use that one.", _TOTP_DOC),
    _r("code-expired", "ExpiredCodeException", None,
       "Code expired",
       "The code was valid once but is too old now.",
       "Confirmation and reset codes expire (confirmation codes after 24 h, MFA codes with the "
       "session); a TOTP code belongs to its 30-second step.",
       "Ask for a new code (or use the authenticator's current one) and try again.", _MFA_DOC),
    # ---------------------------------------------------------------- NotAuthorized
    _r("session-expired", "NotAuthorizedException", r"session is expired",
       "Sign-in session expired",
       "The Session string sent with the challenge answer is too old.",
       "A sign-in session lasts the app client's AuthSessionValidity: 3 minutes by default, at "
       "most 15. Installing an authenticator app and scanning the QR code often takes longer.",
       "Start the sign-in again (InitiateAuth) for a fresh session. To give people more time, "
       "raise AuthSessionValidity on the app client (up to 15 minutes).", _CLIENT_DOC),
    _r("session-used", "NotAuthorizedException", r"session can only be used once",
       "Session already used",
       "The Session string was sent a second time after Cognito had already accepted it.",
       "Every step of a challenge returns a new Session, and each can be used only once. Reusing "
       "the session from an earlier step (e.g. from InitiateAuth instead of from "
       "VerifySoftwareToken) causes this.",
       "Always send the Session from the latest response. If it is lost, start the sign-in again.",
       _FLOW_DOC),
    _r("session-wrong", "NotAuthorizedException", r"Invalid session",
       "Session does not fit this step",
       "Cognito did not accept the Session for this call.",
       "The session belongs to another user, another flow or another challenge (e.g. a session "
       "from an SMS_MFA challenge given to AssociateSoftwareToken, which needs one from "
       "MFA_SETUP), or it was altered.",
       "Pass the Session returned by the previous step of this same flow, for the same user. "
       "If in doubt, start the sign-in again.", _FLOW_DOC),
    _r("password-attempts-exceeded", "NotAuthorizedException", r"Password attempts exceeded",
       "Too many wrong passwords: temporary lockout",
       "Cognito is refusing sign-ins for this user for a while.",
       "After five failed sign-ins Cognito locks the user out for 1 s, doubling with each further "
       "failure up to about 15 minutes; the count resets after 15 minutes without attempts.",
       "Wait, then sign in with the right password. Reset the password if it is forgotten.",
       _FLOW_DOC),
    _r("incorrect-password", "NotAuthorizedException", r"Incorrect username or password",
       "Wrong username or password",
       "Cognito did not accept the username/password pair.",
       "The password is wrong, or (with user existence errors prevented) the user does not exist: "
       "Cognito deliberately gives the same message for both.",
       "Check the username and password. Repeated failures lead to a temporary lockout.",
       _FLOW_DOC),
    _r("access-token-revoked", "NotAuthorizedException", r"Access Token has been revoked",
       "Access token revoked",
       "The access token was valid once but has been revoked.",
       "GlobalSignOut, AdminUserGlobalSignOut or RevokeToken invalidated it (or a user was "
       "signed out everywhere).",
       "Sign in again to get new tokens.", _REVOKE_DOC),
    _r("access-token-scope", "NotAuthorizedException", r"does not have required scopes",
       "Access token lacks the aws.cognito.signin.user.admin scope",
       "The access token is valid, but it may not be used for the user's own calls (GetUser, "
       "AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference ...).",
       "It came from the hosted UI (managed login) with a scope that did not include "
       "aws.cognito.signin.user.admin: tokens carry exactly the scopes asked for. The most common "
       "'works in my test, fails in my app' report (amplify-js#1906, #13119).",
       "Ask for the scope in the sign-in URL (scope=openid email aws.cognito.signin.user.admin) and allow it in "
       "the app client's AllowedOAuthScopes; then sign in again (a refresh keeps the old scopes).",
       _DEV + "authorization-endpoint.html"),
    _r("federated-user-api", "NotAuthorizedException", r"not authorized to get auth details",
       "A federated user can't sign in with the API",
       "InitiateAuth / AdminInitiateAuth refused a user of an external identity provider.",
       "Users of an identity provider (UserStatus EXTERNAL_PROVIDER) have no password in the pool: they sign in "
       "only through managed login (the hosted UI), which sends them to their IdP.",
       "Send the user to /oauth2/authorize with identity_provider=<the IdP's name>.",
       _DEV + "cognito-user-pools-identity-federation.html"),
    _r("access-token-invalid", "NotAuthorizedException",
       r"Invalid Access Token|Access Token has expired|access token",
       "Access token invalid or expired",
       "The AccessToken sent is not one Cognito accepts.",
       "It expired (default lifetime 1 hour), comes from another user pool, is not an access "
       "token at all (an ID token or a Session string passed as AccessToken is a common slip), "
       "or lacks the aws.cognito.signin.user.admin scope.",
       "Pass AuthenticationResult.AccessToken from a recent sign-in; refresh it with the refresh "
       "token or sign in again. In MFA_SETUP during sign-in, use Session instead of AccessToken.",
       API_PAGE.format("AssociateSoftwareToken")),
    _r("user-disabled", "NotAuthorizedException", r"User is disabled",
       "User disabled",
       "Cognito refuses to sign this user in.",
       "An administrator disabled the user (AdminDisableUser).",
       "Ask an administrator to enable the user (AdminEnableUser).",
       API_PAGE.format("AdminEnableUser")),
    _r("secret-hash", "NotAuthorizedException",
       r"secret hash|configured for secret|SECRET_HASH",
       "Client secret hash missing or wrong",
       "The app client has a client secret, and the request's SECRET_HASH is missing or wrong.",
       "Clients with a secret need SECRET_HASH = Base64(HMAC-SHA256(client secret, username + "
       "client id)) in every auth request, computed from the exact USERNAME sent.",
       "Compute and send SECRET_HASH, or use an app client without a secret for this course.",
       _CLIENT_DOC),
    _r("not-authorized", "NotAuthorizedException", None,
       "Not authorised",
       "Cognito refused the request as not authorised.",
       "Credentials, tokens or sessions in the request are not accepted for this operation.",
       "Read the message: it says which part was refused. Sign in again if in doubt.", _FLOW_DOC),
    # ---------------------------------------------------------------- InvalidParameter
    _r("malformed-user-code", "InvalidParameterException", r"userCode|user code",
       "The code is not 6 digits",
       "Cognito rejected the UserCode before checking it against the secret.",
       "A TOTP code is exactly 6 digits (0-9); this one had other characters or another length.",
       "Send the 6 digits the app shows, without spaces or dashes.",
       API_PAGE.format("VerifySoftwareToken")),
    _r("totp-not-verified", "InvalidParameterException",
       r"not set up software token|delivery config set to turn on SOFTWARE_TOKEN_MFA",
       "Authenticator not registered yet",
       "Turning on TOTP MFA for the user was refused.",
       "SetUserMFAPreference can enable SOFTWARE_TOKEN_MFA only after the authenticator is "
       "registered: AssociateSoftwareToken, then VerifySoftwareToken with a correct code.",
       "Run AssociateSoftwareToken and VerifySoftwareToken (status SUCCESS) first, then set the "
       "preference.", _TOTP_DOC),
    _r("missing-session", "InvalidParameterException", r"Missing required parameter Session",
       "Session missing",
       "The challenge answer was sent without the Session.",
       "Each challenge response must carry the Session returned by the step before it.",
       "Pass Session=<the Session from the previous response>.", _FLOW_DOC),
    _r("cannot-disable-all-mfa", "InvalidParameterException", r"can't disable all MFAs",
       "No MFA factor left",
       "The pool MFA configuration was refused.",
       "With MFA ON or OPTIONAL at least one factor (TOTP, SMS or email) must stay enabled.",
       "Enable a factor (e.g. SoftwareTokenMfaConfiguration={'Enabled': True}) or set MFA OFF.",
       API_PAGE.format("SetUserPoolMfaConfig")),
    _r("sms-config-required", "InvalidParameterException",
       r"SMS configuration and Auto verification",
       "SMS configuration required",
       "Creating the user pool with MFA ON/OPTIONAL was refused.",
       "CreateUserPool only configures SMS MFA; with MFA ON or OPTIONAL it needs SmsConfiguration "
       "(an SNS role) and phone_number auto-verification. This catches TOTP-only setups.",
       "Create the pool with MFA OFF, then call SetUserPoolMfaConfig with "
       "SoftwareTokenMfaConfiguration={'Enabled': True} and MfaConfiguration='ON' or 'OPTIONAL'.",
       API_PAGE.format("CreateUserPool")),
    _r("auth-flow-not-enabled", "InvalidParameterException",
       r"flow not enabled|flow is not enabled|not enabled for this client",
       "Sign-in flow not allowed for this app client",
       "The sign-in (InitiateAuth or AdminInitiateAuth) was refused for the chosen AuthFlow.",
       "Each app client lists its allowed flows (ExplicitAuthFlows, e.g. ALLOW_USER_PASSWORD_AUTH, "
       "ALLOW_USER_SRP_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH).",
       "Add the flow to the client's ExplicitAuthFlows (UpdateUserPoolClient) or use an allowed "
       "flow.", _CLIENT_DOC),
    _r("domain-taken", "InvalidParameterException", r"associated with another user pool|already has a domain",
       "Domain taken",
       "CreateUserPoolDomain refused the prefix.",
       "A prefix domain names one user pool in the region (whatever the account), and a pool has at most one.",
       "Pick another prefix (the kit uses cmk-<pool id>), or reuse the pool's domain (DescribeUserPool → Domain).",
       _DEV + "cognito-user-pools-assign-domain-prefix.html"),
    _r("domain-reserved-word", "InvalidParameterException", r"reserved word",
       "Domain prefix holds a reserved word",
       "CreateUserPoolDomain refused the prefix.",
       "A prefix can't contain aws, amazon or cognito.",
       "Choose a prefix without those words: lower-case letters, digits and hyphens.",
       _DEV + "cognito-user-pools-assign-domain-prefix.html"),
    _r("domain-first", "InvalidParameterException", r"domain configured that should be deleted first",
       "Delete the domain first",
       "DeleteUserPool refused: the pool still has a domain.",
       "A user pool with a domain can't be deleted.",
       "DeleteUserPoolDomain(Domain=..., UserPoolId=...) first (cognito-mfa-kit cleanup does it for you).",
       API_PAGE.format("DeleteUserPoolDomain")),
    _r("invalid-parameter", "InvalidParameterException", None,
       "Invalid parameter",
       "Cognito rejected a parameter of the request.",
       "A value is missing, malformed or not allowed in this state; the message says which.",
       "Read the message, fix the named parameter and retry.", None),
    # ---------------------------------------------------------------- TOTP setup state
    _r("totp-not-enabled-pool", "SoftwareTokenMFANotFoundException", r"userPool|user pool",
       "TOTP not enabled on the user pool",
       "The authenticator (software token) step was refused.",
       "The user pool does not have TOTP MFA turned on.",
       "Call SetUserPoolMfaConfig with SoftwareTokenMfaConfiguration={'Enabled': True}.",
       _TOTP_DOC),
    _r("totp-not-found-user", "SoftwareTokenMFANotFoundException", r"for the user",
       "User has no authenticator",
       "Cognito asked for or checked a TOTP code, but the user has no registered authenticator.",
       "The user never completed VerifySoftwareToken, or the registration was removed.",
       "Register one: AssociateSoftwareToken, then VerifySoftwareToken, then "
       "SetUserMFAPreference.", _TOTP_DOC),
    _r("totp-not-found", "SoftwareTokenMFANotFoundException", None,
       "No software token",
       "The software-token (TOTP) feature was not found for this pool or user.",
       "Either the pool does not enable TOTP MFA or the user has not registered an authenticator.",
       "Enable TOTP on the pool (SetUserPoolMfaConfig) and register the user's authenticator.",
       _TOTP_DOC),
    # ---------------------------------------------------------------- limits, tiers
    _r("attempt-limit", "LimitExceededException", r"Attempt limit exceeded",
       "Too many attempts for this user",
       "Cognito stopped accepting attempts of this kind for the user for a while.",
       "Per-user limits guard codes and passwords against guessing (e.g. ChangePassword, "
       "confirmation codes). Retrying immediately only extends the wait; boto3's standard retry "
       "mode retries LimitExceededException too, which burns attempts.",
       "Wait several minutes before trying again.", _QUOTA_DOC),
    _r("limit-exceeded", "LimitExceededException", None,
       "Limit exceeded",
       "A Cognito limit was reached.",
       "Either a per-user attempt limit or a resource quota (e.g. number of pools or clients).",
       "Wait and retry, or clean up unused resources; see the quotas page.", _QUOTA_DOC),
    _r("throttled", _THROTTLE_CODES, None,
       "Too many requests (throttled)",
       "Cognito (or AWS) refused the call because requests came too fast.",
       "Each category of Cognito operations has a per-account request rate (e.g. user "
       "authentication 120/s, user updates 25/s, pool updates 15/s), plus per-user limits. "
       + _RETRY_MODES,
       "Slow down, retry with exponential backoff, or enable boto3's 'standard' retry mode. "
       "For classrooms, create users in batches.", _RETRY_DOC),
    _r("feature-tier", "FeatureUnavailableInTierException", None,
       "Feature needs a higher pricing tier",
       "Cognito refused a feature the user pool's feature plan does not include.",
       "Pools are Lite, Essentials (default) or Plus. TOTP and SMS MFA work in every tier; email "
       "MFA, choice-based sign-in, passkeys and managed login need Essentials or higher; threat protection Plus. "
       + _beyond_totp.COSTS,
       "Leave the feature off, or change the pool's UserPoolTier (flows.set_plan).", _TIER_DOC),
    # ---------------------------------------------------------------- not found / state
    _r("duplicate-provider", "DuplicateProviderException", None,
       "Identity provider already there",
       "CreateIdentityProvider refused: the pool has a provider of that name.",
       "Provider names are unique in a user pool.",
       "Use the existing one (DescribeIdentityProvider), or delete it first.",
       API_PAGE.format("CreateIdentityProvider")),
    _r("oauth-invalid-grant", "invalid_grant", None,
       "Authorization code (or refresh token) not accepted",
       "The token endpoint refused the code or the refresh token.",
       "A code is single use and lives five minutes; it is spent by the first token request that presents it "
       "(even a failed one). It must come with the redirect_uri of its sign-in and, with PKCE, the code_verifier "
       "whose SHA-256 was the code_challenge. A refresh token may have been revoked (GlobalSignOut, RevokeToken).",
       "Sign in again for a new code, exchange it at once, with the same redirect_uri and the sign-in's "
       "code_verifier.", _DEV + "token-endpoint.html"),
    _r("oauth-invalid-client", "invalid_client", None,
       "App client authentication failed",
       "The token endpoint could not authenticate the app client.",
       "An app client with a secret must send it: Authorization: Basic base64(client_id:client_secret), or "
       "client_secret in the form; a public client sends only client_id.",
       "Check the client id and secret (DescribeUserPoolClient shows the secret).", _DEV + "token-endpoint.html"),
    _r("oauth-invalid-scope", "invalid_scope", None,
       "Scope not allowed",
       "The sign-in asked for a scope the app client does not allow.",
       "Each scope must be among the client's AllowedOAuthScopes; email, phone and profile need openid too.",
       "Ask only for allowed scopes, or add the scope to AllowedOAuthScopes (UpdateUserPoolClient).",
       _DEV + "authorization-endpoint.html"),
    _r("oauth-unauthorized-client", "unauthorized_client", None,
       "App client not enabled for this OAuth flow",
       "The app client may not use the authorization-code grant.",
       "Managed login needs AllowedOAuthFlowsUserPoolClient=true and 'code' in AllowedOAuthFlows.",
       "Update the app client (UpdateUserPoolClient: pass its whole configuration, omitted fields reset).",
       _DEV + "user-pool-settings-client-apps.html"),
    _r("oauth-invalid-request", ("invalid_request", "unsupported_grant_type", "unsupported_response_type"), None,
       "OAuth request malformed",
       "The endpoint refused the request's parameters.",
       "A parameter is missing or not supported: response_type=code, client_id, redirect_uri, "
       "code_challenge_method=S256 (the only one), grant_type=authorization_code or refresh_token, code_verifier "
       "when a challenge was sent.",
       "Compare the request with the endpoint's documentation.", _DEV + "authorization-endpoint.html"),
    _r("oauth-invalid-token", "invalid_token", None,
       "Access token refused by userInfo",
       "/oauth2/userInfo refused the access token.",
       "It needs an access token from the token endpoint carrying the openid scope (tokens from InitiateAuth carry "
       "none), not expired nor revoked.",
       "Sign in through the hosted UI with scope=openid (plus email/profile/phone as needed).",
       _DEV + "userinfo-endpoint.html"),
    _r("device-not-found", "ResourceNotFoundException", r"Device does not exist",
       "Remembered device unknown",
       "Cognito does not know the DEVICE_KEY sent.",
       "The device was forgotten, belongs to another user or pool, or was never confirmed.",
       "Drop the stored device key and sign in again without it (then confirm the device anew).",
       _DEV + "amazon-cognito-user-pools-device-tracking.html"),
    # [UNVERIFIED] Cognito's wording for a missing identity provider is not documented; the operation decides.
    _r("identity-provider-not-found", "ResourceNotFoundException",
       r"identity provider|IdentityProvider|provider\b.*\b(does not|doesn't) exist",
       "Identity provider not found",
       "Cognito has no identity provider of that name in this user pool.",
       "The ProviderName is not one of the pool's identity providers: it was never created "
       "(CreateIdentityProvider), was deleted, or is spelt differently (names are case-sensitive).",
       "List the pool's providers (ListIdentityProviders) and use one of their names, or create the "
       "provider first.", API_PAGE.format("DescribeIdentityProvider"),
       operations=("DescribeIdentityProvider", "UpdateIdentityProvider", "DeleteIdentityProvider",
                   "GetIdentityProviderByIdentifier")),
    _r("resource-not-found", "ResourceNotFoundException", None,
       "User pool or app client not found",
       "Cognito could not find the user pool, app client or other resource named in the call.",
       "The id is wrong, the resource was deleted, or the call went to another region or target "
       "(e.g. a sandbox id sent to AWS, or the sandbox restarted without its state).",
       "Check the UserPoolId / ClientId and the region or endpoint the client uses.", None),
    _r("user-not-found", "UserNotFoundException", None,
       "User not found",
       "No user with that username exists in this user pool.",
       "A typo, another pool, or the user was deleted. (Pools that prevent user-existence errors "
       "answer 'Incorrect username or password' instead.)",
       "Check the username and pool, or create the user first.", None),
    _r("user-not-confirmed", "UserNotConfirmedException", None,
       "User not confirmed",
       "The user signed up but has not confirmed the account.",
       "Self-registered users must confirm with the emailed/SMS code before signing in.",
       "Confirm with ConfirmSignUp (the code) or, as an admin, AdminConfirmSignUp.",
       API_PAGE.format("ConfirmSignUp")),
    _r("password-reset-required", "PasswordResetRequiredException", None,
       "Password reset required",
       "The user must reset the password before signing in.",
       "An administrator reset it (AdminResetUserPassword) or the user was imported.",
       "Run ForgotPassword, then ConfirmForgotPassword with the code and a new password.",
       API_PAGE.format("ForgotPassword")),
    _r("sms-role", ("InvalidSmsRoleAccessPolicyException",
                    "InvalidSmsRoleTrustRelationshipException"), None,
       "SMS role not usable",
       "Cognito cannot use the IAM role given for sending SMS.",
       "The role's policy does not allow sns:Publish, or its trust policy does not let Cognito "
       "assume it with the given ExternalId.",
       "Fix the role (trust cognito-idp.amazonaws.com with the ExternalId; allow sns:Publish), "
       "or use TOTP only, which needs no SMS role.", _SMS_DOC),
    _r("invalid-password", "InvalidPasswordException", None,
       "Password does not meet the policy",
       "The new password was refused.",
       "The pool's password policy (length, character classes, reuse) rejects it.",
       "Choose a longer password with upper/lower case letters, digits and symbols.", None),
    _r("username-exists", "UsernameExistsException", None,
       "Username already taken",
       "A user with that name already exists in the pool.",
       "Usernames (and aliases such as email) are unique within a pool.",
       "Use another username, or delete the existing user if it is a leftover from a lab.", None),
    _r("pool-config", "InvalidUserPoolConfigurationException", None,
       "User pool configuration does not allow this",
       "Cognito refused the call because of how the pool is configured.",
       "A setting the operation needs (e.g. an MFA factor, SMS or email sending) is missing.",
       "Read the message and fix the pool's configuration.", _MFA_DOC),
    _r("forbidden", "ForbiddenException", None,
       "Blocked by AWS WAF",
       "A web ACL attached to the user pool blocked the request.",
       "AWS WAF rules (rate, CAPTCHA, IP) apply to the pool's endpoints.",
       "Check the web ACL associated with the pool.", None),
    _r("concurrent-modification", "ConcurrentModificationException", None,
       "Changed at the same time elsewhere",
       "Another request changed the same resource at the same moment.",
       "Two calls raced, e.g. two AssociateSoftwareToken calls for one user.",
       "Retry once the other call has finished.", None),
    _r("internal-error", ("InternalErrorException", "InternalFailure", "ServiceUnavailable"), None,
       "Service-side error",
       "Cognito failed internally (or the sandbox hit a bug).",
       "Not caused by the request itself.",
       "Retry after a moment; if it repeats in the sandbox, report it with the journal entry.",
       None),
    _r("aws-credentials-rejected",
       ("UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException",
        "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken"), None,
       "AWS credentials rejected",
       "AWS did not accept the access key, signature or session token of the request.",
       "The keys are wrong or deleted, the temporary session token expired, or the computer's "
       "clock is far off (signatures are valid for 15 minutes).",
       "Refresh the credentials (e.g. aws sso login / a new session) and check the system clock.",
       _CRED_DOC),
    _r("access-denied", ("AccessDeniedException", "AccessDenied"), None,
       "Not allowed by IAM",
       "Your AWS identity is not allowed to call this Cognito operation.",
       "IAM policies must allow cognito-idp:<Operation> on the user pool for admin/management "
       "calls (user calls authorised by tokens need no IAM permission).",
       "Ask for a policy allowing the operation, or use the sandbox.", None),
    # ---------------------------------------------------------------- client side (botocore)
    _r("client-user-code", "ParamValidationError", r"parameter UserCode|SOFTWARE_TOKEN_MFA_CODE",
       "The code is not 6 digits (checked before sending)",
       "boto3 refused to send the request: the code does not fit Cognito's rules.",
       "Cognito's UserCode is exactly 6 characters, digits only; botocore checks the length "
       "and type locally before anything is sent.",
       "Pass the 6 digits as a string, e.g. '012345' (a number would lose leading zeros).",
       API_PAGE.format("VerifySoftwareToken")),
    _r("param-validation", "ParamValidationError", None,
       "Request parameters are invalid (checked before sending)",
       "boto3 refused to send the request because parameters do not match the API.",
       "botocore validates names, types and lengths against the service model first: a missing "
       "required parameter, a misspelt name or a wrong type (e.g. int instead of str).",
       "Read the message: it names each wrong parameter. Compare with the API reference.", None),
    _r("no-credentials", ("NoCredentialsError", "PartialCredentialsError",
                          "CredentialRetrievalError"), None,
       "No AWS credentials",
       "boto3 found no (complete) AWS credentials to sign the request.",
       "Calls to real AWS must be signed; no profile, environment variables or SSO session was "
       "found (or a key was present without its secret).",
       "Configure credentials (aws configure / aws sso login / AWS_PROFILE), or use the local "
       "sandbox, which needs none.", _CRED_DOC),
    _r("no-region", "NoRegionError", None,
       "No AWS region",
       "boto3 does not know which region to call.",
       "Cognito is regional; no region was given or configured.",
       "Pass region_name=..., set AWS_DEFAULT_REGION, or use the pool id's prefix "
       "(e.g. eu-west-1_AbC → eu-west-1).", _CRED_DOC),
    _r("endpoint-unreachable", "EndpointConnectionError", None,
       "Cannot reach the endpoint",
       "The request never got an answer from the server.",
       "The sandbox is not running (or runs on another port), there is no network, a proxy or "
       "firewall blocks it, or the region name is wrong.",
       "Start the sandbox (cognito-mfa-kit sandbox) or check the endpoint URL, region and "
       "network, then retry.", None),
)

GENERIC = Rule(
    "unexpected-error", (), None, "Unexpected error",
    "Something went wrong that this course does not describe in detail.",
    "See the message and the error's type.",
    "Read the message; if it is a Cognito error, the API reference of the operation lists it.",
)
