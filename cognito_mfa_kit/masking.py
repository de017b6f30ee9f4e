"""Masking secrets: in request/response values (by the service model's ``sensitive`` trait) and in message text.

``masked(shape, value)`` copies a request or response with every sensitive part masked. The model's ``sensitive``
trait decides, never a list of key names, with one refinement each way: two *identifiers* the model marks sensitive
(user names and app client ids, to keep them out of AWS's logs) are shown (:data:`SHOWN_SHAPES`,
:data:`SHOWN_KEYS`) — the seed article prints ``--username Bob`` — and two secrets it does not mark are masked
(:data:`SECRET_MEMBERS`).

Error messages quote values too: botocore's ``ParamValidationError`` (``Invalid type for parameter Password,
value: 12345678, type: <class 'int'>, ...``) and the service's validation errors (``Value '12' at 'userCode'
failed to satisfy constraint ...``). ``mask_message(message, sensitive_values(shape, request))`` masks every
value a sensitive member of the request had, wherever it appears in the text, then every value quoted next to a
sensitive parameter name (:func:`redact_message`, which needs no request).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from botocore.model import Shape

__all__ = [
    "MASK",
    "SECRET_MEMBERS",
    "SHOWN_KEYS",
    "SHOWN_SHAPES",
    "mask_message",
    "mask_value",
    "masked",
    "redact_message",
    "sensitive_values",
]

MASK = "........"
_KEEP = 9  # characters shown at each end of a long secret
_LONG = 32  # strings longer than this keep their ends; shorter ones are fully starred
_SHORT_STARS = 8  # at most this many stars, so a password's length is not given away
#: Shapes marked sensitive that identify rather than prove: shown as they are.
SHOWN_SHAPES = frozenset({"UsernameType", "ClientIdType"})
#: Keys of the sensitive parameter maps (AuthParameters, ChallengeResponses) that name rather than prove.
SHOWN_KEYS = frozenset({"USERNAME", "USER_ID_FOR_SRP", "ANSWER", "DEVICE_KEY", "PREFERRED_CHALLENGE"})
#: Where the model falls short the other way: secrets in members it does not mark sensitive, as
#: (shape name, member or map key). SRP's SECRET_BLOCK does a session's job; a device's password verifier
#: is as good as a password hash; a passkey's attestation (CompleteWebAuthnRegistration's Credential) answers a
#: one-time challenge as a session does, and is masked for the same reason.
SECRET_MEMBERS = frozenset({
    ("ChallengeParametersType", "SECRET_BLOCK"),
    ("DeviceSecretVerifierConfigType", "PasswordVerifier"),
    ("CompleteWebAuthnRegistrationRequest", "Credential"),
})
#: A value at least this long is masked wherever it appears in a message; a shorter one only as a whole word.
_ANYWHERE = 8


def mask_value(value: Any) -> Any:
    """Mask one secret value in the seed article's style.

    Long strings keep 9 characters at each end (``eyJraWQiO........ua5Pq3NaA``); short ones become
    stars (a 6-digit code ``******``, a password ``********``; at most 8 stars). Other scalars
    (numbers, booleans) become ``"****"``; ``None`` and ``""`` stay as they are.
    """
    if value is None or value == "":
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return "****"
    if len(value) > _LONG:
        return value[:_KEEP] + MASK + value[-_KEEP:]
    return "*" * min(len(value), _SHORT_STARS)


def _walk(shape: Shape | None, value: Any, sensitive: bool, leaf: Any) -> Any:
    """Walk ``value`` along ``shape``; ``leaf(v, sensitive)`` gives each scalar's copy."""
    sensitive = sensitive or bool(shape is not None and shape.metadata.get("sensitive"))
    if shape is not None and shape.name in SHOWN_SHAPES:
        sensitive = False
    if isinstance(value, Mapping):
        if shape is not None and shape.type_name == "structure":
            members = shape.members
            return {
                k: _walk(members.get(k), v, sensitive or (shape.name, k) in SECRET_MEMBERS, leaf)
                for k, v in value.items()
            }
        value_shape = shape.value if shape is not None and shape.type_name == "map" else None
        name = shape.name if shape is not None else ""
        return {
            k: _walk(value_shape, v, (sensitive and k not in SHOWN_KEYS) or (name, k) in SECRET_MEMBERS, leaf)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        member = shape.member if shape is not None and shape.type_name == "list" else None
        return [_walk(member, v, sensitive, leaf) for v in value]
    return leaf(value, sensitive)


def masked(shape: Shape | None, value: Any, *, _sensitive: bool = False) -> Any:
    """A copy of ``value`` with every part whose botocore shape is ``sensitive`` masked.

    Walks structures, lists and maps; a sensitive map keeps its keys and masks its values (the
    keys of ``AuthParameters`` such as ``USERNAME`` are part of the protocol, not secrets).
    Members the shape doesn't know are copied unchanged.
    """
    return _walk(shape, value, _sensitive, lambda v, sensitive: mask_value(v) if sensitive else copy.deepcopy(v))


def sensitive_values(shape: Shape | None, value: Any) -> list[Any]:
    """Every scalar of ``value`` that :func:`masked` would mask (the secrets a message might quote)."""
    found: list[Any] = []

    def leaf(v: Any, sensitive: bool) -> None:
        if sensitive and v is not None and v != "" and not isinstance(v, bool):
            found.append(v)

    _walk(shape, value, False, leaf)
    return found


def _forms(value: Any) -> set[str]:
    """The ways a message may quote ``value``: ``str()`` (botocore's ``value: {value}``) and ``repr()``."""
    forms = {str(value), repr(value)}
    if isinstance(value, bytes):
        forms.add(value.decode("utf-8", "replace"))
    return {f for f in forms if f}


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: text


def mask_message(message: str, values: Iterable[Any] = ()) -> str:
    """``message`` with every one of ``values`` masked wherever it appears (a short value: as a whole word),
    then every value quoted next to a sensitive parameter name (:func:`redact_message`)."""
    if not message:
        return message
    forms = sorted({f for v in values for f in _forms(v)}, key=len, reverse=True)
    for form in forms:
        replacement = str(mask_value(form)) if len(form) > 1 else "*"
        if len(form) >= _ANYWHERE:
            message = message.replace(form, replacement)
        else:  # a function as the replacement: the mask is taken as it is, not as a regex template
            message = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", _constant(replacement), message)
    return redact_message(message)


# --------------------------------------------------------------------------- quoted values, no request needed

@lru_cache(maxsize=1)
def _sensitive_names() -> frozenset[str]:
    """Lower-cased member names marked sensitive in botocore's cognito-idp model (and the auth map keys)."""
    names = {"password", "session", "accesstoken", "refreshtoken", "secretcode", "usercode",
             "software_token_mfa_code", "sms_mfa_code", "email_otp_code", "secret_hash", "proposedpassword",
             "previouspassword", "temporarypassword", "clientsecret", "idtoken", "new_password", "secret_block",
             "password_claim_signature", "passwordverifier"}
    try:
        from .servicemodel import service_model  # the journal's cached model (with the kit's extras)

        model = service_model()
        for op in model.operation_names:
            for shape in (model.operation_model(op).input_shape, model.operation_model(op).output_shape):
                if shape is None:
                    continue
                for name, member in getattr(shape, "members", {}).items():
                    if member.metadata.get("sensitive"):
                        names.add(name.lower())
    except Exception:  # noqa: BLE001, S110 - masking must work without the model too
        pass
    return frozenset(names)


def _is_sensitive(path: str) -> bool:
    parts = re.split(r"[.\[\]]+", path)
    return any(p.lower() in _sensitive_names() for p in parts if p)


# botocore.validate's reports: "Invalid type for parameter P, value: V, type: <class 'T'>, valid types: ...",
# "Invalid value for parameter P, value: V, valid min value: M" (range); "Invalid length for parameter P, value: N,"
# quotes a length, not the value.
_BOTO_TYPE = re.compile(r"(Invalid type for parameter ([\w.\[\]-]+), value: )(.*?)(, type: <class )", re.DOTALL)
_BOTO_RANGE = re.compile(r"(Invalid (?:value|range) for parameter ([\w.\[\]-]+), value: )(.*?)(, valid )", re.DOTALL)
# The service's validation errors: "Value 'V' at 'userCode' failed to satisfy constraint ..." (also "Value '[...]'").
_SERVICE = re.compile(r"(Value ')(.*?)(' at '([^']+)')", re.DOTALL)


def redact_message(message: str) -> str:
    """Mask the values botocore or Cognito quote next to a sensitive parameter's name in an error message."""
    if not message:
        return message

    def boto(m: re.Match[str]) -> str:
        return f"{m.group(1)}***{m.group(4)}" if _is_sensitive(m.group(2)) else m.group(0)

    def service(m: re.Match[str]) -> str:
        return f"{m.group(1)}***{m.group(3)}" if _is_sensitive(m.group(4)) else m.group(0)

    message = _BOTO_TYPE.sub(boto, message)
    message = _BOTO_RANGE.sub(boto, message)
    return _SERVICE.sub(service, message)
