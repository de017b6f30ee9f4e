"""User pool domains: CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain, DeleteUserPoolDomain, and
DeleteUserPool's refusal while a domain remains. A prefix domain ``P`` is where the pool's managed login answers
(``login``): on AWS ``https://P.auth.<region>.amazoncognito.com``, in the sandbox ``http://P.auth.localhost:<port>``.

Rules (reference §8; messages as observed where marked):
- the prefix matches the model's ``DomainType`` pattern and holds none of the reserved words ``aws``, ``amazon``,
  ``cognito`` [message UNVERIFIED];
- a prefix names one pool: "Domain already associated with another user pool." [OBS serverless/serverless#10135];
  a pool has at most one prefix domain [message UNVERIFIED];
- ``ManagedLoginVersion`` is 1 (hosted UI, classic; the default) or 2 (managed login), and 2 needs a feature plan
  other than Lite (``plans``) [SM CreateUserPoolDomain; message UNVERIFIED];
- a pool with a domain can't be deleted: "User pool cannot be deleted. It has a domain configured that should be
  deleted first." [OBS hashicorp/terraform-provider-aws#16479].

Custom domains (``CustomDomainConfig``) are kept as moto keeps them, but the sandbox serves prefix domains only.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUserPoolDomain

from . import plans
from .backend_protocol import MixinBase
from .tracking import TRACKER

PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$")
RESERVED_WORDS = ("aws", "amazon", "cognito")
VERSIONS = (1, 2)
DEFAULT_VERSION = 1


def managed_login_version(domain: CognitoIdpUserPoolDomain) -> int:
    """The domain's branding version: 1 hosted UI (classic), 2 managed login."""
    return int(getattr(domain, "managed_login_version", None) or DEFAULT_VERSION)


def check_prefix(domain: Any) -> str:
    """``domain`` if it is a valid prefix domain, else InvalidParameterException naming the rule it breaks."""
    text = domain if isinstance(domain, str) else ""
    if not PATTERN.match(text):
        raise InvalidParameterException(
            f"1 validation error detected: Value '{text}' at 'domain' failed to satisfy constraint: Member must "
            f"satisfy regular expression pattern: {PATTERN.pattern}"
        )
    for word in RESERVED_WORDS:
        if word in text:
            raise InvalidParameterException(f"Domain cannot contain reserved word: {word}")
    return text


def _checked_version(pool: Any, version: Any) -> int:
    """``version`` if it is a ManagedLoginVersion ``pool`` may use: 1, or 2 on a plan other than Lite."""
    if version not in VERSIONS:
        raise InvalidParameterException(
            f"ManagedLoginVersion {version!r} is not valid: use 1 (hosted UI, classic) or 2 (managed login)")
    if version == 2:
        plans.require(plans.tier_of(pool.extended_config), "managed_login_v2")  # not on Lite
    return int(version)


