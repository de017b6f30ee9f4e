"""Render a journaled call as the equivalent AWS CLI command line.

Names come from botocore's service model the way the AWS CLI derives them
(``xform_name(name, "-")``: ``--user-pool-id``, ``--software-token-mfa-settings``). Values follow
the CLI's argument processing (awscli ``argprocess.py`` / ``shorthand.py`` / ``arguments.py``):

* strings and numbers as one shell word; a value starting with ``-`` as ``--name=-value`` so that
  argparse doesn't take it for an option;
* top-level booleans as ``--flag`` / ``--no-flag``;
* lists of plain strings/numbers as space-separated words (``--explicit-auth-flows A B``);
* flat structures and maps as shorthand (``--auth-parameters USERNAME=Bob,PASSWORD=...``) when
  every key and value is plainly safe for the shorthand grammar, otherwise JSON;
* everything else (nested values, empty collections, values with ``,`` ``=`` spaces or quotes,
  documents) as JSON. Every word is passed through ``shlex.quote``.

Known limit of AWS CLI v1 (not of this module): a *top-level string* that begins with
``file://``, ``fileb://``, ``http://`` or ``https://`` is read from that file/URL by the CLI and
cannot be escaped; lists and structures holding such values are rendered as JSON, which the CLI
does not treat that way.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from botocore import xform_name
from botocore.model import Shape

if TYPE_CHECKING:
    from cognito_mfa_kit.journal import Call

_SHORTHAND_KEY = re.compile(r"[A-Za-z0-9_.#/:-]+\Z")
_SHORTHAND_VALUE = re.compile(r"[A-Za-z0-9_@.*+/:-]+\Z")
_URI_PREFIXES = ("file://", "fileb://", "http://", "https://")
_SCALARS = ("string", "integer", "long", "float", "double", "boolean", "timestamp", "blob")


def as_cli(call: Call, redact: bool = True) -> str:
    """The ``aws <service> <operation> ...`` line for ``call``; secrets masked unless ``redact``
    is False."""
    op = call.operation_model
    params = call.request_masked if redact else call.request
    members = op.input_shape.members if op.input_shape is not None else {}
    words = ["aws", call.service, xform_name(call.operation, "-")]
    for name, value in params.items():
        if value is None:
            continue
        words += render_argument(xform_name(name, "-"), members.get(name), value)
    if call.endpoint_url:
        words += ["--endpoint-url", shlex.quote(call.endpoint_url)]
    if call.region:
        words += ["--region", shlex.quote(call.region)]
    if call.profile:
        words += ["--profile", shlex.quote(call.profile)]
    return " ".join(words)


def render_argument(cli_name: str, shape: Shape | None, value: Any) -> list[str]:
    """The shell words for one top-level argument ``--cli_name`` (already quoted)."""
    option = f"--{cli_name}"
    type_name = shape.type_name if shape is not None else None
    if type_name == "boolean" and isinstance(value, bool):
        return [option if value else f"--no-{cli_name}"]
    if _is_document(shape) or (shape is None and isinstance(value, dict | list | tuple)):
        return [option, _json_word(value)]
    if type_name == "list" and isinstance(value, list | tuple):
        words = _plain_list(shape, value)
        return [option, *words] if words is not None else [option, _json_word(value)]
    if type_name in ("structure", "map") and isinstance(value, dict):
        text = _shorthand(value)
        return [option, shlex.quote(text) if text is not None else _json_word(value)]
    text = _scalar_text(value)
    if text.startswith("-"):
        return [shlex.quote(f"{option}={text}")]
    return [option, shlex.quote(text)]


def _is_document(shape: Shape | None) -> bool:
    return bool(shape is not None and getattr(shape, "is_document_type", False))


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(value).decode("ascii")
    return str(value)


def _plain_list(shape: Shape, value: list | tuple) -> list[str] | None:
    """Space-separated words for a non-empty list of scalars, or None when JSON is needed."""
    if not value or shape.member.type_name not in _SCALARS or shape.member.type_name == "blob":
        return None
    if shape.member.type_name == "boolean":
        return None
    texts = []
    for item in value:
        if isinstance(item, dict | list | tuple | bool) or item is None:
            return None
        text = _scalar_text(item)
        # argparse would take "-x" for an option; the CLI parses "[..."/"{..." as JSON and
        # fetches a lone "file://..."/"http://..." value.
        if text.startswith("-") or text.lstrip().startswith(("[", "{")):
            return None
        if len(value) == 1 and text.startswith(_URI_PREFIXES):
            return None
        texts.append(shlex.quote(text))
    return texts


def _shorthand(value: dict) -> str | None:
    """``Key=value,...`` for a flat dict of plainly safe keys/values, or None."""
    if not value:
        return None
    parts = []
    for key, item in value.items():
        if not isinstance(key, str) or not _SHORTHAND_KEY.match(key):
            return None
        if isinstance(item, bool):
            text = "true" if item else "false"
        elif isinstance(item, int | float) and not isinstance(item, bool):
            text = str(item)
        elif isinstance(item, str) and _SHORTHAND_VALUE.match(item):
            text = item
        else:
            return None
        parts.append(f"{key}={text}")
    return ",".join(parts)


def _json_word(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return shlex.quote(text)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return _scalar_text(value)
    raise TypeError(f"cannot render {type(value).__name__} as JSON")
