"""The shared shapes of sign-in: :class:`Tokens`, :class:`Challenge`, and the two calls behind every step.

A sign-in step ends in tokens or a challenge, so every flow returns ``Tokens | Challenge`` (``SignInResult``).
``api="admin"`` uses AdminInitiateAuth/AdminRespondToAuthChallenge (IAM credentials, the pool id);
``api="client"`` uses InitiateAuth/RespondToAuthChallenge (what an app does). ``SECRET_HASH`` is added when the
app client has a secret (computed with pycognito's ``AWSSRP.get_secret_hash``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pycognito.aws_srp import AWSSRP

from ..poolref import PoolRef, pool_id_of
from ._masked import MaskedRepr, secret
from .pool import TeachingPool

if TYPE_CHECKING:
    from ..connect import Lab
    from .devices import RememberedDevice

Api = Literal["admin", "client"]
APIS = ("admin", "client")


@dataclass(frozen=True, repr=False)
class Tokens(MaskedRepr):
    """AuthenticationResult: the user is signed in."""

    access_token: str = secret()
    id_token: str = secret()
    refresh_token: str | None = secret(None)
    expires_in: int = 3600
    new_device: dict[str, str] | None = None  # NewDeviceMetadata {DeviceKey, DeviceGroupKey}: confirm it to remember
    username: str | None = None
    token_type: str = "Bearer"  # noqa: S105 - an OAuth token type, not a secret


@dataclass(frozen=True, repr=False)
class Challenge(MaskedRepr):
    """A challenge to answer (``respond``) with its ``session`` before the session expires."""

    name: str
    session: str | None = secret()
    parameters: dict[str, str] = field(default_factory=dict)
    username: str = ""  # the real user name (USER_ID_FOR_SRP), to send back as USERNAME
    issued_at: float = 0.0  # when it arrived, by its pool's clock
    api: Api = "admin"
    device: RememberedDevice | None = None  # the device signing in, if any (sent as DEVICE_KEY)
    pool_id: str | None = None  # the pool it came from (its clock times the session)
    #: how far the lab had put that pool's clock back when it arrived (Lab.time_put_back): a later put-back moves
    #: the session's expiry back with the clock, as the sandbox does
    put_back_mark: float = 0.0
    #: SELECT_CHALLENGE (choice-based sign-in): the first factors the user may choose (AvailableChallenges)
    available: tuple[str, ...] = ()

    def expires_at(self, session_minutes: int | TeachingPool = 3) -> float:
        """When the session expires: ``issued_at`` + the app client's AuthSessionValidity (minutes)."""
        minutes = session_minutes.session_minutes if isinstance(session_minutes, TeachingPool) else session_minutes
        return self.issued_at + 60 * minutes

    def seconds_left(self, lab: Lab, session_minutes: int | TeachingPool = 3) -> float:
        """Seconds until the session expires, by its pool's clock (negative once expired)."""
        clock = lab.clock_for(self.pool_id) if self.pool_id else lab.clock
        moved_back = lab.time_put_back(self.pool_id) - self.put_back_mark if self.pool_id else 0.0
        return self.expires_at(session_minutes) - moved_back - clock.now()


SignInResult = Tokens | Challenge


def check_api(api: str) -> Api:
    if api not in APIS:
        raise ValueError(f"api: {api!r} is not an API; use 'admin' (AdminInitiateAuth) or 'client' (InitiateAuth).")
    return api  # type: ignore[return-value]


def secret_hash(pool: TeachingPool, username: str) -> str | None:
    """SECRET_HASH for ``username`` when the app client has a secret, else ``None``."""
    if not pool.client_secret:
        return None
    return AWSSRP.get_secret_hash(username, pool.client_id, pool.client_secret)


def with_secret_hash(pool: TeachingPool, username: str, params: dict[str, str]) -> dict[str, str]:
    digest = secret_hash(pool, username)
    return {**params, "SECRET_HASH": digest} if digest else params


def initiate(lab: Lab, pool: TeachingPool, flow: str, params: dict[str, str], api: Api) -> dict[str, Any]:
    """AdminInitiateAuth or InitiateAuth."""
    if api == "admin":
        return lab.client.admin_initiate_auth(
            UserPoolId=pool.pool_id, ClientId=pool.client_id, AuthFlow=flow, AuthParameters=params
        )
    return lab.client.initiate_auth(ClientId=pool.client_id, AuthFlow=flow, AuthParameters=params)


def respond_call(
    lab: Lab, pool: TeachingPool, name: str, session: str | None, responses: dict[str, str], api: Api
) -> dict[str, Any]:
    """AdminRespondToAuthChallenge or RespondToAuthChallenge."""
    request: dict[str, Any] = {"ClientId": pool.client_id, "ChallengeName": name, "ChallengeResponses": responses}
    if session:
        request["Session"] = session
    if api == "admin":
        return lab.client.admin_respond_to_auth_challenge(UserPoolId=pool.pool_id, **request)
    return lab.client.respond_to_auth_challenge(**request)


def to_result(
    lab: Lab,
    response: dict[str, Any],
    *,
    username: str,
    api: Api,
    device: RememberedDevice | None = None,
    pool: PoolRef | None = None,
    refresh_token: str | None = None,
) -> SignInResult:
    """Tokens from AuthenticationResult, else a Challenge stamped with its pool's clock (``pool``)."""
    result = response.get("AuthenticationResult")
    if result:
        return Tokens(
            access_token=result["AccessToken"],
            id_token=result.get("IdToken", ""),
            refresh_token=result.get("RefreshToken") or refresh_token,
            expires_in=int(result.get("ExpiresIn", 3600)),
            new_device=result.get("NewDeviceMetadata"),
            username=username,
            token_type=result.get("TokenType", "Bearer"),
        )
    params = dict(response.get("ChallengeParameters") or {})
    return Challenge(
        name=response["ChallengeName"],
        session=response.get("Session"),
        parameters=params,
        username=params.get("USER_ID_FOR_SRP") or params.get("USERNAME") or username,
        issued_at=(lab.clock_for(pool) if pool is not None else lab.clock).now(),
        api=api,
        device=device,
        pool_id=pool_id_of(pool) if pool is not None else None,
        put_back_mark=lab.time_put_back(pool) if pool is not None else 0.0,
        available=tuple(response.get("AvailableChallenges") or ()),
    )