class DomainRules(MixinBase):
    """The domain part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin over moto's backend)."""

    def create_user_pool_domain(
        self,
        user_pool_id: str,
        domain: str,
        custom_domain_config: dict[str, str] | None = None,
        managed_login_version: int | None = None,
    ) -> CognitoIdpUserPoolDomain:
        pool = self.describe_user_pool(user_pool_id)
        version = _checked_version(pool, DEFAULT_VERSION if managed_login_version is None else managed_login_version)
        if not custom_domain_config:
            check_prefix(domain)
            domains: dict[str, CognitoIdpUserPoolDomain] = self.user_pool_domains
            if domain in domains:
                raise InvalidParameterException("Domain already associated with another user pool.")
            if any(d.user_pool_id == user_pool_id and not d.custom_domain_config for d in domains.values()):
                raise InvalidParameterException("User pool already has a domain configured.")
        made = super().create_user_pool_domain(  # type: ignore[misc]
            user_pool_id, domain, custom_domain_config=custom_domain_config)
        made.managed_login_version = version  # kept in the pool's row (rows.dump_pool), written after the call
        return made

    def delete_user_pool_domain(self, domain: str, user_pool_id: str | None = None) -> None:
        found = self.user_pool_domains.get(domain)
        if found is None:
            raise ResourceNotFoundError(f"Domain {domain} does not exist.")
        if user_pool_id is not None and found.user_pool_id != user_pool_id:
            # [UNVERIFIED] wording
            raise InvalidParameterException(f"Domain {domain} is not a domain of user pool {user_pool_id}.")
        super().delete_user_pool_domain(domain)  # type: ignore[misc]

    def delete_user_pool(self, user_pool_id: str) -> None:
        if any(d.user_pool_id == user_pool_id for d in self.user_pool_domains.values()):
            self.describe_user_pool(user_pool_id)  # an unknown pool says so first
            raise InvalidParameterException(
                "User pool cannot be deleted. It has a domain configured that should be deleted first.")
        super().delete_user_pool(user_pool_id)  # type: ignore[misc]

    def update_user_pool_domain(
        self,
        domain: str,
        custom_domain_config: dict[str, str] | None = None,
        user_pool_id: str | None = None,
        managed_login_version: int | None = None,
    ) -> CognitoIdpUserPoolDomain:
        """Rules: the domain must be one of ``user_pool_id``'s (as for DeleteUserPoolDomain); ``ManagedLoginVersion``
        as at creation; ``CustomDomainConfig`` (a new certificate) only for a custom domain, and left as it is when
        not given [UNVERIFIED: the docs say it "updates the SSL certificate for user pool custom domains"]."""
        found: Any = self.user_pool_domains.get(domain)
        if found is None:
            raise ResourceNotFoundError(f"Domain {domain} does not exist.")
        if user_pool_id is not None and found.user_pool_id != user_pool_id:
            # [UNVERIFIED] wording
            raise InvalidParameterException(f"Domain {domain} is not a domain of user pool {user_pool_id}.")
        if custom_domain_config and not found.custom_domain_config:
            # [UNVERIFIED] wording
            raise InvalidParameterException(
                f"Domain {domain} is a prefix domain: CustomDomainConfig is for custom domains only.")
        if managed_login_version is not None:
            found.managed_login_version = _checked_version(self.describe_user_pool(found.user_pool_id),
                                                           managed_login_version)
        if custom_domain_config:
            found.custom_domain_config = custom_domain_config
        TRACKER.mark(("pool", found.user_pool_id))  # changed in place: the pool's row is written again
        return found

    def prefix_domain_of(self, user_pool_id: str) -> CognitoIdpUserPoolDomain | None:
        """The pool's prefix domain (None if it has none)."""
        for found in self.user_pool_domains.values():
            if found.user_pool_id == user_pool_id and not found.custom_domain_config:
                return found
        return None


def describe(domain: CognitoIdpUserPoolDomain, account_id: str) -> dict[str, Any]:
    """DescribeUserPoolDomain's ``DomainDescription``."""
    answer = domain.to_json(extended=True)
    answer["AWSAccountId"] = account_id
    answer["ManagedLoginVersion"] = managed_login_version(domain)
    if domain.custom_domain_config:
        answer["CustomDomainConfig"] = domain.custom_domain_config
    return answer


class DomainResponses:
    """The cognito-idp protocol for the domain calls (a mixin of the sandbox's response class): moto's answers
    plus ``ManagedLoginVersion`` and the pool check of UpdateUserPoolDomain and DeleteUserPoolDomain."""

    def create_user_pool_domain(self) -> str:
        made = self.backend.create_user_pool_domain(  # type: ignore[attr-defined]
            self._get_param("UserPoolId"), self._get_param("Domain"),  # type: ignore[attr-defined]
            self._get_param("CustomDomainConfig"), self._get_param("ManagedLoginVersion"),  # type: ignore[attr-defined]
        )
        return json.dumps({**made.to_json(extended=False), "ManagedLoginVersion": managed_login_version(made)})

    def describe_user_pool_domain(self) -> str:
        backend = self.backend  # type: ignore[attr-defined]
        found = backend.describe_user_pool_domain(self._get_param("Domain"))  # type: ignore[attr-defined]
        return json.dumps({"DomainDescription": describe(found, backend.account_id) if found else {}})

    def update_user_pool_domain(self) -> str:
        updated = self.backend.update_user_pool_domain(  # type: ignore[attr-defined]
            self._get_param("Domain"), self._get_param("CustomDomainConfig"),  # type: ignore[attr-defined]
            self._get_param("UserPoolId"), self._get_param("ManagedLoginVersion"),  # type: ignore[attr-defined]
        )
        return json.dumps({**updated.to_json(extended=False), "ManagedLoginVersion": managed_login_version(updated)})

    def delete_user_pool_domain(self) -> str:
        self.backend.delete_user_pool_domain(  # type: ignore[attr-defined]
            self._get_param("Domain"), self._get_param("UserPoolId"))  # type: ignore[attr-defined]
        return "{}"
