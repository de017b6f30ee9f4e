"""The JSON answer of a result that is plain data, written as moto's serializer writes it, without its walk.

moto serializes every answer through its model-driven serializer: for each member of the output shape it builds a
picker context and tries several spellings of the key, ~200 µs for AdminInitiateAuth's six members on this machine
(docs/benchmarks.md, "Sandbox latency"). Most of the sandbox's sign-in answers are plain data already: dicts keyed by
the shape's member names, holding strings, integers, booleans, and lists and maps of them. For those the serializer's
output is that data with its ``None`` members left out, which :func:`plain` checks against the shape and copies in a
few µs. Anything else (an object, a timestamp, a blob, a float, an enum, a key that is not a member, a renamed
member, ``None`` inside a list or map) is :data:`NOT_PLAIN`, and moto's serializer writes it, as before.
tests/sandbox/test_plainjson.py checks the two agree on every output shape of the service model.
"""

from __future__ import annotations

from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

#: What :func:`plain` answers for data it leaves to moto's serializer.
NOT_PLAIN: Any = object()


def plain(value: Any, shape: Shape) -> Any:
    """``value`` as moto's JSON serializer would write it for ``shape``, or :data:`NOT_PLAIN`."""
    kind = shape.type_name
    if kind == "string":
        return value if type(value) is str else NOT_PLAIN
    if isinstance(shape, StructureShape):
        if type(value) is not dict or shape.is_document_type:
            return NOT_PLAIN
        members = shape.members
        out = {}
        for key, item in value.items():
            member = members.get(key)
            if member is None or "name" in member.serialization:
                return NOT_PLAIN
            if item is None:  # (the serializer leaves a None member out)
                continue
            item = plain(item, member)
            if item is NOT_PLAIN:
                return NOT_PLAIN
            out[key] = item
        return out
    if kind in ("integer", "long"):
        return value if type(value) is int else NOT_PLAIN
    if kind == "boolean":
        return value if type(value) is bool else NOT_PLAIN
    if isinstance(shape, ListShape):
        if type(value) is not list:
            return NOT_PLAIN
        member = shape.member
        items = [plain(item, member) for item in value]
        return NOT_PLAIN if any(item is NOT_PLAIN for item in items) else items
    if isinstance(shape, MapShape):
        if type(value) is not dict:
            return NOT_PLAIN
        key_shape, value_shape = shape.key, shape.value
        entries = {}
        for key, item in value.items():
            if plain(key, key_shape) is NOT_PLAIN or item is None:
                return NOT_PLAIN
            item = plain(item, value_shape)
            if item is NOT_PLAIN:
                return NOT_PLAIN
            entries[key] = item
        return entries
    return NOT_PLAIN  # timestamps, blobs, floats, documents: moto's serializer
