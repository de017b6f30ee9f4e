"""Federated users: OIDC identity providers (CreateIdentityProvider's checks), the users a federated sign-in makes,
and what the API does with them.

Rules (reference §8):
- "In the case of federated users, Amazon Cognito delegates all authentication processes to the IdP and doesn't offer
  them additional authentication factors" [DOC DG user-pool-settings-mfa]: a federated sign-in gets tokens with no
  MFA step, whatever the pool's MfaConfiguration;
- a federated user is named ``<ProviderName>_<sub>``, has UserStatus EXTERNAL_PROVIDER and an ``identities``
  attribute [OBS]; the provider's AttributeMapping (pool attribute → IdP claim) is applied at every sign-in;
- IdP sign-in works only through managed login, not SDK flows [DOC DG authentication-flow-things-to-know]:
  InitiateAuth / AdminInitiateAuth for such a user → NotAuthorizedException "User is not authorized to get auth
  details." [OBS aws/aws-cli#3348];
- an OIDC provider's ProviderDetails need ``client_id``, ``authorize_scopes`` and ``oidc_issuer`` [DOC
  IdentityProviderType; message UNVERIFIED]; a provider name is unique in its pool (DuplicateProviderException,
  message UNVERIFIED). Cognito reads the issuer's discovery document and adds ``authorize_url``, ``token_url``,
  ``attributes_url`` and ``jwks_uri``; the sandbox does that for its own DemoIdP (``idp``) only — it fetches nothing
  from the network, and federates with no other issuer.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPoolClient
from moto.core.exceptions import JsonRESTError

from .backend_protocol import MixinBase
from .clock import CLOCK
from .model import SandboxUser, SandboxUserPool

EXTERNAL_PROVIDER = "EXTERNAL_PROVIDER"
NOT_AUTHORIZED = "User is not authorized to get auth details."
#: where the sandbox's demo OpenID Connect provider lives, under the sandbox's own URL
DEMO_IDP_PATH = "/_sandbox/idp"
_OIDC_REQUIRED = ("client_id", "authorize_scopes", "oidc_issuer")


class DuplicateProviderException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("DuplicateProviderException", message)


def is_demo_issuer(issuer: str | None) -> bool:
    """True when ``issuer`` is a sandbox's DemoIdP (``<sandbox URL>/_sandbox/idp``)."""
    return isinstance(issuer, str) and issuer.rstrip("/").endswith(DEMO_IDP_PATH)


def federated_username(provider: str, sub: str) -> str:
    return f"{provider}_{sub}"


class FederationRules(MixinBase):
    """The federation part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin over moto's
    backend and the sign-in rules)."""

    def create_identity_provider(self, user_pool_id: str, name: str, extended_config: dict[str, Any]) -> Any:
        pool = self.describe_user_pool(user_pool_id)
        if name in pool.identity_providers:
            raise DuplicateProviderException(f"A provider with the name {name} already exists in this user pool.")
        config = dict(extended_config or {})
        if config.get("ProviderType") == "OIDC":
            details = dict(config.get("ProviderDetails") or {})
            missing = [key for key in _OIDC_REQUIRED if not details.get(key)]
            if missing:
                raise InvalidParameterException(
                    f"ProviderDetails of an OIDC provider must include {', '.join(missing)} (e.g. "
                    '{"client_id": ..., "authorize_scopes": "openid email", "oidc_issuer": "https://..."})')
            details.setdefault("attributes_request_method", "GET")
            if is_demo_issuer(details["oidc_issuer"]):
                issuer = details["oidc_issuer"].rstrip("/")
                details.setdefault("authorize_url", f"{issuer}/authorize")
                details.setdefault("token_url", f"{issuer}/token")
                details.setdefault("attributes_url", f"{issuer}/userinfo")
                details.setdefault("jwks_uri", f"{issuer}/jwks.json")
                details.setdefault("attributes_url_add_attributes", "false")
            config["ProviderDetails"] = details
        return super().create_identity_provider(user_pool_id, name, config)  # type: ignore[misc]  # moto's (MRO at run time)

    def _find_user(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient,
                   username: str | None) -> CognitoIdpUser:
        user = super()._find_user(pool, client, username)  # type: ignore[safe-super]  # SignInRules' (MRO at run time)
        if user.status == EXTERNAL_PROVIDER:
            raise NotAuthorizedError(NOT_AUTHORIZED)
        return user

    def federated_sign_in(self, pool: SandboxUserPool, provider_name: str, claims: dict[str, Any]) -> CognitoIdpUser:
        """The user pool's user for IdP ``claims`` (made at the first sign-in, its mapped attributes updated at each);
        no MFA is asked of it."""
        provider = pool.identity_providers.get(provider_name)
        sub = str(claims.get("sub") or "")
        if provider is None or not sub:
            raise NotAuthorizedError(f"Invalid identity provider response from {provider_name}")  # [UNVERIFIED]
        mapping: dict[str, str] = provider.extended_config.get("AttributeMapping") or {}
        mapped = [{"Name": attribute, "Value": str(claims[claim])} for attribute, claim in mapping.items()
                  if attribute != "username" and claims.get(claim) not in (None, "")]
        username = federated_username(provider_name, sub)
        user = pool.users.get(username)
        if user is None:
            identities = [{"userId": sub, "providerName": provider_name,
                           "providerType": provider.extended_config.get("ProviderType", "OIDC"), "issuer": None,
                           "primary": "true", "dateCreated": str(int(CLOCK.now(pool.id) * 1000))}]
            user = SandboxUser(pool.id, username, None, EXTERNAL_PROVIDER,
                               [{"Name": "identities", "Value": json.dumps(identities)}])
            pool.users[username] = user
        elif not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        if mapped:
            user.update_attributes(mapped)
        return user
