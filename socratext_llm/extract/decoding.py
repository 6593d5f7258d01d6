"""Schemas for constrained decoding: every field bounded so greedy decoding ends.

Numbers become digit-bounded strings (JSON's number grammar has no length limit),
dates get their ISO pattern, strings and arrays get caps; the answer's numbers are
restored afterwards. The longest possible answer is known, and it is the token
budget: a token is at least one character, so generation is never cut short.
A server that takes the schema unbounded (llama.cpp's) gets it ``as_copied``:
dates as printed, normalised on ``restore``.
"""
from __future__ import annotations

import json
from typing import Any

from .llm_wire import wire_schema
from .normalize import normalize_date

# character classes rather than \d and \. : every grammar converter reads them alike (llama.cpp's reads those
# escapes literally)
NUMBER_PATTERN = r"-?[0-9]{1,9}([.][0-9]{1,2})?"
INTEGER_PATTERN = r"-?[0-9]{1,9}"
DATE_PATTERN = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
# a date as printed ('12 mars 2024', '12/03/24'): the local 1.5B model asked for ISO dates garbled them
# ('0109-02-05' for 05/02/2009) where it copies the printed text well; normalize_date reads it afterwards
PRINTED_DATE = {"type": "string", "maxLength": 40}
LITERAL_KEYS = ("enum", "const", "default", "examples", "required")  # values, not schemas
FRACTION = r"([.][0-9]{1,2})?"
MAX_ENUMERATED_RANGE = 2000
DEFAULT_STRING_CAP = 200
DEFAULT_ITEMS_CAP = 20


def _types(node: dict) -> list[str]:
    kind = node.get("type", "string")
    return kind if isinstance(kind, list) else [kind]


def bounded(node: Any, string_cap: int = DEFAULT_STRING_CAP, items_cap: int = DEFAULT_ITEMS_CAP) -> Any:
    """The decoding form of a (wire) schema node."""
    if not isinstance(node, dict):
        return node
    if "anyOf" in node:
        return {"anyOf": [bounded(option, string_cap, items_cap) for option in node["anyOf"]]}
    types = _types(node)
    if types == ["null"]:
        return {"type": "null"}
    nullable = "null" in types
    if "object" in types:
        properties = {k: bounded(v, string_cap, items_cap) for k, v in node.get("properties", {}).items()}
        return {"type": "object", "properties": properties, "required": list(properties),
                "additionalProperties": False}
    if "array" in types:
        if node.get("prefixItems"):  # a fixed tuple (a box's four numbers): its length is its own
            tuple_items = [bounded(item, string_cap, items_cap) for item in node["prefixItems"]]
            if all(item == tuple_items[0] for item in tuple_items):  # as a plain array: decoders know no tuples
                return {"type": "array", "items": tuple_items[0], "minItems": len(tuple_items),
                        "maxItems": len(tuple_items)}
            return {"type": "array", "prefixItems": tuple_items, "items": False,
                    "minItems": len(tuple_items), "maxItems": len(tuple_items)}
        least = node.get("minItems", 0)
        array = {"type": "array", "items": bounded(node.get("items", {}), string_cap, items_cap),
                 "maxItems": max(least, min(node.get("maxItems", items_cap), items_cap))}
        return {**array, "minItems": least} if least else array
    if "enum" in node:
        return {"enum": node["enum"]}
    if "number" in types or "integer" in types:
        base = {"type": "string", "pattern": number_pattern(node, "number" not in types)}
    elif node.get("format") == "date":
        base = {"type": "string", "pattern": DATE_PATTERN}
    else:
        base = {"type": "string", "maxLength": min(node.get("maxLength", string_cap), string_cap)}
    return {"anyOf": [base, {"type": "null"}]} if nullable else base


def number_pattern(node: dict, integer: bool) -> str:
    """A digit-bounded regular expression for a number field, honouring minimum and maximum."""
    fraction = "" if integer else FRACTION
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None and 0 <= high - low <= MAX_ENUMERATED_RANGE:
        first, last = int(-(-low // 1)), int(high // 1)
        below = "|".join(str(value) for value in range(first, last))
        top = str(last) + ("" if integer else r"([.]0{1,2})?")
        return f"(({below}){fraction}|{top})" if below else top  # grouped: it is embedded between quotes
    if low is not None and low >= 1:
        return r"[1-9][0-9]{0,8}" + fraction
    if low is not None and low >= 0:
        return r"[0-9]{1,9}" + fraction
    return INTEGER_PATTERN if integer else NUMBER_PATTERN


def decoding_schema(schema: dict, string_cap: int = DEFAULT_STRING_CAP, items_cap: int = DEFAULT_ITEMS_CAP) -> dict:
    return bounded(wire_schema(schema), string_cap, items_cap)


def max_chars(node: dict) -> int:
    """Upper bound of the length of any JSON text matching a decoding schema (one optional space per gap)."""
    if "anyOf" in node:
        return max(max_chars(option) for option in node["anyOf"])
    if "enum" in node:
        return max(len(json.dumps(option)) for option in node["enum"])
    kind = node.get("type")
    if kind == "null":
        return 4
    if kind == "object":
        return 2 + sum(len(json.dumps(key)) + 4 + max_chars(value) for key, value in node["properties"].items())
    if kind == "array":
        if "prefixItems" in node:
            return 2 + sum(max_chars(item) + 2 for item in node["prefixItems"])
        return 2 + node["maxItems"] * (max_chars(node["items"]) + 2)
    if "pattern" in node:
        return 2 + (10 if node["pattern"] == DATE_PATTERN else 13)  # dates, and numbers of at most 9+1+2 characters
    return 2 + 6 * node.get("maxLength", DEFAULT_STRING_CAP)  # \uXXXX escapes


def as_copied(node: Any) -> Any:
    """A schema a model answers by copying: date fields take the date as printed (``restore`` normalises it)
    and enumerations are bare ``enum`` (llama.cpp's grammar ignores an enum beside a list of types)."""
    if isinstance(node, list):
        return [as_copied(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "enum" in node:
        return {"enum": node["enum"]}
    if node.get("format") == "date" and "string" in _types(node):
        return {**PRINTED_DATE, **({"type": ["string", "null"]} if "null" in _types(node) else {})}
    return {key: value if key in LITERAL_KEYS else as_copied(value) for key, value in node.items()}


def restore(value: Any, node: dict) -> Any:
    """Numbers decoded as strings back to numbers and dates copied as printed to ISO 8601 (None when no
    date can be read in them), following the original (wire) schema."""
    if value is None or not isinstance(node, dict):
        return value
    if "anyOf" in node:  # the branch that is not null (our schemas offer one value shape and null)
        return restore(value, next((o for o in node["anyOf"] if _types(o) != ["null"]), {}))
    types = _types(node)
    if isinstance(value, dict):
        return {k: restore(v, node.get("properties", {}).get(k, {})) for k, v in value.items()}
    if isinstance(value, list) and node.get("prefixItems"):
        return [restore(v, item) for v, item in zip(value, node["prefixItems"])]
    if isinstance(value, list):
        return [restore(v, node.get("items", {})) for v in value]
    if isinstance(value, str) and node.get("format") == "date":
        return normalize_date(value)
    if isinstance(value, str) and ("number" in types or "integer" in types) and "enum" not in node:
        number = float(value)
        return int(number) if "integer" in types and "number" not in types else number
    return value
