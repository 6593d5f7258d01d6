"""Evidence for values an engine returned without positions (LLMs): the line where each value is printed.

A value is grounded 'line' when it is printed on the line the model cited, else 'exact' or 'fuzzy'
when it is found elsewhere in the text, else 'none' (the model wrote something the document does not
say): the signal the value's confidence is computed from (Evidence.signals).
"""
from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz

from ..document import Line
from .normalize import normalize_identifier, normalize_text
from .result import Evidence
from .textmatch import PlacedLine, fold, span_box
from .values import parse_value

FUZZY_SCORE = 90  # rapidfuzz partial ratio of a value in a line read with OCR errors
FUZZY_MIN_CHARS = 5


def match_in_text(value: Any, field: dict, text: str) -> tuple[str, int, int] | None:
    """How a scalar value is printed in a line of text ('exact' or 'fuzzy') and its character span."""
    parsed = parse_value(text, field)
    if parsed is not None and (parsed.value == value or str(parsed.value) == str(value)):
        return "exact", parsed.start, parsed.end
    wanted = str(value)
    position = fold(text).find(fold(wanted).strip())
    if wanted.strip() and position >= 0:
        return "exact", position, position + len(wanted.strip())
    wanted_text = normalize_text(wanted)
    if wanted_text and wanted_text in normalize_text(text):
        return "exact", 0, len(text)
    compact = normalize_identifier(wanted)
    if len(compact) >= 6 and compact in normalize_identifier(text):
        return "fuzzy", 0, len(text)
    if len(wanted_text) >= FUZZY_MIN_CHARS:
        alignment = fuzz.partial_ratio_alignment(wanted_text, normalize_text(text), score_cutoff=FUZZY_SCORE)
        if alignment is not None:
            return "fuzzy", 0, len(text)
    return None


def _evidence(kind: str, page: int, line: Line, start: int, end: int, engine: str) -> Evidence:
    box, confidence = span_box(line, start, end)
    return Evidence(page=page, bbox=box, source_text=line.text, confidence=round(confidence, 3), engine=engine,
                    signals={"grounding": kind, "ocr_confidence": round(confidence, 3)})


def locate(value: Any, field: dict, lines: list[PlacedLine], engine: str) -> Evidence | None:
    """The first line holding the value (compared as the field's type), or None when it is nowhere;
    an exact match anywhere is preferred to a fuzzy one."""
    if value in (None, "", []) or isinstance(value, (dict, list, bool)):
        return None
    fuzzy = None
    for placed in lines:
        found = match_in_text(value, field, placed.text)
        if found is not None and found[0] == "exact":
            return _evidence("exact", placed.page, placed.line, found[1], found[2], engine)
        if found is not None and fuzzy is None:
            fuzzy = _evidence("fuzzy", placed.page, placed.line, found[1], found[2], engine)
    return fuzzy


def locate_on_line(value: Any, field: dict, page: int, members: tuple[Line, ...], engine: str) -> Evidence | None:
    """Evidence 'line' when the value is printed on one of the lines (those of the line a model cited)."""
    if value in (None, "", []) or isinstance(value, (dict, list, bool)):
        return None
    for line in members:
        found = match_in_text(value, field, line.text)
        if found is not None:
            return _evidence("line", page, line, found[1], found[2], engine)
    return None


def ungrounded(engine: str) -> Evidence:
    """A value found nowhere in the document."""
    return Evidence(engine=engine, confidence=0.0, signals={"grounding": "none"})


def locate_all(data: dict, fields: dict, lines: list[PlacedLine], engine: str) -> dict[str, Evidence]:
    evidence = {}
    for name, field in fields.items():
        value = data.get(name)
        if isinstance(value, list):
            item_field = field.get("items", {})
            for index, item in enumerate(value):
                scalars = item.values() if isinstance(item, dict) else [item]
                for scalar in scalars:
                    found = locate(scalar, item_field if not isinstance(item, dict) else {}, lines, engine)
                    if found:
                        evidence[f"/{name}/{index}"] = found
                        break
        else:
            found = locate(value, field, lines, engine)
            if found:
                evidence[f"/{name}"] = found
    return evidence
