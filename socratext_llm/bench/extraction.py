"""Extraction benchmark: field scores of an engine on a dataset with gold values, with our OCR or the gold OCR."""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from tqdm import tqdm

from ..datasets.sroie import FIELDS, iter_receipts
from ..extract.pipeline import extract_document, resolve_doctype
from ..field_metrics import FieldScore, normalised_match, strict_match
from ..ocr_cache import cached_ocr
from ..pipeline import OcrOptions
from ..settings import Settings
from .report import write_summary

CACHE_DIR = Path(".cache/ocr")


def bench_sroie(settings: Settings, engine: str = "rules", ocr_engine: str = "rapidocr",
                limit: int | None = None) -> dict:
    doctype = resolve_doctype("sroie_receipt", settings)
    strict = {f: FieldScore() for f in FIELDS}
    loose = {f: FieldScore() for f in FIELDS}
    extract_ms: list[float] = []
    ocr_ms: list[float] = []
    errors: list[dict] = []
    receipts = list(iter_receipts(settings, limit))
    for receipt in tqdm(receipts, desc=f"sroie {ocr_engine}/{engine}", file=sys.stderr, disable=None):
        start = time.perf_counter()
        if ocr_engine == "gold":
            document = receipt.gold_document()
        else:
            document = cached_ocr(receipt.image, OcrOptions(engine=ocr_engine), settings, CACHE_DIR)
        ocr_ms.append((time.perf_counter() - start) * 1000)
        result = extract_document(document, doctype, engine, settings)
        extract_ms.append(result.timings_ms["extract"])
        for name in FIELDS:
            gold, predicted = receipt.gold[name], result.data.get(name)
            strict[name].add(gold, predicted, predicted is not None and strict_match(gold, predicted))
            matched = predicted is not None and normalised_match(gold, predicted, doctype.fields[name])
            loose[name].add(gold, predicted, matched)
            if not matched:
                errors.append({"file": receipt.image.name, "field": name, "gold": gold, "predicted": predicted})
    return {
        "dataset": "sroie", "receipts": len(receipts), "engine": engine, "ocr_engine": ocr_engine,
        "normalised": {name: score.as_dict() for name, score in loose.items()},
        "strict": {name: score.as_dict() for name, score in strict.items()},
        "mean_f1_normalised": round(statistics.mean(s.f1 for s in loose.values()), 4),
        "mean_f1_strict": round(statistics.mean(s.f1 for s in strict.values()), 4),
        "extract_ms_per_page": {"mean": round(statistics.mean(extract_ms), 2),
                                "p95": round(sorted(extract_ms)[int(0.95 * (len(extract_ms) - 1))], 2)},
        "ocr_ms_per_page_mean_including_cache_hits": round(statistics.mean(ocr_ms), 1),
        "worst_errors": errors[:40],
    }


def run_extraction_benchmark(settings: Settings, engine: str, ocr_engines: list[str], limit: int | None) -> None:
    folder = Path(settings.results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for ocr_engine in ocr_engines:
        figures = bench_sroie(settings, engine, ocr_engine, limit)
        figures["measured_at"] = time.strftime("%Y-%m-%d %H:%M")
        path = folder / f"extract_sroie_{engine}_{ocr_engine}.json"
        path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        write_summary(folder)
        print(f"wrote {path}: mean F1 {figures['mean_f1_normalised']} (normalised), "
              f"{figures['mean_f1_strict']} (strict)", file=sys.stderr)
