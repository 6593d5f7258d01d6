"""Checks on an extraction: JSON Schema, domain validators, consistency rules, grounding in the document.

Constrained decoding guarantees a shape, not the truth: every value is checked
against the document text, so an invented value is flagged, never silent.
"""
from __future__ import annotations

import functools
import re
from typing import Any

from .normalize import (AMOUNT, CURRENCY_SYMBOLS, normalize_date, normalize_identifier, normalize_nationality,
                        normalize_text, parse_amount)
from .result import Check
from ..french.mrz import mrz_errors
from .schemas import HINT, DocumentType, data_validator
from .validators import VALIDATORS


def schema_checks(data: dict, doctype: DocumentType) -> list[Check]:
    validator = data_validator(doctype.schema)
    checks = [Check(kind="schema", field="/" + "/".join(str(p) for p in error.absolute_path), ok=False,
                    message=error.message[:300]) for error in validator.iter_errors(data)]
    return checks or [Check(kind="schema", field=None, ok=True, message="valid against the schema")]


def domain_checks(data: dict, doctype: DocumentType) -> list[Check]:
    checks = []
    for name, field in doctype.fields.items():
        value = data.get(name)
        hints = field.get("x-socratext", {})
        if value in (None, "", []):
            continue
        if hints.get("validator") in VALIDATORS:
            ok = VALIDATORS[hints["validator"]](normalize_identifier(str(value)))
            checks.append(Check(kind="domain", field=f"/{name}", ok=ok,
                                message=f"{hints['validator']} check {'passed' if ok else 'failed'}"))
        if hints.get("strategy") == "mrz":
            problems = mrz_errors(value)
            checks.append(Check(kind="domain", field=f"/{name}", ok=not problems,
                                message="MRZ check digits valid" if not problems else "; ".join(problems)))
    return checks


def _number(data: dict, name: str) -> float | None:
    value = data.get(name)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return parse_amount(value)
    return None


def consistency_checks(data: dict, doctype: DocumentType) -> list[Check]:
    checks = []
    for rule in doctype.schema.get("x-socratext", {}).get("checks", []):
        total = _number(data, rule.get("total", ""))
        if rule["kind"] == "sum" and total is not None:
            if "items" in rule:
                parts = [item.get(rule["item_field"]) for item in data.get(rule["items"]) or []]
                parts = [p for p in parts if isinstance(p, (int, float))]
                label = f"sum of {rule['items']}[].{rule['item_field']}"
            else:
                parts = [_number(data, name) for name in rule["fields"]]
                if any(p is None for p in parts):
                    continue
                label = " + ".join(rule["fields"])
            if not parts:
                continue
            difference = abs(sum(parts) - total)
            ok = difference <= rule.get("tolerance", 0.01) * max(1.0, abs(total))
            checks.append(Check(kind="consistency", field=f"/{rule['total']}", ok=ok,
                                message=f"{label} = {sum(parts):.2f} vs {rule['total']} = {total:.2f}"))
        elif rule["kind"] == "order":
            low, high = (_number(data, name) for name in rule["fields"])
            if low is not None and high is not None:
                ok = low <= high
                checks.append(Check(kind="consistency", field=f"/{rule['fields'][0]}", ok=ok,
                                    message="consistent" if ok else rule.get("message", "order violated")))
    return checks


