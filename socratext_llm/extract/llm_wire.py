"""What is sent to model servers and decoders: the schema without our extension keywords."""
from __future__ import annotations

from typing import Any

from ..errors import SchemaError

MAX_REFERENCE_DEPTH = 8


def wire_schema(schema: Any) -> Any:
    """The schema as sent to a server: x- hints and $id/$schema removed (servers reject unknown keys),
    local references replaced by what they point to (constrained decoders follow no `$ref`).

    Field names under ``properties`` are kept whatever they look like.
    """
    cleaned = _clean(schema)
    if isinstance(cleaned, dict) and "$defs" in cleaned:
        definitions = cleaned.pop("$defs")
        cleaned = _inlined(cleaned, definitions, MAX_REFERENCE_DEPTH)
    return cleaned


def _inlined(node: Any, definitions: dict, depth: int) -> Any:
    """`{"$ref": "#/$defs/name", ...}` replaced by the definition (its siblings kept); validated schemas
    only point inside themselves, and a definition nested deeper than the bound is a schema error."""
    if isinstance(node, list):
        return [_inlined(value, definitions, depth) for value in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        if depth == 0:
            raise SchemaError("references nested too deep for constrained decoding (a recursive definition?)")
        target = definitions.get(reference.removeprefix("#/$defs/"), {})
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return _inlined({**target, **siblings}, definitions, depth - 1)
    return {key: (value if key == "enum" else _inlined(value, definitions, depth)) for key, value in node.items()}


def _clean(schema: Any) -> Any:
    if isinstance(schema, dict):
        cleaned = {}
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                cleaned[key] = {name: _clean(field) for name, field in value.items()}
            elif not key.startswith("x-") and key not in ("$id", "$schema"):
                cleaned[key] = _clean(value)
        return cleaned
    if isinstance(schema, list):
        return [_clean(value) for value in schema]
    return schema
