"""Two promises checked on any extraction: no printed label returned as a value, and no value that
fails its validator silently dropped (it must be returned with a failed check)."""
from __future__ import annotations

import re

from ..extract import user_patterns
from ..extract.labels import LabelVocabulary
from ..extract.result import ExtractionResult
from ..extract.schemas import HINT, DocumentType
from ..extract.textmatch import fold


def label_values(result: ExtractionResult, vocabularies: list[LabelVocabulary], doctype: DocumentType) -> list[str]:
    """Pointers of the top-level text values that are printed labels or pieces of one, in any type's
    vocabulary ('/Sumame', 'PASSEPORT', 'INVOICE'), or that start with a slash and a word."""
    found = []
    for name, value in result.data.items():
        field = doctype.fields.get(name, {})
        if not isinstance(value, str) or "enum" in field:
            continue
        if re.match(r"^\s*/\s*[A-Za-zÀ-ÿ]", value) or any(v.is_label(value) for v in vocabularies):
            found.append(f"/{name}")
    return found


def dropped_invalid(result: ExtractionResult, document_text: str, doctype: DocumentType) -> list[str]:
    """Fields with a validator left empty although a value of their form is printed beside (or just
    under) one of their labels: an invalid value dropped instead of reported."""
    lines = document_text.splitlines()
    dropped = []
    for name, field in doctype.fields.items():
        hints = field.get(HINT, {})
        if "validator" not in hints or "pattern" not in hints or result.data.get(name) not in (None, ""):
            continue
        labels = [fold(label) for label in hints.get("labels", [])]
        for index, line in enumerate(lines):
            if any(re.search(rf"(?<!\w){re.escape(label)}(?!\w)", fold(line)) for label in labels):
                nearby = " ".join(lines[index:index + 2])
                if user_patterns.search(hints["pattern"], nearby):
                    dropped.append(f"/{name}")
                    break
    return dropped
