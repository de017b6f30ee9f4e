"""Cognito exceptions that moto does not define, with the service's own names."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class EnableSoftwareTokenMFAException(JsonRESTError):
    def __init__(self, message: str = "Code mismatch and fail enable Software Token MFA") -> None:
        super().__init__("EnableSoftwareTokenMFAException", message)


class SoftwareTokenMFANotFoundException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("SoftwareTokenMFANotFoundException", message)


class PasswordResetRequiredException(JsonRESTError):
    def __init__(self, message: str = "Password reset required for the user") -> None:
        super().__init__("PasswordResetRequiredException", message)


class TooManyRequestsException(JsonRESTError):
    """HTTP 400, as Cognito sends it (not 429)."""

    def __init__(self, message: str = "Rate exceeded") -> None:
        super().__init__("TooManyRequestsException", message)


class UserPoolAddOnNotEnabledException(JsonRESTError):
    """[UNVERIFIED] message: Cognito's text for a pool without threat protection is not documented."""

    def __init__(self, message: str = "User pool add-ons (threat protection) are not enabled for this user pool.")\
            -> None:
        super().__init__("UserPoolAddOnNotEnabledException", message)


class UnauthorizedException(JsonRESTError):
    """RevokeToken's refusal of the app client's credentials (the API's counterpart of /oauth2/revoke's 401)."""

    def __init__(self, message: str) -> None:
        super().__init__("UnauthorizedException", message)


class UnsupportedOperationException(JsonRESTError):
    """"An operation that isn't enabled for the user pool client" (the service model), e.g. RevokeToken without
    EnableTokenRevocation."""

    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedOperationException", message)


class UnsupportedTokenTypeException(JsonRESTError):
    """"An unsupported token is passed to an operation" (the service model), e.g. an access token to RevokeToken."""

    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedTokenTypeException", message)
