"""OCR results cached by content hash, so reruns and other extraction engines reuse them.

The key is the file's SHA-256, the OCR engine and the settings that change OCR
output; the value is the Document as JSON. Writes are atomic (rename), so a
killed run leaves no half-written entry.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .document import Document
from .ingest import file_sha256
from .pipeline import OcrOptions, ocr_document
from .settings import Settings

OCR_FIELDS = ("ocr_engine", "ocr_languages", "render_dpi", "max_ocr_side_px", "min_text_height_px", "deskew",
              "detect_orientation", "binarize", "french_correction", "scan_tables")
CACHE_VERSION = "4"  # bump when OCR output changes (3: drawings and tables; 4: table finders retuned)


def cache_key(path: Path, options: OcrOptions, settings: Settings) -> str:
    relevant = {name: str(getattr(settings, name)) for name in OCR_FIELDS}
    relevant.update(engine=options.engine or settings.ocr_engine, force=options.force_ocr, version=CACHE_VERSION)
    digest = hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]
    return f"{file_sha256(path)}-{digest}"


def cached_ocr(path: Path, options: OcrOptions, settings: Settings, cache_dir: Path | None) -> Document:
    if cache_dir is None:
        return ocr_document(path, options, settings)
    entry = Path(cache_dir) / f"{cache_key(path, options, settings)}.json"
    if entry.exists():
        return Document.model_validate_json(entry.read_text(encoding="utf-8"))
    document = ocr_document(path, options, settings)
    entry.parent.mkdir(parents=True, exist_ok=True)
    partial = entry.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(document.model_dump_json(), encoding="utf-8")
    partial.replace(entry)
    return document
