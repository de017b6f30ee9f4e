"""The course's quiz questions, as data: ``QUIZZES[key]`` → (question, options, right answer, why).

Each notebook shows its own with ``course.quiz("NN-name")`` (:func:`cognito_mfa_kit.course.quiz` builds the widget).
The right answer is always one of the options; ``why`` is shown once the trainee chose it.
"""

from __future__ import annotations

__all__ = ["QUIZZES"]

#: key → (question, options, right answer, why). The right answer is always one of the options.
QUIZZES: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "00-skew": (
        "Your phone's clock is 45 seconds fast. What happens to its TOTP codes at Cognito?",
        ("All accepted: Cognito ignores the phone's clock",
         "About half refused: it depends on when in the 30-second step the code is made",
         "All refused: 45 s is more than Cognito's 30 s tolerance"),
        "About half refused: it depends on when in the 30-second step the code is made",
        "Cognito accepts the code of its current 30-second step or of one step either side. 45 s is a step and a "
        "half: during the first 15 s of each of Cognito's steps the phone is already in the next step (1 step "
        "ahead: accepted); during the last 15 s it is two steps ahead (refused). So half the codes fail - the "
        "'works only sometimes' sign of a skewed clock (cognito-mfa-kit doctor computes the same fraction).",
    ),
    "00-secret": (
        "Who can make valid TOTP codes for a user?",
        ("Anyone who knows the user's password", "Anyone holding the SecretCode from AssociateSoftwareToken",
         "Only the phone that scanned the QR code"),
        "Anyone holding the SecretCode from AssociateSoftwareToken",
        "The secret is the factor. That is why the kit masks it, and why a QR code deserves the same care.",
    ),
    "01-order": (
        "You create a pool with CreateUserPool(MfaConfiguration='ON') and no SmsConfiguration. What happens?",
        ("The pool is created with TOTP required", "InvalidParameterException: SMS configuration … required",
         "The pool is created with MFA OFF"),
        "InvalidParameterException: SMS configuration … required",
        "CreateUserPool only configures SMS MFA (API Reference, CreateUserPool). Create the pool, then call "
        "SetUserPoolMfaConfig with SoftwareTokenMfaConfiguration={Enabled: true}.",
    ),
    "01-admin-flow": (
        "Why does the seed article ask you to enable ALLOW_ADMIN_USER_PASSWORD_AUTH on the app client?",
        ("Without it TOTP can't be enabled on the pool",
         "Its test uses admin-initiate-auth --auth-flow ADMIN_USER_PASSWORD_AUTH, refused unless the client allows it",
         "It makes the TOTP secret longer"),
        "Its test uses admin-initiate-auth --auth-flow ADMIN_USER_PASSWORD_AUTH, refused unless the client allows it",
        "Each auth flow must be listed in the app client's ExplicitAuthFlows; the admin password flow is off "
        "unless you turn it on.",
    ),
    "02-secret-call": (
        "Which call gives you the secret to put into the authenticator app?",
        ("VerifySoftwareToken", "AssociateSoftwareToken", "SetUserMFAPreference", "AdminGetUser"),
        "AssociateSoftwareToken",
        "AssociateSoftwareToken returns SecretCode; VerifySoftwareToken proves the app has it.",
    ),
    "02-after-verify": (
        "The pool's MFA is OPTIONAL. Bob verified his authenticator (Status SUCCESS) and did nothing else. "
        "What does his next sign-in ask for?",
        ("A TOTP code (SOFTWARE_TOKEN_MFA)", "Nothing: he gets tokens", "MFA_SETUP"),
        "Nothing: he gets tokens",
        "Verifying registers the authenticator; it does not turn TOTP on. That is step 8, the MFA preference.",
    ),
    "03-admin": (
        "Bob is not signed in. Which call can enable TOTP MFA for him?",
        ("SetUserMFAPreference", "AdminSetUserMFAPreference", "VerifySoftwareToken"),
        "AdminSetUserMFAPreference",
        "SetUserMFAPreference needs the user's own access token; the admin call uses the pool id, the username "
        "and IAM credentials.",
    ),
    "03-before-verify": (
        "Carol never verified an authenticator. You call SetUserMFAPreference with TOTP Enabled=true. Result?",
        ("TOTP is enabled and she gets MFA_SETUP", "InvalidParameterException: User has not set up software "
         "token mfa", "It succeeds but nothing changes"),
        "InvalidParameterException: User has not set up software token mfa",
        "Users must register a TOTP authenticator before they set this as their preferred MFA method "
        "(API Reference, SetUserMFAPreference).",
    ),
    "04-next-code": (
        "Bob verified his authenticator 10 seconds ago with code 123456. He signs in now. Which code works?",
        ("123456 again", "The next code his app shows", "Any code from the last 90 seconds"),
        "The next code his app shows",
        "A code is accepted once: reusing it gives ExpiredCodeException 'Your software token has already been "
        "used once.'",
    ),
    "04-device": (
        "A device was confirmed and remembered. What does signing in on it skip?",
        ("The password", "The MFA challenge", "Both"),
        "The MFA challenge",
        "The device proves itself with DEVICE_SRP_AUTH instead of a TOTP code; the password is still needed.",
    ),
    "05-session": (
        "In the MFA_SETUP chain, which Session do you send with RespondToAuthChallenge(MFA_SETUP)?",
        ("The one from InitiateAuth", "The one from AssociateSoftwareToken", "The one from VerifySoftwareToken"),
        "The one from VerifySoftwareToken",
        "Each step returns the session for the next one; VerifySoftwareToken's 'satisfies an MFA_SETUP "
        "challenge' (API Reference).",
    ),
    "06-reuse": (
        "Which error means the code was right but already used?",
        ("CodeMismatchException", "ExpiredCodeException", "EnableSoftwareTokenMFAException",
         "NotAuthorizedException"),
        "ExpiredCodeException",
        "'Your software token has already been used once.' Wait for the next 30-second code.",
    ),
    "06-lost": (
        "Pool MFA is ON and a user lost the phone. After AdminDeleteSoftwareToken, what does the next sign-in "
        "(no other factor) return?",
        ("Tokens", "SOFTWARE_TOKEN_MFA", "MFA_SETUP"),
        "MFA_SETUP",
        "The registration is gone; with MFA required the user must set up a new authenticator.",
    ),
    "08-tier": (
        "Which Cognito feature plans include TOTP MFA?",
        ("Plus only", "Essentials and Plus", "Lite, Essentials and Plus"),
        "Lite, Essentials and Plus",
        "TOTP and SMS MFA are on every plan; email MFA needs Essentials or Plus.",
    ),
    "09-scope": (
        "An app signs in through the hosted UI with scope=openid email, then calls AssociateSoftwareToken with the "
        "access token. What happens?",
        ("It returns a SecretCode", "NotAuthorizedException: Access Token does not have required scopes",
         "MFA_SETUP"),
        "NotAuthorizedException: Access Token does not have required scopes",
        "A hosted-UI token carries exactly the scopes asked for; the user's own calls need "
        "aws.cognito.signin.user.admin.",
    ),
    "09-federated": (
        "The pool's MFA is ON. A user signs in with DemoIdP (an OIDC identity provider). What does Cognito ask?",
        ("A TOTP code", "MFA_SETUP", "Nothing more: tokens after the IdP's sign-in"),
        "Nothing more: tokens after the IdP's sign-in",
        "Cognito delegates federated users' authentication to their IdP: MFA, if any, is the IdP's.",
    ),
    "09-pkce": (
        "Someone copies the authorization code from the browser's address bar. Why can't they get tokens with it?",
        ("The code is encrypted", "The token request needs the PKCE code_verifier, which only the app holds",
         "Codes only work from localhost"),
        "The token request needs the PKCE code_verifier, which only the app holds",
        "The URL carried only SHA-256 of the verifier; /oauth2/token checks the verifier against it (and a code is "
        "single use, five minutes).",
    ),
    "10-session": (
        "Bob chose PASSWORD in SELECT_CHALLENGE and Cognito now asks SOFTWARE_TOKEN_MFA. Which session answers it?",
        ("The SELECT_CHALLENGE session, again", "The new session that came with SOFTWARE_TOKEN_MFA",
         "No session: the access token"),
        "The new session that came with SOFTWARE_TOKEN_MFA",
        "Every step answers with a new session; the SELECT_CHALLENGE one was spent by the password "
        "(\"session can only be used once\").",
    ),
    "10-first-factor": (
        "Can a user start a USER_AUTH sign-in with their TOTP code (no password)?",
        ("Yes, with PREFERRED_CHALLENGE=SOFTWARE_TOKEN_MFA", "No: TOTP is never a first factor, it follows one",
         "Only on the Plus plan"),
        "No: TOTP is never a first factor, it follows one",
        "\"SOFTWARE_TOKEN is not currently supported as a first auth factor\" (SignInPolicyType).",
    ),
    "10-plan": (
        "A pool on the Lite plan: which of these can it have?",
        ("Email MFA", "TOTP MFA", "Choice-based sign-in (ALLOW_USER_AUTH)", "Passkeys"),
        "TOTP MFA",
        "TOTP and SMS MFA work on every plan; email MFA, USER_AUTH and passkeys need Essentials or Plus.",
    ),
    "10-passkey-mfa": (
        "Carol has TOTP and a passkey, and turned passkey MFA on. She signs in with her password: what comes next?",
        ("Tokens: the passkey counts as MFA", "SOFTWARE_TOKEN_MFA: passkey MFA applies only when the passkey is "
         "the first factor", "WEB_AUTHN"),
        "SOFTWARE_TOKEN_MFA: passkey MFA applies only when the passkey is the first factor",
        "WebAuthnMfaSettings: \"passkey MFA applies only when passkey is the first authentication factor\".",
    ),
}
