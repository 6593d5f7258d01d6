"""The `x-socratext` extension keyword, described by a JSON Schema of its own.

Hints are user input like the rest of a schema: a list where a string is expected, a number for a
pattern, an unknown key (a typo) must fail when the schema is loaded, with the place named, never
crash an extraction later.
"""
from __future__ import annotations

from jsonschema import Draft202012Validator

from .normalize import NORMALISERS
from .validators import VALIDATORS

STRATEGIES = ["label", "header", "block_after", "line_items", "mrz", "key_values", "largest_heading",
              "graded_statements", "has_metadata", "has_decision_trees"]
CHECK_KINDS = ["sum", "order"]

_TEXT = {"type": "string", "maxLength": 300}
_TEXTS = {"type": "array", "maxItems": 200, "items": _TEXT}
_PATTERN = {"type": "string", "maxLength": 1000}
_PATTERNS = {"type": "array", "maxItems": 100, "items": _PATTERN}

FIELD_HINTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "labels": _TEXTS,
        "exclude_labels": _TEXTS,
        "keywords": _TEXTS,
        "stop_labels": _TEXTS,
        "keywords_map": {"type": "object", "maxProperties": 100, "additionalProperties": _TEXTS},
        "pattern": _PATTERN,
        "start_pattern": _PATTERN,
        "strip_patterns": _PATTERNS,
        "skip_patterns": _PATTERNS,
        "normalizer": {"enum": sorted(NORMALISERS)},
        "validator": {"enum": sorted(VALIDATORS)},
        "strategy": {"enum": STRATEGIES},
        "select": {"enum": ["first", "last", "largest"]},
        "after": {"type": "string", "maxLength": 64},
        "max_lines": {"type": "integer", "minimum": 1, "maximum": 100},
        "stop_at": {"type": "string", "minLength": 1, "maxLength": 50},
        "keep_printed": {"type": "boolean"},
        "require_decimals": {"type": "boolean"},
        "anywhere": {"type": "boolean"},
        "grounded": {"type": "boolean"},  # false: a position or an id we made, not words to find in the text
        # line_items from a table: item field → the column labels that name it
        "columns": {"type": "object", "maxProperties": 50, "additionalProperties": _TEXTS},
    },
}

ROOT_HINTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        # invoices: the seller from legal mentions and domains, the SIREN from any French identifier,
        # a missing total from the two others (french/invoice.py)
        "invoice_rules": {"type": "boolean"},
        # the field that numbers one document: pages printing different values are different documents
        # (several invoices scanned into one file), and values read on another's pages fail a check
        "document_number": {"type": "string", "maxLength": 100},
        "checks": {
            "type": "array", "maxItems": 50,
            "items": {
                "type": "object", "additionalProperties": False, "required": ["kind"],
                "properties": {
                    "kind": {"enum": CHECK_KINDS},
                    "fields": {"type": "array", "maxItems": 20, "items": {"type": "string"}},
                    "total": {"type": "string"},
                    "items": {"type": "string"},
                    "item_field": {"type": "string"},
                    "tolerance": {"type": "number", "minimum": 0},
                    "message": _TEXT,
                },
                "allOf": [
                    {"if": {"properties": {"kind": {"const": "sum"}}},
                     "then": {"required": ["total"], "oneOf": [{"required": ["fields"]},
                                                               {"required": ["items", "item_field"]}]}},
                    {"if": {"properties": {"kind": {"const": "order"}}},
                     "then": {"required": ["fields"], "properties": {"fields": {"minItems": 2}}}},
                ],
            },
        },
    },
}

DETECTION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "titles": _TEXTS,
        "keywords": _TEXTS,
        "patterns": _PATTERNS,
        "specialises": {"type": "string", "maxLength": 64},
        "auto": {"type": "boolean"},
    },
}

_DETECTION = Draft202012Validator(DETECTION_SCHEMA)
_FIELD_HINTS = Draft202012Validator(FIELD_HINTS_SCHEMA)
_ROOT_HINTS = Draft202012Validator(ROOT_HINTS_SCHEMA)


def hint_problems(hints: object, where: str, root: bool) -> list[str]:
    """What is wrong with one `x-socratext` object, each problem naming its place."""
    validator = _ROOT_HINTS if root else _FIELD_HINTS
    problems = []
    for error in sorted(validator.iter_errors(hints), key=lambda e: list(e.absolute_path)):
        inside = "/".join(str(p) for p in error.absolute_path)
        problems.append(f"{where}x-socratext{'/' + inside if inside else ''}: {error.message[:200]}")
    return problems


def detection_problems(detection: object) -> list[str]:
    """What is wrong with a schema's `x-socratext-detection` block (how `auto` recognises the type)."""
    return [f"x-socratext-detection{'/' + '/'.join(str(p) for p in e.absolute_path) if e.absolute_path else ''}: "
            f"{e.message[:200]}" for e in _DETECTION.iter_errors(detection)]
