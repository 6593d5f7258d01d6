"""Reading one field's value out of a piece of text, as the field's schema and hints ask."""
from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

from .normalize import AMOUNT, MONTH_FIRST_DATE, NORMALISERS, NUMERIC_DATE, WORD_DATE, normalize_date, parse_amount, strip_accents
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


RATE_AFTER = re.compile(r"^\s*%")
CURRENCY_AFTER = re.compile(r"^\s*(?:€|EUR\b|\$|£|₹)", re.IGNORECASE)
CURRENCY_BEFORE = re.compile(r"(?:€|\bEUR|\$|£|₹|\bRs\.?|\bINR|\bUSD)\s*$", re.IGNORECASE)
BARE_YEAR = re.compile(r"^(?:19|20)\d{2}$")


def _not_an_amount(token: str, before: str, after: str) -> bool:
    """A rate ('20 %') or a bare year ('2014', not '1939 EUR' nor 'Rs 1939') where an amount is expected."""
    return bool(RATE_AFTER.match(after)) or (BARE_YEAR.match(token) is not None and not CURRENCY_AFTER.match(after)
                                             and not CURRENCY_BEFORE.search(before))


def _amount(text: str, field: dict, hints: dict) -> ParsedValue | None:
    for match in reversed(list(AMOUNT.finditer(text))):
        token = match.group(0).strip()
        value = parse_amount(token)
        if value is None or not re.search(r"\d", token):
            continue
        if "integer" not in field_types(field) and _not_an_amount(token, text[:match.start()], text[match.end():]):
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
    for pattern in (NUMERIC_DATE, WORD_DATE, MONTH_FIRST_DATE):
        for match in pattern.finditer(plain):
            iso = normalize_date(match.group(0))
            if iso:
                value = text[match.start():match.end()] if hints.get("keep_printed") else iso
                return ParsedValue(value, match.start(), match.end())
    return None


def parse_value(text: str, field: dict, is_label: Callable[[str], bool] | None = None,
                keep_invalid: bool = False) -> ParsedValue | None:
    """The field's value in the text, with its character span, or None when the text holds none.

    ``is_label`` rejects printed label text ('INVOICE', '/ Surname'); with ``keep_invalid`` a value
    that fails its validator is returned (``valid`` False) when no valid one is there: a wrong check
    digit is reported, never silently dropped."""
    hints = field.get("x-socratext", {})
    types = field_types(field)
    normalizer = hints.get("normalizer")
    if "pattern" in hints:
        invalid = None
        for match in user_patterns.finditer(hints["pattern"], text):
            raw = match.group(0)
            if is_label is not None and is_label(raw):
                continue
            value = NORMALISERS[normalizer](raw) if normalizer in NORMALISERS else raw
            if value is None:
                continue
            if "integer" in types:
                value = int(re.sub(r"\D", "", str(value)) or 0)
            valid = VALIDATORS[hints["validator"]](value) if "validator" in hints else True
            parsed = ParsedValue(value, match.start(), match.end(), valid)
            if valid:
                return parsed
            invalid = invalid or parsed
        return invalid if keep_invalid else None
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
    start = len(text) - len(text.lstrip(SEPARATORS + ")"))  # '(s): VICTOR' after the label 'Prénom'
    value = text[start:]
    if hints.get("stop_at") and hints["stop_at"] in value:
        value = value[: value.index(hints["stop_at"])]
    value = value.strip(SEPARATORS)
    if len(re.findall(r"[^\W\d_]", value)) < 2 or (is_label is not None and is_label(value)):  # a name has letters
        return None
    limit = field.get("maxLength")
    if limit:
        value = value[:limit]
    return ParsedValue(value, start, start + len(value))
