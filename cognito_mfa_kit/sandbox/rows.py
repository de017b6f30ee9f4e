"""The one place that maps the sandbox's objects (moto's, and the sandbox's own) to plain JSON-ready dicts and back.

The SQLite store keeps each dict as one row (a pool's settings, a user, a device, a token, a session, a message, a
key); the JSON state format (``state``) nests them. Nothing else needs to know how moto's objects are built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, fields
from typing import Any, cast

from moto.cognitoidp.models import (
    CognitoIdpGroup,
    CognitoIdpIdentityProvider,
    CognitoIdpUserPoolAttribute,
    CognitoIdpUserPoolDomain,
    CognitoResourceServer,
    UserStatus,
)

from .credentials import Principal
from .devices import Device
from .events import AuthEvent
from .jwt_keys import PoolKey
from .model import SandboxUser, SandboxUserPool, UserMfa, mfa
from .sessions import AuthSession

_USER_MFA_FIELDS = {f.name for f in fields(UserMfa)}
_DEVICE_FIELDS = {f.name for f in fields(Device)}
_SESSION_FIELDS = {f.name for f in fields(AuthSession)}


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else None


def _parse_when(value: str | None, default: dt.datetime) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if value else default


# ---------------------------------------------------------------------------------------------------- pools
def dump_pool(pool: SandboxUserPool, backend: Any) -> dict[str, Any]:
    """A pool's settings: everything but its users, devices, tokens and sessions (they have rows of their own)."""
    return {
        "id": pool.id,
        "arn": pool.arn,
        "name": pool.name,
        "status": pool.status,
        "creation_date": _when(pool.creation_date),
        "last_modified_date": _when(pool.last_modified_date),
        "extended_config": pool.extended_config,
        "schema_attributes": [vars(a) for a in pool.schema_attributes.values()],
        "mfa_config": pool.mfa_config,
        "sms_mfa_config": pool.sms_mfa_config,
        "token_mfa_config": pool.token_mfa_config,
        "email_mfa_config": pool.email_mfa_config,
        "web_authn_config": pool.web_authn_config,
        "key": {"pem": pool.key.pem, "kid": pool.key.kid},
        "clients": [
            {"id": c.id, "secret": c.secret, "generate_secret": c.generate_secret,
             "extended_config": c.extended_config}
            for c in pool.clients.values()
        ],
        "groups": [
            {"name": g.group_name, "description": g.description, "role_arn": g.role_arn, "precedence": g.precedence}
            for g in pool.groups.values()
        ],
        "identity_providers": [
            {"name": p.name, "extended_config": p.extended_config, "creation_date": _when(p.creation_date),
             "last_modified_date": _when(p.last_modified_date)}
            for p in pool.identity_providers.values()
        ],
        "resource_servers": [
            {"identifier": r.identifier, "name": r.name, "scopes": r.scopes} for r in pool.resource_servers.values()
        ],
        "domains": [
            {"domain": d.domain, "custom_domain_config": d.custom_domain_config,
             **{k: v for k, v in vars(d).items() if k not in ("user_pool_id", "domain", "custom_domain_config")}}
            for d in backend.user_pool_domains.values() if d.user_pool_id == pool.id
        ],
    }


def restore_pool(backend: Any, saved: dict[str, Any]) -> SandboxUserPool:
    """Build the pool ``saved`` describes in ``backend`` (its settings; users etc. are restored separately)."""
    # Built by the backend (its own stores), then given back its saved id and contents. The saved extended config
    # is set afterwards so that CreateUserPool's checks don't run against an existing pool.
    pool: SandboxUserPool = backend.create_user_pool(saved["name"], {})
    del backend.user_pools[pool.id]
    pool.id, pool.arn = saved["id"], saved["arn"]
    backend.user_pools[pool.id] = pool
    pool.status = saved.get("status")
    pool.creation_date = _parse_when(saved.get("creation_date"), pool.creation_date)
    pool.last_modified_date = _parse_when(saved.get("last_modified_date"), pool.last_modified_date)
    pool.extended_config = saved["extended_config"]
    if saved.get("schema_attributes"):
        attributes: dict[str, CognitoIdpUserPoolAttribute] = {}
        for attrs in saved["schema_attributes"]:
            # moto types BaseModel.__new__ as returning BaseModel, not the class it builds
            attribute = cast(CognitoIdpUserPoolAttribute,
                             CognitoIdpUserPoolAttribute.__new__(CognitoIdpUserPoolAttribute))
            attribute.__dict__.update(attrs)
            attributes[attribute.name] = attribute
        pool.schema_attributes = attributes
    pool.mfa_config = saved["mfa_config"]
    pool.sms_mfa_config = saved.get("sms_mfa_config")
    pool.token_mfa_config = saved.get("token_mfa_config")
    pool.email_mfa_config = saved.get("email_mfa_config")
    pool.web_authn_config = saved.get("web_authn_config")
    pool.key = PoolKey(saved["key"]["pem"], saved["key"]["kid"])
    for c in saved["clients"]:
        client = backend.create_user_pool_client(pool.id, bool(c["generate_secret"]), c["extended_config"])
        del pool.clients[client.id]
        client.id, client.secret = c["id"], c["secret"]
        client.extended_config = c["extended_config"]
        pool.clients[client.id] = client
    for g in saved.get("groups", []):
        pool.groups[g["name"]] = CognitoIdpGroup(pool.id, g["name"], g["description"], g["role_arn"],
                                                 g["precedence"])
    for p in saved.get("identity_providers", []):
        provider = CognitoIdpIdentityProvider(p["name"], p["extended_config"])
        provider.creation_date = _parse_when(p.get("creation_date"), provider.creation_date)
        provider.last_modified_date = _parse_when(p.get("last_modified_date"), provider.last_modified_date)
        pool.identity_providers[provider.name] = provider
    for r in saved.get("resource_servers", []):
        pool.resource_servers[r["identifier"]] = CognitoResourceServer(pool.id, r["identifier"], r["name"],
                                                                        r["scopes"])
    for d in saved.get("domains", []):
        domain = CognitoIdpUserPoolDomain(pool.id, d["domain"], d.get("custom_domain_config"))
        for key, value in d.items():
            if key not in ("domain", "custom_domain_config"):
                setattr(domain, key, value)
        backend.user_pool_domains[domain.domain] = domain
    return pool


