"""The live checks behind the hands-on exercises: each returns ``(passed, what it found)`` and reads the target.

Used by :func:`cognito_mfa_kit.course.task` (the *Check my work* button); plain Python, tested without widgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .lessons import outcome

if TYPE_CHECKING:
    from ..connect import Lab
    from ..flows import TeachingPool

__all__ = ["CheckResult", "check_admin_token", "check_mfa_status", "check_next_sign_in", "check_pool"]


CheckResult = tuple[bool, str]


def check_next_sign_in(lab: Lab, pool: TeachingPool, username: str, password: str, expected: str) -> CheckResult:
    """Sign ``username`` in now and compare what Cognito asks for with ``expected`` (an :func:`outcome`)."""
    from ..flows import sign_in

    got = outcome(sign_in(lab, pool, username, password))
    return got == expected or got.startswith(expected + " "), f"Sign-in answered: {got} (wanted {expected})."


def check_mfa_status(
    lab: Lab, pool: TeachingPool, username: str, *, enabled: bool | None = None, preferred: str | None = ""
) -> CheckResult:
    """AdminGetUser: is TOTP ``enabled`` (when given) and is ``preferred`` the preferred factor ('' = don't care)?"""
    from ..flows import mfa_status

    status = mfa_status(lab, pool, username)
    ok = (enabled is None or status.totp_enabled == enabled) and (preferred == "" or status.preferred == preferred)
    return ok, (f"UserMFASettingList={list(status.mfa_setting_list)}, PreferredMfaSetting={status.preferred}.")


def check_pool(
    lab: Lab, name: str, *, mfa: str | None = None, totp: bool | None = None, session_minutes: int | None = None,
    auth_flow: str | None = None,
) -> CheckResult:
    """Find the kit pool ``name`` (any run id) and compare its MFA configuration and app client with the task."""
    from ..naming import pool_name

    full = pool_name(name)
    found = [p for p in lab.client.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == full]
    if not found:
        return False, f"No pool named {full} yet."
    pool_id = found[-1]["Id"]
    config = lab.client.get_user_pool_mfa_config(UserPoolId=pool_id)
    clients = lab.client.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)["UserPoolClients"]
    problems = []
    if mfa is not None and config.get("MfaConfiguration") != mfa:
        problems.append(f"MfaConfiguration is {config.get('MfaConfiguration')}, not {mfa}")
    if totp is not None and bool((config.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled")) != totp:
        problems.append(f"TOTP is {'off' if totp else 'on'} on the pool")
    if session_minutes is not None or auth_flow is not None:
        if not clients:
            problems.append("the pool has no app client")
        else:
            app = lab.client.describe_user_pool_client(UserPoolId=pool_id, ClientId=clients[0]["ClientId"])[
                "UserPoolClient"]
            if session_minutes is not None and app.get("AuthSessionValidity") != session_minutes:
                problems.append(f"AuthSessionValidity is {app.get('AuthSessionValidity')}, not {session_minutes}")
            if auth_flow is not None and auth_flow not in (app.get("ExplicitAuthFlows") or []):
                problems.append(f"{auth_flow} is not among the app client's auth flows")
    if problems:
        return False, f"{full}: " + "; ".join(problems) + "."
    return True, f"{full} ({pool_id}) is configured as asked."


def check_admin_token(lab: Lab, widget: Any) -> CheckResult:
    """Did the widget's hosted-UI sign-in get an access token that GetUser accepts?"""
    from ..flows.hosted_ui import ADMIN_SCOPE

    tokens = getattr(widget, "tokens", None)
    if tokens is None:
        return False, "No tokens yet: sign in through the link of the widget first."
    if ADMIN_SCOPE not in tokens.scopes:
        return False, (f"The access token carries {' '.join(tokens.scopes)}: make a sign-in that asks for "
                       f"{ADMIN_SCOPE} too, give it to the widget (ui_signin.sign_in = ...), sign in again.")
    user = lab.client.get_user(AccessToken=tokens.access_token)
    return True, f"GetUser accepted the token: you are {user['Username']}."
