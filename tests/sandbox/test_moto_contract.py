"""The moto internals the sandbox subclasses, overrides, calls or patches: each must exist with the parameters the
sandbox relies on, so that a moto upgrade which renames or reshapes one fails here, by name, rather than as a rule
the sandbox silently stops applying (pyproject.toml allows moto>=5.2.5,<5.3)."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import moto
import pytest

from cognito_mfa_kit.sandbox import signin
from cognito_mfa_kit.sandbox.backend import SandboxBackend
from cognito_mfa_kit.sandbox.model import SandboxUser, SandboxUserPool
from cognito_mfa_kit.sandbox.responses import SandboxResponse

MODELS = "moto.cognitoidp.models"
RESPONSES = "moto.cognitoidp.responses"

#: moto's methods the sandbox overrides (its subclass, mixins and models), with moto's parameter names.
OVERRIDDEN: dict[str, list[str]] = {
    f"{MODELS}:CognitoIdpBackend.__init__": ["self", "region_name", "account_id"],
    f"{MODELS}:CognitoIdpBackend.add_custom_attributes": ["self", "user_pool_id", "custom_attributes"],
    f"{MODELS}:CognitoIdpBackend.admin_create_user": [
        "self", "user_pool_id", "username", "message_action", "temporary_password", "attributes"],
    f"{MODELS}:CognitoIdpBackend.admin_delete_user": ["self", "user_pool_id", "username"],
    f"{MODELS}:CognitoIdpBackend.admin_initiate_auth": [
        "self", "user_pool_id", "client_id", "auth_flow", "auth_parameters"],
    f"{MODELS}:CognitoIdpBackend.admin_set_user_mfa_preference": [
        "self", "user_pool_id", "username", "software_token_mfa_settings", "sms_mfa_settings"],
    f"{MODELS}:CognitoIdpBackend.admin_update_user_attributes": ["self", "user_pool_id", "username", "attributes"],
    f"{MODELS}:CognitoIdpBackend.associate_software_token": ["self", "access_token", "session"],
    f"{MODELS}:CognitoIdpBackend.create_identity_provider": ["self", "user_pool_id", "name", "extended_config"],
    f"{MODELS}:CognitoIdpBackend.create_user_pool": ["self", "name", "extended_config"],
    f"{MODELS}:CognitoIdpBackend.create_user_pool_client": [
        "self", "user_pool_id", "generate_secret", "extended_config"],
    f"{MODELS}:CognitoIdpBackend.create_user_pool_domain": [
        "self", "user_pool_id", "domain", "custom_domain_config"],
    f"{MODELS}:CognitoIdpBackend.delete_user_pool": ["self", "user_pool_id"],
    f"{MODELS}:CognitoIdpBackend.delete_user_pool_domain": ["self", "domain"],
    f"{MODELS}:CognitoIdpBackend.describe_user_pool": ["self", "user_pool_id"],
    f"{MODELS}:CognitoIdpBackend.get_user": ["self", "access_token"],
    f"{MODELS}:CognitoIdpBackend.get_user_pool_mfa_config": ["self", "user_pool_id"],
    f"{MODELS}:CognitoIdpBackend.initiate_auth": ["self", "client_id", "auth_flow", "auth_parameters"],
    f"{MODELS}:CognitoIdpBackend.list_resource_servers": ["self", "user_pool_id"],
    f"{MODELS}:CognitoIdpBackend.list_user_pools": ["self"],
    f"{MODELS}:CognitoIdpBackend.respond_to_auth_challenge": [
        "self", "session", "client_id", "challenge_name", "challenge_responses"],
    f"{MODELS}:CognitoIdpBackend.set_user_mfa_preference": [
        "self", "access_token", "software_token_mfa_settings", "sms_mfa_settings"],
    f"{MODELS}:CognitoIdpBackend.set_user_pool_mfa_config": [
        "self", "user_pool_id", "sms_config", "token_config", "mfa_config"],
    f"{MODELS}:CognitoIdpBackend.sign_up": ["self", "client_id", "username", "password", "attributes"],
    f"{MODELS}:CognitoIdpBackend.update_identity_provider": ["self", "user_pool_id", "name", "extended_config"],
    f"{MODELS}:CognitoIdpBackend.update_user_attributes": ["self", "access_token", "attributes"],
    f"{MODELS}:CognitoIdpBackend.update_user_pool": ["self", "user_pool_id", "extended_config"],
    f"{MODELS}:CognitoIdpBackend.update_user_pool_client": ["self", "user_pool_id", "client_id", "extended_config"],
    f"{MODELS}:CognitoIdpBackend.update_user_pool_domain": ["self", "domain", "custom_domain_config"],
    f"{MODELS}:CognitoIdpBackend.verify_software_token": [
        "self", "access_token", "session", "user_code", "friendly_device_name"],
    f"{MODELS}:CognitoIdpUserPool.__init__": ["self", "account_id", "region", "name", "extended_config"],
    f"{MODELS}:CognitoIdpUserPool.__setattr__": ["self", "name", "value"],
    f"{MODELS}:CognitoIdpUserPool.create_id_token": ["self", "client_id", "username", "origin_jti"],
    f"{MODELS}:CognitoIdpUserPool.create_jwt": [
        "self", "client_id", "username", "token_use", "expires_in", "extra_data"],
    f"{MODELS}:CognitoIdpUserPool.sign_out": ["self", "username"],
    f"{MODELS}:CognitoIdpUser.__setattr__": ["self", "name", "value"],
    f"{MODELS}:CognitoIdpUser.to_json": ["self", "extended", "attributes_key", "attributes_to_get"],
    f"{RESPONSES}:CognitoIdpResponse._get_param": ["self", "param_name", "if_none"],
    f"{RESPONSES}:CognitoIdpResponse.admin_set_user_mfa_preference": ["self"],
    f"{RESPONSES}:CognitoIdpResponse.call_action": ["self"],
    f"{RESPONSES}:CognitoIdpResponse.create_user_pool_domain": ["self"],
    f"{RESPONSES}:CognitoIdpResponse.delete_user_pool_domain": ["self"],
    f"{RESPONSES}:CognitoIdpResponse.update_user_pool_domain": ["self"],
    f"{RESPONSES}:CognitoIdpResponse.describe_user_pool_domain": ["self"],
    f"{RESPONSES}:CognitoIdpResponse.get_user_pool_mfa_config": ["self"],
    # the plain-answer fast path (sandbox/plainjson.py) and the account without an IAM search (responses.py)
    f"{RESPONSES}:CognitoIdpResponse.serialized": ["self", "action_result"],
    f"{RESPONSES}:CognitoIdpResponse.get_current_account": ["self"],
    f"{RESPONSES}:CognitoIdpResponse.set_user_mfa_preference": ["self"],
    f"{RESPONSES}:CognitoIdpResponse.set_user_pool_mfa_config": ["self"],
}

#: moto's functions and methods the sandbox calls (private ones included), with the parameters it passes.
CALLED: dict[str, list[str]] = {
    "moto.utilities.paginator:paginate": ["pagination_model"],  # ListUserPools re-paged over a trainee's pools
    f"{MODELS}:CognitoIdpBackend._log_user_in": ["self", "user_pool", "client", "username"],
    f"{MODELS}:CognitoIdpBackend._validate_auth_flow": ["self", "auth_flow", "valid_flows"],
    f"{MODELS}:CognitoIdpBackend._validate_password": ["self", "user_pool_id", "password"],
    f"{MODELS}:CognitoIdpBackend.admin_get_user": ["self", "user_pool_id", "username"],
    f"{MODELS}:CognitoIdpUserPool._get_user": ["self", "username"],
    f"{MODELS}:CognitoIdpUserPool.create_refresh_token": ["self", "client_id", "username"],
    f"{MODELS}:CognitoIdpUserPool.create_tokens_from_refresh_token": ["self", "refresh_token"],
    f"{MODELS}:CognitoIdpUser.update_attributes": ["self", "new_attributes"],
    f"{MODELS}:RegionAgnosticBackend._find_backend_for_clientid": ["self", "client_id"],
    f"{RESPONSES}:CognitoIdpResponse._get_region_agnostic_backend": ["self"],
    f"{RESPONSES}:CognitoIdpResponse._get_action": ["self"],
    "moto.cognitoidp.utils:check_secret_hash": ["app_client_secret", "app_client_id", "username", "secret_hash"],
    "moto.core.utils:camelcase_to_underscores": ["argument"],
    "moto.core.utils:get_service_model": ["service_name"],
    "moto.core.responses:ActionResult.__init__": ["self", "result"],
    # moto.core.responses imports these and calls them with one positional argument; the sandbox replaces them
    # there (app.py, PATCHED_GLOBALS below), so their originals are read where moto defines them
    "moto.core.utils:method_names_from_class": ["clazz"],
    "moto.utilities.aws_headers:gen_amzn_requestid_long": ["headerdict"],
    "moto.core.exceptions:JsonRESTError.__init__": ["self", "error_type", "message", "_", "kwargs"],
    "moto.core.base_backend:BackendDict.__init__": [
        "self", "backend", "service_name", "use_boto3_regions", "additional_regions"],
}

#: moto's properties the sandbox overrides.
PROPERTIES = [f"{RESPONSES}:CognitoIdpResponse.backend", "moto.core.request:Request.want_form_data_parsed"]


@pytest.mark.parametrize("target", PROPERTIES)
def test_moto_still_has_the_properties_the_sandbox_overrides(target: str) -> None:
    assert isinstance(_resolve(target), property), f"moto {moto.__version__}: {target} is no longer a property"


#: Module globals the sandbox replaces (backend.install, app.py): moto must still read them by these names.
PATCHED_GLOBALS = [
    f"{MODELS}:jwk", f"{MODELS}:CognitoIdpUser", f"{MODELS}:cognitoidp_backends", f"{RESPONSES}:cognitoidp_backends",
    "moto.core.responses:method_names_from_class", "moto.core.responses:camelcase_to_underscores",
    "moto.core.responses:gen_amzn_requestid_long", "moto.core.request:Request", "moto.core.responses:TYPE_RESPONSE",
]


def _resolve(target: str) -> Any:
    module_name, _, path = target.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in path.split("."):
        if not hasattr(found, part):
            pytest.fail(f"moto {moto.__version__} has no {target} (the sandbox relies on it): adapt the sandbox to "
                        "the new moto, or keep moto within the range pyproject.toml allows")
        found = getattr(found, part)
    return found


def _parameters(target: str) -> list[str]:
    return list(inspect.signature(_resolve(target)).parameters)


@pytest.mark.parametrize("target", sorted({**OVERRIDDEN, **CALLED}))
def test_moto_still_has_it_with_the_parameters_the_sandbox_uses(target: str) -> None:
    expected = {**OVERRIDDEN, **CALLED}[target]
    got = _parameters(target)
    assert got == expected, (f"moto {moto.__version__} changed {target}: parameters {got}, the sandbox was written "
                             f"for {expected}; check its override or call against the new signature")


@pytest.mark.parametrize("target", PATCHED_GLOBALS)
def test_moto_still_reads_the_globals_the_sandbox_replaces(target: str) -> None:
    _resolve(target)


def test_jwk_still_imports_keys_as_the_once_imported_cache_wraps_it() -> None:
    """backend._OnceImportedKeys stands in for moto's ``jwk`` module: it forwards ``RSAKey.import_key``."""
    jwk = _resolve(f"{MODELS}:jwk")
    assert callable(getattr(getattr(jwk, "RSAKey", None), "import_key", None)), "moto's jwk.RSAKey.import_key is gone"


