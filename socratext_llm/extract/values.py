"""Reading one field's value out of a piece of text, as the field's schema and hints ask."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .normalize import AMOUNT, NORMALISERS, NUMERIC_DATE, WORD_DATE, normalize_date, parse_amount, strip_accents
from . import user_patterns
from .textmatch import fold
from .validators import VALIDATORS

SEPARATORS = " \t:;.-=|*"


@dataclass
class ParsedValue:
    value: Any
    start: int
    end: int
    valid: bool = True


def field_types(field: dict) -> set[str]:
    kind = field.get("type", "string")
    return set(kind) if isinstance(kind, list) else {kind}


def _amount(text: str, field: dict, hints: dict) -> ParsedValue | None:
    for match in reversed(list(AMOUNT.finditer(text))):
        token = match.group(0).strip()
        value = parse_amount(token)
        if value is None or not re.search(r"\d", token):
            continue
        if hints.get("require_decimals") and not re.search(r"[.,]\d{2}$", token):
            continue
        start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
        if hints.get("keep_printed"):
            return ParsedValue(token, start, start + len(token))
        if "integer" in field_types(field):
            return ParsedValue(int(value), start, start + len(token))
        return ParsedValue(round(value, 2), start, start + len(token))
    return None


def _date(text: str, hints: dict) -> ParsedValue | None:
    plain = strip_accents(text).lower()
    for pattern in (NUMERIC_DATE, WORD_DATE):
        for match in pattern.finditer(plain):
            iso = normalize_date(match.group(0))
            if iso:
                value = text[match.start():match.end()] if hints.get("keep_printed") else iso
                return ParsedValue(value, match.start(), match.end())
    return None


def parse_value(text: str, field: dict) -> ParsedValue | None:
    """The field's value in the text, with its character span, or None when the text holds none."""
    hints = field.get("x-socratext", {})
    types = field_types(field)
    normalizer = hints.get("normalizer")
    if "pattern" in hints:
        for match in user_patterns.finditer(hints["pattern"], text):
            raw = match.group(0)
            value = NORMALISERS[normalizer](raw) if normalizer in NORMALISERS else raw
            if value is None:
                continue
            if "integer" in types:
                value = int(re.sub(r"\D", "", str(value)) or 0)
            valid = VALIDATORS[hints["validator"]](value) if "validator" in hints else True
            parsed = ParsedValue(value, match.start(), match.end(), valid)
            if valid:
                return parsed
        return None
    if normalizer == "amount":
        return _amount(text, field, hints)
    if normalizer == "date" or field.get("format") == "date":
        return _date(text, hints)
    if "enum" in field:
        folded = fold(text)
        for option in field["enum"]:
            if option is not None and re.search(rf"(?<!\w){re.escape(fold(str(option)))}(?!\w)", folded):
                index = re.search(rf"(?<!\w){re.escape(fold(str(option)))}(?!\w)", folded).start()
                return ParsedValue(option, index, index + len(str(option)))
        return None
    if types & {"number", "integer"}:
        return _amount(text, field, hints)
    start = len(text) - len(text.lstrip(SEPARATORS))
    value = text[start:]
    if hints.get("stop_at") and hints["stop_at"] in value:
        value = value[: value.index(hints["stop_at"])]
    value = value.strip(SEPARATORS)
    if len(re.findall(r"\w", value)) < 2:
        return None
    limit = field.get("maxLength")
    if limit:
        value = value[:limit]
    return ParsedValue(value, start, start + len(value))
