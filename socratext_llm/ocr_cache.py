"""OCR results cached by content hash, so reruns and other extraction engines reuse them.

The key is the file's SHA-256, the OCR engine and the settings that change OCR
output; the value is the Document as JSON. Writes are atomic (rename), so a
killed run leaves no half-written entry. The entries hold whole documents' text: the folder is private
(700, files 600), entries expire after a number of days, and the oldest go when it outgrows its bound
(`SOCRATEXT_OCR_CACHE_MAX_MB`, `SOCRATEXT_OCR_CACHE_MAX_DAYS`).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from .document import Document
from .ingest import file_sha256
from .pipeline import OcrOptions, ocr_document
from .settings import Settings

OCR_FIELDS = ("ocr_engine", "ocr_runtime", "ocr_languages", "render_dpi", "max_ocr_side_px", "ocr_detection_side_px",
              "ocr_large_page_detection_side_px", "ocr_min_crop_width_px", "ocr_recogniser_scripts",
              "min_text_height_px", "deskew",
              "detect_orientation", "binarize", "french_correction", "read_codes", "scan_tables")
CACHE_VERSION = "11"  # bump when OCR output changes (3: codes; 4: drawings and tables; 5: table finders retuned;
# 6: orientation model, detection side; 7: large pages detected at a smaller side; 8: short crops padded less;
# 9: the recogniser narrowed to Latin script, short crops padded to 64 px; 10: crops batched by similar width;
# 11: a word's confidence is its least sure character's)
DAY_S = 86_400


def cache_key(path: Path, options: OcrOptions, settings: Settings) -> str:
    relevant = {name: str(getattr(settings, name)) for name in OCR_FIELDS}
    relevant.update(engine=options.engine or settings.ocr_engine, force=options.force_ocr, version=CACHE_VERSION)
    digest = hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]
    return f"{file_sha256(path)}-{digest}"


def cached_ocr(path: Path, options: OcrOptions, settings: Settings, cache_dir: Path | None) -> Document:
    if cache_dir is None:
        return ocr_document(path, options, settings)
    folder = Path(cache_dir)
    entry = folder / f"{cache_key(path, options, settings)}.json"
    if entry.exists() and time.time() - entry.stat().st_mtime < settings.ocr_cache_max_days * DAY_S:
        return Document.model_validate_json(entry.read_text(encoding="utf-8"))
    document = ocr_document(path, options, settings)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    partial = entry.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(document.model_dump_json())
    partial.replace(entry)
    prune_cache(folder, settings.ocr_cache_max_mb * 2**20, settings.ocr_cache_max_days * DAY_S)
    return document


def prune_cache(folder: Path, max_bytes: float, max_age_s: float) -> None:
    """Expired entries removed, then the oldest until the folder fits its bound."""
    now = time.time()
    entries = []
    for entry in folder.glob("*.json"):
        try:
            stat = entry.stat()
        except OSError:
            continue  # removed by a neighbouring worker
        if now - stat.st_mtime >= max_age_s:
            entry.unlink(missing_ok=True)
        else:
            entries.append((stat.st_mtime, stat.st_size, entry))
    total = sum(size for _, size, _ in entries)
    for _, size, entry in sorted(entries):
        if total <= max_bytes:
            break
        entry.unlink(missing_ok=True)
        total -= size
