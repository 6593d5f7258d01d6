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


LINE = "line"  # the key an answer gives the id of the line a value was read from (0: nowhere)


def _nullable(field: dict) -> dict:
    """The field or null, as ``anyOf``: a grammar built from ``"type": ["string", "null"]`` drops the string's
    bounds (maxLength, format), and a small model then writes on until its token limit."""
    types = field.get("type")
    if types == "null":
        return field
    if isinstance(types, list):
        others = [kind for kind in types if kind != "null"]
        field = {**field, "type": others[0] if len(others) == 1 else others}
        if "enum" in field:
            field["enum"] = [option for option in field["enum"] if option is not None]
    return {"anyOf": [field, {"type": "null"}]}


def _line_key(name: str, fields: dict) -> str:
    """A key that names no field of the item (a schema may have its own 'line')."""
    key = LINE
    while key in fields:
        key = "_" + key
    return key


def grounded_schema(schema: dict, names: list[str], line_ids: list[int]) -> dict:
    """The schema a model answers with: only the named fields; each scalar becomes ``{"line": id, "value": v}``
    and each object of a list gains ``line``, the id drawn from the lines shown (0 when not printed)."""
    properties = wire_schema(schema).get("properties", {})
    line = {"enum": [0, *line_ids]}
    wanted: dict[str, Any] = {}
    for name in names:
        field = properties[name]
        items = field.get("items") if isinstance(field.get("items"), dict) else None
        if items is not None and items.get("type") == "object" and isinstance(items.get("properties"), dict):
            key = _line_key(name, items["properties"])
            item = {**items, "properties": {key: line, **items["properties"]},
                    "required": [key, *items.get("required", [])]}
            wanted[name] = {**field, "items": item}
        elif "array" in (field.get("type") if isinstance(field.get("type"), list) else [field.get("type")]):
            wanted[name] = field
        else:
            wanted[name] = {"type": "object", "additionalProperties": False, "required": [LINE, "value"],
                            "properties": {LINE: line, "value": _nullable(field)}}
    return {"type": "object", "additionalProperties": False, "required": list(wanted), "properties": wanted}


def split_grounded(answer: dict, schema: dict, names: list[str]) -> tuple[dict, dict[str, int]]:
    """A grounded answer as plain data and the line id each value was read from, by JSON pointer."""
    properties = wire_schema(schema).get("properties", {})
    data, lines = {}, {}
    for name in names:
        value = answer.get(name)
        items = properties.get(name, {}).get("items")
        if isinstance(value, dict) and set(value) == {LINE, "value"}:
            data[name] = value["value"]
            if value["value"] not in (None, "") and value[LINE]:
                lines[f"/{name}"] = value[LINE]
        elif isinstance(value, list) and isinstance(items, dict) and isinstance(items.get("properties"), dict):
            key = _line_key(name, items["properties"])
            data[name] = []
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    if item.get(key):
                        lines[f"/{name}/{index}"] = item[key]
                    item = {k: v for k, v in item.items() if k != key}
                data[name].append(item)
        else:
            data[name] = value
    return data, lines