class GroundingIndex:
    """The document text in the forms values are compared in: amounts, dates, identifiers, loose text."""

    def __init__(self, text: str):
        self.raw = text
        self.loose = normalize_text(text)
        # a sentence read across a line break: the hyphen that cut a word at the end of a line is not its own
        self.joined = normalize_text(re.sub(r"(\w)[-\u00ad]\s*\n\s*(\w)", r"\1\2", text))
        self.compact = normalize_identifier(re.sub(r"[^\w]", "", text))
        self.amounts = {round(v, 2) for v in (parse_amount(m.group(0)) for m in AMOUNT.finditer(text)) if v is not None}
        pieces = (piece for line in text.splitlines()  # a line may hold several dates ('du ... au ...')
                  for piece in re.split(r"\bau\b|\bto\b|-\s", line))
        self.dates = {date for date in map(normalize_date, pieces) if date}

    @functools.cached_property
    def nationalities(self) -> set[str]:
        """Codes of the nationalities the text names, worked out only for a document that has such a field
        (every word is looked up: a 300-page recommendation has no need of it)."""
        return {code for code in map(normalize_nationality, self.raw.split()) if code}

    def contains(self, value: Any, field: dict) -> bool:
        hints = field.get("x-socratext", {})
        if isinstance(value, bool):
            return True
        if isinstance(value, (int, float)):
            return round(float(value), 2) in self.amounts or str(value) in self.loose
        text = str(value)
        if field.get("format") == "date" or hints.get("normalizer") == "date":
            return (normalize_date(text) or text) in self.dates
        if hints.get("normalizer") in ("siret", "siren", "iban", "nir", "bic", "identifier"):
            return normalize_identifier(re.sub(r"[^\w]", "", text)) in self.compact
        if hints.get("normalizer") == "nationality":  # 'FRA' from a printed 'Française'
            return text.upper() in self.nationalities
        if hints.get("normalizer") == "currency":  # 'EUR' from a printed '€'
            return text.lower() in self.loose.split() or any(
                symbol in self.raw for symbol, code in CURRENCY_SYMBOLS.items() if code == text.upper())
        if hints.get("normalizer") == "amount":
            amount = parse_amount(text)
            return amount is not None and round(amount, 2) in self.amounts
        if "enum" in field:
            return True  # a category chosen, not a string copied from the page
        loose = normalize_text(text)
        return bool(loose) and (loose in self.loose or loose in self.joined)


def grounding_checks(data: dict, doctype: DocumentType, document_text: str,
                     machine_read: dict[str, str] | None = None) -> list[Check]:
    """Each value found in the text; ``machine_read`` (pointer -> 'mrz' | '2d-doc') names values read from a
    machine-readable zone or barcode, grounded there rather than in the OCR text."""
    index = GroundingIndex(document_text)
    checks = []
    machine_read = machine_read or {}

    def visit(value: Any, field: dict, pointer: str) -> None:
        if value in (None, "", []) or field.get(HINT, {}).get("grounded") is False:
            return  # a position or an id we made: nothing to find in the text
        if pointer in machine_read:
            checks.append(Check(kind="grounding", field=pointer, ok=True, message=f"read from the {machine_read[pointer]}"))
            return
        if isinstance(value, dict):
            for key, sub in value.items():
                visit(sub, field.get("properties", {}).get(key, {}), f"{pointer}/{key}")
        elif isinstance(value, list):
            for position, sub in enumerate(value):
                visit(sub, field.get("items", {}), f"{pointer}/{position}")
        else:
            ok = index.contains(value, field)
            checks.append(Check(kind="grounding", field=pointer, ok=ok,
                                message="found in the document" if ok else "not found in the document text (ungrounded)"))

    for name, field in doctype.fields.items():
        visit(data.get(name), field, f"/{name}")
    return checks


def several_documents_checks(numbers: dict[int, Any], evidence: dict, kept: Any, field: str) -> list[Check]:
    """Checks for a file holding several documents: pages printing different values of the field that
    numbers one (two invoices scanned into one PDF). ``numbers`` is that field read on each page alone.

    Pages without the number belong to the document before them. Every value read on a page of another
    document than the one whose number was kept fails a consistency check, so that none is shown valid.
    """
    def key(value: Any) -> str:
        return "".join(str(value).split()).upper() if value not in (None, "") else ""

    owners, current = {}, ""
    for page in sorted(numbers):
        current = key(numbers[page]) or current
        owners[page] = current
    first = next((owner for owner in owners.values() if owner), "")
    owners = {page: owner or first for page, owner in owners.items()}
    if len(set(owners.values()) - {""}) < 2:
        return []
    pages = ", ".join(str(page + 1) for page in sorted(owners))
    checks = [Check(kind="consistency", field=None, ok=False, message=(
        f"the file holds {len(set(owners.values()))} documents: its pages ({pages}) print different {field} "
        "values; split it and read each document alone"))]
    own = {page for page, owner in owners.items() if owner == key(kept)}
    for pointer, item in evidence.items():
        if item.page not in own:
            checks.append(Check(kind="consistency", field=pointer, ok=False, message=(
                f"read on page {item.page + 1}, which belongs to another document than the {field} kept")))
    return checks