def test_the_flows_and_statuses_the_sandbox_names_are_moto_enum_members() -> None:
    flows = {f.name for f in _resolve(f"{MODELS}:AuthFlow")}
    assert set(signin.ADMIN_FLOWS) | set(signin.CLIENT_FLOWS) <= flows
    statuses = {s.name for s in _resolve(f"{MODELS}:UserStatus")}
    assert {"CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED", "UNCONFIRMED"} <= statuses


def test_a_moto_pool_still_has_the_attributes_the_sandbox_reads_and_restores() -> None:
    pool = _resolve(f"{MODELS}:CognitoIdpUserPool")("123456789012", "us-east-1", "contract", {})
    for name in ("id", "arn", "name", "status", "creation_date", "last_modified_date", "extended_config",
                 "mfa_config", "sms_mfa_config", "token_mfa_config", "schema_attributes", "clients", "users",
                 "identity_providers", "resource_servers", "refresh_tokens", "access_tokens", "id_tokens"):
        assert hasattr(pool, name), f"moto {moto.__version__}: a user pool has no {name!r} any more"


def _sandbox_overrides(ours: type, theirs: type) -> set[str]:
    """The names the sandbox's classes (``ours`` and its mixins) define that moto's class ``theirs`` also has."""
    names: set[str] = set()
    for cls in ours.__mro__:
        if cls.__module__.startswith("cognito_mfa_kit."):
            names |= {n for n, v in vars(cls).items()
                      if (callable(v) or isinstance(v, property)) and hasattr(theirs, n) and n != "__init_subclass__"}
    return names


