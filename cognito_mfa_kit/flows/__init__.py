"""The Cognito steps as plain functions: what the widgets and the course call.

Every function takes a :class:`cognito_mfa_kit.connect.Lab` first and calls only ``lab.client`` (so the journal
records every call). Bad input raises ``ValueError`` naming the field before any call; Cognito's refusals raise
botocore ``ClientError`` with Cognito's error code (``cognito_mfa_kit.errors.explain`` says what to do). Results
are small dataclasses whose ``repr`` masks secrets.

Pool (``pool``): ``create_teaching_pool``, ``configure_pool_mfa``, ``update_client``, ``set_plan``,
``find_kit_pools``, ``delete_teaching_pool``; clean-up (``cleanup``): ``delete_run``.
Users (``users``): ``create_user``, ``recreate_user``, ``user_exists``, ``delete_user``, ``mfa_status``,
``my_mfa_status``, ``generate_password``.
Sign-in (``signin``): ``sign_in``, ``refresh``, ``sign_out`` → ``Tokens | Challenge``.
Enrolment (``enrol``): ``associate``, ``verify``, ``authenticator``.
Preference (``preference``): ``set_preference``, ``admin_set_preference``.
Challenges (``challenges``): ``respond``, ``complete_mfa_setup``, ``choices``.
Choice-based sign-in (``choice``): ``sign_in_with_choice``, ``choose``, ``auth_factors``.
Sent codes (``outbox``): ``sent_code``, ``sent_messages`` (the sandbox's SMS and email outbox).
Passkeys (``passkeys``): ``configure_passkeys``, ``register_passkey``, ``list_passkeys``, ``delete_passkey``,
``answer_passkey`` (with a ``VirtualPasskey``, from ``cognito_mfa_kit.passkey``, standing in for the browser).
Devices (``devices``): ``confirm_device``, ``remember_device``, ``list_devices``, ``forget_device``,
``answer_device_challenge``. Recovery (``recovery``): ``reset_lost_device``.
Hosted UI (``hosted_ui``): ``hosted_ui`` (domain + OAuth app client + sign-in URL with PKCE), ``wait_for_code``,
``poll_code``, ``exchange_code``, ``user_info``, ``logout_url``, ``add_demo_idp`` → ``HostedSignIn``, ``HostedTokens``.

The seed flow:

>>> from cognito_mfa_kit import connect
>>> from cognito_mfa_kit import flows
>>> lab = connect()
>>> pool = flows.create_teaching_pool(lab)
>>> bob = flows.create_user(lab, pool, "Bob")
>>> tokens = flows.sign_in(lab, pool, "Bob", bob.password)
>>> association = flows.associate(lab, access_token=tokens.access_token)
>>> phone = flows.authenticator(lab, association, account_name="Bob")
>>> flows.verify(lab, phone.code(), access_token=tokens.access_token, device_name="BobPhone")
>>> flows.set_preference(lab, tokens.access_token, totp_enabled=True, totp_preferred=True)
>>> challenge = flows.sign_in(lab, pool, "Bob", bob.password)          # SOFTWARE_TOKEN_MFA
>>> lab.advance_clock(30, pool)                                          # a code can't be used twice
>>> tokens = flows.respond(lab, pool, challenge, code=phone.code())
"""

from __future__ import annotations

from ..passkey import VirtualPasskey
from .auth import Challenge, SignInResult, Tokens
from .challenges import MfaSetupOutcome, choices, complete_mfa_setup, respond
from .choice import AuthFactors, auth_factors, choose, sign_in_with_choice
from .cleanup import delete_run
from .devices import (
    DeviceInfo,
    RememberedDevice,
    answer_device_challenge,
    confirm_device,
    forget_device,
    list_devices,
    remember_device,
)
from .enrol import Association, Verification, associate, authenticator, verify
from .hosted_ui import (
    HostedSignIn,
    HostedTokens,
    HostedUi,
    add_demo_idp,
    exchange_code,
    hosted_ui,
    logout_url,
    poll_code,
    user_info,
    wait_for_code,
)
from .outbox import sent_code, sent_messages
from .passkeys import PasskeyInfo, answer_passkey, configure_passkeys, delete_passkey, list_passkeys, register_passkey
from .pool import (
    DEFAULT_AUTH_FLOWS,
    KitPool,
    TeachingPool,
    configure_pool_mfa,
    create_teaching_pool,
    delete_teaching_pool,
    find_kit_pools,
    set_plan,
    update_client,
)
from .preference import admin_set_preference, set_preference
from .recovery import reset_lost_device
from .signin import refresh, sign_in, sign_out
from .users import (
    MfaStatus,
    TrainingUser,
    create_user,
    delete_user,
    generate_password,
    mfa_status,
    my_mfa_status,
    recreate_user,
    user_exists,
)

__all__ = [
    "DEFAULT_AUTH_FLOWS",
    "Association",
    "AuthFactors",
    "Challenge",
    "DeviceInfo",
    "HostedSignIn",
    "HostedTokens",
    "HostedUi",
    "KitPool",
    "MfaSetupOutcome",
    "MfaStatus",
    "PasskeyInfo",
    "RememberedDevice",
    "SignInResult",
    "TeachingPool",
    "Tokens",
    "TrainingUser",
    "Verification",
    "VirtualPasskey",
    "add_demo_idp",
    "admin_set_preference",
    "answer_device_challenge",
    "answer_passkey",
    "associate",
    "auth_factors",
    "authenticator",
    "choices",
    "choose",
    "complete_mfa_setup",
    "configure_passkeys",
    "configure_pool_mfa",
    "confirm_device",
    "create_teaching_pool",
    "create_user",
    "delete_passkey",
    "delete_run",
    "delete_teaching_pool",
    "delete_user",
    "exchange_code",
    "find_kit_pools",
    "forget_device",
    "generate_password",
    "hosted_ui",
    "list_devices",
    "list_passkeys",
    "logout_url",
    "mfa_status",
    "my_mfa_status",
    "poll_code",
    "recreate_user",
    "refresh",
    "register_passkey",
    "remember_device",
    "reset_lost_device",
    "respond",
    "sent_code",
    "sent_messages",
    "set_plan",
    "set_preference",
    "sign_in",
    "sign_in_with_choice",
    "sign_out",
    "update_client",
    "user_exists",
    "user_info",
    "verify",
    "wait_for_code",
]
