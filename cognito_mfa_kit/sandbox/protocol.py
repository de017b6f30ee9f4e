"""The cognito-idp JSON protocol at the sandbox's door: a request is parsed and checked against botocore's service
model before moto sees it, and each failure gets the error Cognito answers with (HTTP 400, ``{"__type", "message"}``).

- no ``X-Amz-Target``, another service's prefix or an operation the model doesn't know → ``UnknownOperationException``;
- a body that is not UTF-8 JSON, or JSON that is not an object → ``SerializationException``;
- a member of the wrong JSON type → ``SerializationException``, worded as Cognito's front end (Coral) words it:
  "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String" for a number where
  a string belongs (observed: pmill/aws-cognito#10), "Start of structure or map found where not expected" for an object
  (observed: amplify-js#13265); a boolean where a string belongs is a SerializationException too (observed:
  amazon-cognito-identity-js#485). The wording of the other type mismatches is [UNVERIFIED] (Coral's own pattern);
- a missing required member or a value outside the model's constraints (length, range, enum, pattern) →
  ``InvalidParameterException`` "N validation error(s) detected: Value '…' at 'member' failed to satisfy constraint:
  Member must …" (Cognito's wording; sensitive members' values are not echoed). Members the model does not know are
  ignored, as AWS's JSON services do [UNVERIFIED]. Patterns written with Java's ``\\p{…}`` classes (usernames,
  message templates) are not checked: Python's ``re`` has no such classes [UNVERIFIED: the sandbox is laxer there].

Required members, types and minimums are found by botocore's own validator (``botocore.validate``) on the parsed
input; the maximums, enums and patterns it leaves to the service are read from the same model. The model is
botocore's plus the kit's extras file (``cognito_mfa_kit/data``), read here as a data file.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator

__all__ = ["ProtocolError", "Request", "check", "error_body", "input_shape", "operations", "service_model"]

SERVICE_NAME = "cognito-idp"
#: The kit's model extras (AdminDeleteSoftwareToken for botocore releases that predate it).
DATA_PATH = Path(__file__).resolve().parent.parent / "data"
#: Cognito lists every constraint a request breaks; a very broken request gets the first ones [UNVERIFIED: count].
MAX_REPORTED = 10


class ProtocolError(Exception):
    """A request refused before dispatch: ``kind`` is the ``__type`` Cognito answers with."""

    def __init__(self, kind: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.kind, self.message, self.status = kind, message, status


@dataclass(frozen=True)
class Request:
    """A request that passed the protocol checks; ``params`` holds the model's members only."""

    operation: OperationModel
    params: dict[str, Any]
    #: whether ``params`` differ from the body as sent (members the model doesn't know were dropped)
    pruned: bool = False

    @property
    def name(self) -> str:
        return self.operation.name


def error_body(kind: str, message: str) -> bytes:
    """The JSON body of a cognito-idp error."""
    return json.dumps({"__type": kind, "message": message}).encode()


@functools.cache
def service_model() -> ServiceModel:
    """botocore's cognito-idp model with the kit's extras file merged in (as the kit's core sees it)."""
    session = botocore.session.Session()
    loader = session.get_component("data_loader")
    if str(DATA_PATH) not in loader.search_paths:
        loader.search_paths.insert(0, str(DATA_PATH))
    return session.get_service_model(SERVICE_NAME)


@functools.cache
def operations() -> dict[str, OperationModel]:
    model = service_model()
    return {name: model.operation_model(name) for name in model.operation_names}


@functools.cache
def input_shape(operation: str) -> Shape | None:
    """An operation's input shape, resolved once (botocore resolves it anew, with its members, on every access)."""
    return operations()[operation].input_shape


def operation_for(target: str | None) -> OperationModel:
    """The operation an ``X-Amz-Target`` header names."""
    prefix = service_model().metadata["targetPrefix"]
    service, _, name = (target or "").partition(".")
    operation = operations().get(name) if service == prefix else None
    if operation is None:
        # [UNVERIFIED] message: AWS's JSON services answer UnknownOperationException, often with no message.
        shown = target if target else "(no X-Amz-Target header)"
        raise ProtocolError(
            "UnknownOperationException",
            f"Unknown operation {shown[:200]}: X-Amz-Target must be {prefix}.<Operation>, an operation of cognito-idp.",
        )
    return operation


