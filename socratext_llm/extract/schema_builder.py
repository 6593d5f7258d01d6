"""A document type from a list of fields typed by a person, one per line:

    total (montant): Total payé | Net à payer; Total TTC
    date_paiement (date): Date du paiement

``name (type): description | label; label`` — the type is optional (texte by default); labels are
the words printed next to the value on the document, used by the rules engine (the description
is the first label when none is given).
"""
from __future__ import annotations

import re
import unicodedata

from ..errors import SchemaError

TYPES: dict[str, dict] = {
    "texte": {"type": ["string", "null"], "maxLength": 300},
    "montant": {"type": ["number", "null"], "x-socratext": {"normalizer": "amount"}},
    "nombre": {"type": ["number", "null"]},
    "date": {"type": ["string", "null"], "format": "date", "x-socratext": {"normalizer": "date"}},
    "siret": {"type": ["string", "null"], "x-socratext": {"normalizer": "siret", "validator": "siret"}},
    "iban": {"type": ["string", "null"], "x-socratext": {"normalizer": "iban", "validator": "iban"}},
}
ALIASES = {"text": "texte", "string": "texte", "amount": "montant", "number": "nombre"}
LINE = re.compile(r"^\s*(?P<name>[^:(]+?)\s*(?:\((?P<type>[^)]*)\))?\s*:\s*(?P<rest>.+?)\s*$")


def field_name(text: str) -> str:
    """'Date de paiement' → 'date_de_paiement': a JSON-friendly key."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def schema_from_fields(text: str, title: str) -> dict:
    properties: dict[str, dict] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = LINE.match(line)
        if not match:
            raise SchemaError(f"line {number}: expected 'name (type): description', got {line.strip()[:60]!r}",
                              hint="one field per line, e.g. 'total (montant): Total payé'")
        name = field_name(match["name"])
        kind = ALIASES.get((match["type"] or "texte").strip().lower(), (match["type"] or "texte").strip().lower())
        if kind not in TYPES:
            raise SchemaError(f"line {number}: unknown type '{kind}'", hint=f"choose {', '.join(TYPES)}")
        if not name or name in properties:
            raise SchemaError(f"line {number}: the field name '{match['name'].strip()}' is empty or repeated")
        description, _, labels = match["rest"].partition("|")
        field = {key: (dict(value) if isinstance(value, dict) else value) for key, value in TYPES[kind].items()}
        field["description"] = description.strip()
        hints = field.setdefault("x-socratext", {})
        hints["labels"] = [label.strip() for label in labels.split(";") if label.strip()] or [description.strip()]
        properties[name] = field
    if not properties:
        raise SchemaError("no field given", hint="type one field per line, e.g. 'total (montant): Total payé'")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title.strip() or "Nouveau type",
            "type": "object", "additionalProperties": False, "properties": properties}