@pytest.mark.parametrize(("ours", "theirs"), [
    (SandboxBackend, "CognitoIdpBackend"), (SandboxResponse, "CognitoIdpResponse"),
    (SandboxUserPool, "CognitoIdpUserPool"), (SandboxUser, "CognitoIdpUser"),
])
def test_every_override_of_moto_is_in_the_contract(ours: type, theirs: str) -> None:
    """A method the sandbox comes to override must be added to OVERRIDDEN (and so be checked on upgrades)."""
    module = RESPONSES if theirs.endswith("Response") else MODELS
    listed = {t.rsplit(".", 1)[1] for t in [*OVERRIDDEN, *PROPERTIES] if t.startswith(f"{module}:{theirs}.")}
    missing = _sandbox_overrides(ours, _resolve(f"{module}:{theirs}")) - listed
    assert not missing, f"{ours.__name__} overrides {sorted(missing)} of moto's {theirs}: list them in OVERRIDDEN"


def test_moto_still_pages_list_user_pools_by_its_model() -> None:
    """backend.list_user_pools re-decorates moto's paginator with moto's own model entry for it."""
    model = _resolve("moto.cognitoidp.utils:PAGINATION_MODEL")
    assert {"input_token", "limit_key"} <= set(model.get("list_user_pools", {})), (
        f"moto {moto.__version__}: PAGINATION_MODEL['list_user_pools'] changed: {model.get('list_user_pools')}")

