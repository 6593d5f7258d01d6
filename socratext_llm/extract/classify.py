"""Choosing a document type when the user says `auto`: the schema whose printed labels and title
are found most in the document's text (no model; the demo and API use it)."""
from __future__ import annotations

from ..document import Document
from ..errors import SchemaError
from .normalize import normalize_text
from .schemas import HINT, DocumentType, SchemaRegistry

FALLBACK = "form_kv"  # any form: key/value pairs
MIN_SCORE = 0.25


def _labels(field: dict) -> list[str]:
    hints = field.get(HINT, {})
    return [label for label in hints.get("labels", []) + hints.get("keywords", []) if isinstance(label, str)]


def doctype_score(doctype: DocumentType, text: str) -> float:
    """Share of the labelled fields whose label is printed, plus one when the type's title is."""
    labelled = [labels for labels in (_labels(field) for field in doctype.fields.values()) if labels]
    found = sum(any(f" {normalize_text(label)} " in text for label in labels) for labels in labelled)
    score = found / len(labelled) if labelled else 0.0
    return score + (1.0 if f" {normalize_text(doctype.title)} " in text else 0.0)


def guess_doctype(document: Document, registry: SchemaRegistry) -> DocumentType:
    text = f" {normalize_text(document.text)} "
    scored = []
    for name in registry.names():
        try:
            doctype = registry.get(name)
        except SchemaError:
            continue  # a broken user schema is reported where it is used, not here
        scored.append((doctype_score(doctype, text), name != FALLBACK, doctype))
    best = max(scored, key=lambda entry: entry[:2], default=None)
    if best is None or best[0] < MIN_SCORE:
        return registry.get(FALLBACK)
    return best[2]
