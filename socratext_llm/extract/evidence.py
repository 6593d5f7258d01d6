"""Evidence for values an engine returned without positions (LLMs): the line where each value is printed."""
from __future__ import annotations

from typing import Any

from .normalize import normalize_identifier, normalize_text
from .result import Evidence
from .textmatch import PlacedLine, span_box
from .values import parse_value


def locate(value: Any, field: dict, lines: list[PlacedLine], engine: str) -> Evidence | None:
    """The first line holding the value (compared as the field's type), or None when it is nowhere."""
    if value in (None, "", []) or isinstance(value, (dict, list, bool)):
        return None
    wanted_text = normalize_text(str(value))
    wanted_compact = normalize_identifier(str(value))
    for placed in lines:
        parsed = parse_value(placed.text, field)
        found = parsed is not None and (parsed.value == value or str(parsed.value) == str(value))
        if not found and wanted_text and wanted_text in normalize_text(placed.text):
            found = True
        if not found and len(wanted_compact) >= 6 and wanted_compact in normalize_identifier(placed.text):
            found = True
        if found:
            start, end = (parsed.start, parsed.end) if parsed is not None else (0, len(placed.text))
            box, confidence = span_box(placed.line, start, end)
            return Evidence(page=placed.page, bbox=box, source_text=placed.text, confidence=round(confidence, 3),
                            engine=engine)
    return None


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