def parse_body(body: bytes) -> dict[str, Any]:
    """The request's JSON object (an empty body is ``{}``, as botocore never sends one but AWS accepts it)."""
    if not body.strip():
        return {}
    try:
        params = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProtocolError("SerializationException", f"The request body is not UTF-8 text ({exc.reason}).") from exc
    except (ValueError, RecursionError) as exc:
        raise ProtocolError("SerializationException", f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(params, dict):
        raise ProtocolError("SerializationException", _not_expected(params) + " (the body must be a JSON object)")
    return params


#: Bodies up to this size have their checked form remembered: a lesson repeats the same calls (the same pool,
#: client, token), and a repeat then costs a dictionary lookup instead of a walk over the model.
CACHED_BODY_BYTES = 4096


def check(target: str | None, body: bytes) -> Request:
    """Parse and validate a cognito-idp request; raises :class:`ProtocolError` as Cognito would refuse it.

    The returned ``params`` may be shared with an identical earlier request: read them, don't change them.
    """
    if len(body) <= CACHED_BODY_BYTES:
        return _check_cached(target, body)
    return _check(target, body)


@functools.lru_cache(maxsize=1024)
def _check_cached(target: str | None, body: bytes) -> Request:
    return _check(target, body)  # (a refusal raises: only accepted requests are remembered)


def _check(target: str | None, body: bytes) -> Request:
    operation = operation_for(target)
    params = parse_body(body)
    shape = input_shape(operation.name)
    if shape is not None:
        _check_types(params, shape)
        problems = list(_constraint_problems(params, shape))
        if problems:
            count = len(problems)
            noun = "error" if count == 1 else "errors"
            raise ProtocolError(
                "InvalidParameterException",
                f"{count} validation {noun} detected: " + "; ".join(problems[:MAX_REPORTED]),
            )
    known = _known_only(params, shape) if shape is not None else {}
    return Request(operation, known, pruned=known != params)


# --------------------------------------------------------------------------------------------------- types
_VALIDATOR = ParamValidator()


def _check_types(params: dict[str, Any], shape: Shape) -> None:
    """botocore's validator on the parsed input: its type errors are Coral's SerializationException."""
    given = _as_botocore_input(params, shape) if _has_blobs_or_timestamps(shape) else params
    report = _VALIDATOR.validate(given, shape)
    for kind, _name, details in getattr(report, "_errors", []):
        if kind in ("invalid type", "invalid type for document", "unable to encode to json"):
            raise ProtocolError("SerializationException", _type_message(details))


def _type_message(details: dict[str, Any]) -> str:
    value = details.get("param")
    wanted = " ".join(str(t) for t in details.get("valid_types") or [])  # botocore reports "<class 'int'>"
    # [UNVERIFIED] the names of the list and structure targets (Coral's pattern)
    target = ("an Integer" if "'int'" in wanted else "a Boolean" if "'bool'" in wanted else
              "a List" if "'list'" in wanted else "a Structure" if "'dict'" in wanted else "an String")
    if isinstance(value, dict | list):
        return _not_expected(value)
    if isinstance(value, bool):
        return f"class java.lang.Boolean can not be converted to {target}"  # [UNVERIFIED] wording
    if isinstance(value, int | float):
        return f"class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to {target}"
    return f"STRING_VALUE can not be converted to {target}"  # [UNVERIFIED] wording


def _not_expected(value: Any) -> str:
    if isinstance(value, dict):
        return "Start of structure or map found where not expected"
    if isinstance(value, list):
        return "Start of list found where not expected"  # [UNVERIFIED] wording
    return f"{type(value).__name__} value found where not expected"  # [UNVERIFIED] wording


_SPECIAL: dict[str, bool] = {}


def _has_blobs_or_timestamps(shape: Shape, seen: frozenset[str] = frozenset()) -> bool:
    """Whether ``shape`` holds a blob or timestamp anywhere (most don't: their JSON is already botocore's input)."""
    if shape.name in _SPECIAL:
        return _SPECIAL[shape.name]
    kind = shape.type_name
    if kind in ("blob", "timestamp"):
        found = True
    elif shape.name in seen:
        return False
    elif kind == "structure":
        found = any(_has_blobs_or_timestamps(m, seen | {shape.name})
                    for m in shape.members.values())
    elif kind == "list":
        found = _has_blobs_or_timestamps(shape.member, seen | {shape.name})
    elif kind == "map":
        found = _has_blobs_or_timestamps(shape.value, seen | {shape.name})
    else:
        found = False
    _SPECIAL[shape.name] = found
    return found


def _as_botocore_input(value: Any, shape: Shape) -> Any:
    """The JSON value as botocore's validator expects Python input: base64 blobs as bytes, epoch timestamps as
    datetimes (JSON has neither)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: _as_botocore_input(v, members[k]) if k in members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_as_botocore_input(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _as_botocore_input(v, shape.value) for k, v in value.items()}
    if kind == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProtocolError("SerializationException", "Base64 encoded value expected") from exc  # [UNVERIFIED]
    if kind == "timestamp" and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ProtocolError("SerializationException", "Timestamp out of range") from exc  # [UNVERIFIED]
    return value


def _known_only(value: Any, shape: Shape) -> Any:
    """``value`` without the members its shape does not know (they are ignored); a document (a structure of no
    declared members, such as CompleteWebAuthnRegistration's ``Credential``) is free-form and kept whole."""
    if shape.metadata.get("document"):
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: _known_only(v, members[k]) for k, v in value.items() if k in members}
    if kind == "list" and isinstance(value, list):
        return [_known_only(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _known_only(v, shape.value) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------------------------- constraints
def _member_path(parent: str, name: str) -> str:
    """Coral names members lowerCamelCase, nested with dots; list items as ``.N.member`` (1-based)."""
    name = name[:1].lower() + name[1:]
    return f"{parent}.{name}" if parent else name


#: Passwords: the model says ``[\S]+``, but Cognito takes passwords with inner spaces and words its refusal with
#: this pattern ("Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$", observed).
PASSWORD_PATTERN = r"^[\S]+.*[\S]+$"  # noqa: S105 - Cognito's password pattern, not a password
PASSWORD_MEMBERS = {"password", "temporaryPassword", "proposedPassword", "previousPassword"}

#: Sensitive members whose value Cognito's validation errors still echo (observed: "Value 'Aaaa' at 'userCode'").
ECHOED_SENSITIVE = {"userCode"}


def _shown(value: Any, shape: Shape, path: str) -> str:
    if shape.metadata.get("sensitive") and path.rpartition(".")[2] not in ECHOED_SENSITIVE:
        # Cognito does not echo a sensitive value: "Value at 'password' failed to satisfy constraint" (observed).
        return "Value"
    if value is None:
        return "Value null"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list | dict):
        text = json.dumps(value)
    else:
        text = str(value)
    if len(text) > 200:
        text = text[:200] + "…"
    return f"Value '{text}'"


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.ASCII)  # Java's \w and \d are ASCII
    except re.error:
        return None  # \p{…} classes: not checked


def _constraint_problems(value: Any, shape: Shape, path: str = "") -> Iterator[str]:
    """Each constraint of the model that ``value`` breaks, in Cognito's words."""
    if shape.metadata.get("document"):
        return  # a document (CompleteWebAuthnRegistration's Credential...) is any JSON value: its reader checks it
    kind = shape.type_name
    if kind == "structure":
        members: dict[str, Shape] = shape.members
        for name in shape.required_members:
            if value.get(name) is None:
                where = _member_path(path, name)
                yield f"{_shown(None, members[name], where)} at '{where}' failed to satisfy constraint: " \
                      "Member must not be null"
        for name, member_value in value.items():
            if name in members and member_value is not None:
                yield from _constraint_problems(member_value, members[name], _member_path(path, name))
        return
    meta = shape.metadata
    broken: list[str] = []
    if kind == "string":  # the pattern before the length, as Cognito lists them (observed)
        if shape.enum and value not in shape.enum:
            broken.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = PASSWORD_PATTERN if path.rpartition(".")[2] in PASSWORD_MEMBERS else meta.get("pattern")
        compiled = _pattern(pattern) if pattern else None
        if compiled is not None and compiled.fullmatch(value) is None:
            broken.append(f"Member must satisfy regular expression pattern: {pattern}")
    if kind in ("list", "map", "string", "blob"):
        size = len(value)
        if "min" in meta and size < meta["min"]:
            broken.append(f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and size > meta["max"]:
            broken.append(f"Member must have length less than or equal to {meta['max']}")
    if kind == "integer" or kind == "long":
        if "min" in meta and value < meta["min"]:
            broken.append(f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            broken.append(f"Member must have value less than or equal to {meta['max']}")
    if broken:
        where = f"{_shown(value, shape, path)} at '{path}' failed to satisfy constraint: "
        for constraint in broken:
            yield where + constraint
    if kind == "list":
        for i, item in enumerate(value, 1):
            if item is not None:
                yield from _constraint_problems(item, shape.member, f"{path}.{i}.member")
    if kind == "map":
        for key, item in value.items():
            yield from _constraint_problems(key, shape.key, f"{path}.key")
            if item is not None:
                yield from _constraint_problems(item, shape.value, f"{path}.{key}")
