"""The gold format: one JSON per document, the data valid against the document type's schema,
with optional per-field evidence under the reserved key ``x-evidence`` (JSON pointer → page, box)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


from ..errors import DatasetError
from ..extract.schemas import DocumentType, data_validator

EVIDENCE_KEY = "x-evidence"
DOCUMENT_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")


@dataclass
class Gold:
    data: dict
    evidence: dict[str, dict] = field(default_factory=dict)


def read_gold(path: Path) -> Gold:
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatasetError(f"gold file {path} is not readable JSON ({type(error).__name__})",
                           hint="fix the file; `socratext eval check-gold` lists every problem") from None
    if not isinstance(content, dict):
        raise DatasetError(f"gold file {path} must hold a JSON object", hint="see eval/README.md")
    evidence = content.pop(EVIDENCE_KEY, {})
    return Gold(content, evidence if isinstance(evidence, dict) else {})


def gold_problems(gold: Gold, doctype: DocumentType) -> list[str]:
    """What makes a gold record unusable: schema violations and malformed evidence."""
    validator = data_validator(doctype.schema)
    problems = [f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message[:200]}"
                for error in validator.iter_errors(gold.data)]
    for pointer, evidence in gold.evidence.items():
        if not pointer.startswith("/") or not isinstance(evidence, dict):
            problems.append(f"{EVIDENCE_KEY}: '{pointer}' must be a JSON pointer mapping to an object")
        elif "bbox" in evidence and (not isinstance(evidence["bbox"], list) or len(evidence["bbox"]) != 4):
            problems.append(f"{EVIDENCE_KEY} {pointer}: bbox must be [x0, y0, x1, y1] in page pixels")
    return problems


def document_gold_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """Documents of a folder that have a gold JSON beside them (same stem), in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"folder {folder} not found", hint="give a folder of documents with <name>.json gold beside each")
    pairs = []
    for path in sorted(folder.iterdir()):
        gold = path.with_suffix(".json")
        if path.suffix.lower() in DOCUMENT_SUFFIXES and gold.is_file():
            pairs.append((path, gold))
    return pairs