# ---------------------------------------------------------------------------------------------------- users
def dump_user(user: SandboxUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "password": user.password,
        "status": str(getattr(user.status, "value", user.status)),
        "enabled": user.enabled,
        "attributes": [dict(a) for a in user.attributes],
        "confirmation_code": user.confirmation_code,
        "create_date": _when(user.create_date),
        "last_modified_date": _when(user.last_modified_date),
        "token_verified": user.token_verified,
        "software_token_mfa_enabled": user.software_token_mfa_enabled,
        "sms_mfa_enabled": user.sms_mfa_enabled,
        "preferred_mfa_setting": user.preferred_mfa_setting,
        "groups": sorted(g.group_name for g in user.groups),
        "mfa": asdict(mfa(user)),
    }


def _status(value: str) -> Any:
    """A user's status: moto's enum member, or a status moto does not know (EXTERNAL_PROVIDER: a federated user)."""
    try:
        return UserStatus(value)
    except ValueError:
        return value


def restore_user(pool: SandboxUserPool, saved: dict[str, Any]) -> SandboxUser:
    """Put the user ``saved`` describes into ``pool``."""
    user = SandboxUser(pool.id, saved["username"], saved["password"], _status(saved["status"]), [])
    user.id = saved["id"]
    user.attributes = [dict(a) for a in saved["attributes"]]  # in their order, with the saved "sub"
    user.attribute_lookup = {a["Name"]: a["Value"] for a in user.attributes}
    user.enabled = bool(saved["enabled"])
    user.confirmation_code = saved.get("confirmation_code")
    user.create_date = _parse_when(saved.get("create_date"), user.create_date)
    user.last_modified_date = _parse_when(saved.get("last_modified_date"), user.last_modified_date)
    user.token_verified = bool(saved["token_verified"])
    user.software_token_mfa_enabled = bool(saved["software_token_mfa_enabled"])
    user.sms_mfa_enabled = bool(saved["sms_mfa_enabled"])
    user.preferred_mfa_setting = saved.get("preferred_mfa_setting")
    user.sandbox_mfa = UserMfa(**{k: v for k, v in saved["mfa"].items() if k in _USER_MFA_FIELDS})
    for name in saved.get("groups", []):
        group = pool.groups.get(name)
        if group is not None:
            group.users.add(user)
            user.groups.add(group)
    pool.users[user.username] = user
    return user


# ---------------------------------------------------------------------------------------------------- the rest
def dump_device(device: Device) -> dict[str, Any]:
    return asdict(device)


def restore_device(pool: SandboxUserPool, saved: dict[str, Any]) -> Device:
    return pool.devices.add(Device(**{k: v for k, v in saved.items() if k in _DEVICE_FIELDS}))


def dump_token(value: Any) -> Any:
    """A token's value in its pool's dict: (client id, user name[, origin jti]), None once revoked (a refresh
    token), or an expiry time (a revoked access token)."""
    return list(value) if isinstance(value, (tuple, list)) else value


def restore_token(pool: SandboxUserPool, attribute: str, token: str, saved: Any) -> None:
    getattr(pool, attribute)[token] = tuple(saved) if isinstance(saved, list) else saved


def dump_session(session: AuthSession) -> dict[str, Any]:
    return session.to_json()


def restore_session(backend: Any, saved: dict[str, Any]) -> AuthSession:
    session = AuthSession(**{k: v for k, v in saved.items() if k in _SESSION_FIELDS})
    backend.sessions.add(session)
    return session


def dump_event(event: AuthEvent) -> dict[str, Any]:
    return event.to_row()


_EVENT_FIELDS = {f.name for f in fields(AuthEvent)}


def restore_event(pool: SandboxUserPool, saved: dict[str, Any]) -> AuthEvent:
    event = AuthEvent(**{k: v for k, v in saved.items() if k in _EVENT_FIELDS})
    pool.events.add(event)
    return event


def dump_principal(principal: Principal) -> dict[str, Any]:
    return {**principal.public(), "secret_access_key": principal.secret_access_key,
            "account_id": principal.account_id}


def restore_principal(saved: dict[str, Any]) -> Principal:
    return Principal(saved["access_key_id"], saved["secret_access_key"], saved["kind"], saved["name"],
                     saved.get("account_id", "123456789012"), set(saved.get("pools", [])),
                     dict(saved.get("users", {})))
