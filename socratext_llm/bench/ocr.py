"""OCR benchmark: raw engines and the default pipeline side by side, on the same data, in one run.

Suites:
- tapuscorpus: line CER/WER on the gold line crops of French typewritten pages;
- funsd: end-to-end word precision/recall on scanned forms (IoU ≥ 0.5, same text ignoring case),
  with ablations of each pre-processing step on the same forms;
Speed and memory have their own command: ``socratext bench speed`` (bench/speed.py).
"""
from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from ..datasets.funsd import iter_forms
from ..datasets.tapuscorpus import iter_pages as iter_tapus_pages
from ..document import BBox
from ..metrics import cer, match_words, wer
from ..ocr import get_ocr_engine
from ..pipeline import OcrOptions, ocr_document, read_line
from ..settings import Settings
from .report import write_summary

DEFAULT_ENGINES = ["rapidocr", "tesseract"]
ALL_SUITES = ["tapuscorpus", "funsd"]
ABLATION_FORMS = 25


def _write(settings: Settings, name: str, figures: dict) -> Path:
    folder = Path(settings.results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    figures["machine"] = machine()
    figures["measured_at"] = time.strftime("%Y-%m-%d %H:%M")
    path = folder / f"ocr_{name}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path} and {write_summary(folder)}", file=sys.stderr)
    return path


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def machine() -> dict:
    return {"cpus": cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def bench_tapuscorpus(settings: Settings, engines: list[str], limit: int | None) -> dict:
    references: list[str] = []
    outputs: dict[str, list[str]] = {name: [] for name in engines}
    outputs["pipeline"] = []
    seconds = {name: 0.0 for name in outputs}
    default_engine = get_ocr_engine(settings.ocr_engine, settings)
    pages = list(iter_tapus_pages(settings, limit))
    for page in tqdm(pages, desc="tapuscorpus", file=sys.stderr, disable=None):
        image = np.asarray(Image.open(page.image).convert("RGB"))
        for line in page.lines:
            if line.kind == "Handwritten":
                continue
            x0, y0, x1, y1 = line.box
            crop = np.ascontiguousarray(image[max(0, y0):y1, max(0, x0):x1])
            if crop.size == 0:
                continue
            references.append(line.text)
            for name in engines:
                start = time.perf_counter()
                outputs[name].append(get_ocr_engine(name, settings).recognise_line(crop)[0])
                seconds[name] += time.perf_counter() - start
            start = time.perf_counter()
            outputs["pipeline"].append(read_line(crop, default_engine, settings))
            seconds["pipeline"] += time.perf_counter() - start
    figures = {
        "dataset": "tapuscorpus", "pages": len(pages), "lines": len(references),
        "line_kinds": "Typewritten and Print (Handwritten excluded); underline marks '_' removed from gold",
        "pipeline": f"{settings.ocr_engine} + French post-correction",
        "results": {name: {"cer": round(cer(references, out), 4), "wer": round(wer(references, out), 4),
                           "seconds_per_line": round(seconds[name] / max(1, len(references)), 4)}
                    for name, out in outputs.items()},
    }
    best_raw = min(figures["results"][name]["cer"] for name in engines)
    pipeline_cer = figures["results"]["pipeline"]["cer"]
    figures["pipeline_cer_reduction_vs_best_raw"] = round(1 - pipeline_cer / best_raw, 3) if best_raw else 0.0
    return figures


def _gold_words(form) -> list[tuple[str, BBox]]:
    return [(w.text, BBox(x0=w.box[0], y0=w.box[1], x1=w.box[2], y1=w.box[3])) for w in form.words]


def _words_of_lines(lines) -> list[tuple[str, BBox]]:
    return [(word.text, BBox(x0=word.box[0], y0=word.box[1], x1=word.box[2], y1=word.box[3]))
            for line in lines for word in line.words]


def _pipeline_words(document) -> list[tuple[str, BBox]]:
    return [(word.text, word.bbox) for word in document.pages[0].words]


def _accumulate(totals: dict, match) -> None:
    totals["matched"] += match.matched
    totals["predicted"] += match.predicted
    totals["gold"] += match.gold


def _scores(totals: dict, seconds: float, count: int) -> dict:
    return {"precision": round(totals["matched"] / max(1, totals["predicted"]), 4),
            "recall": round(totals["matched"] / max(1, totals["gold"]), 4),
            "seconds_per_page": round(seconds / max(1, count), 3)}


FUNSD_VARIANTS = {
    "pipeline": {},
    "pipeline without deskew": {"deskew": False},
    "pipeline without orientation": {"detect_orientation": False},
    "pipeline without small-text upscale": {"min_text_height_px": 0.0},
    "pipeline without French correction": {"french_correction": False},
    "pipeline with binarisation": {"binarize": True},
}


def bench_funsd(settings: Settings, engines: list[str], limit: int | None) -> dict:
    forms = list(iter_forms(settings, limit))
    ablation_count = min(len(forms), ABLATION_FORMS)
    runs: dict[str, dict] = {}
    for name in engines:
        engine = get_ocr_engine(name, settings)
        totals, seconds = {"matched": 0, "predicted": 0, "gold": 0}, 0.0
        for form in tqdm(forms, desc=f"funsd {name}", file=sys.stderr, disable=None):
            gold = _gold_words(form)
            image = np.asarray(Image.open(form.image).convert("RGB"))
            start = time.perf_counter()
            lines = engine.recognise_page(image)
            seconds += time.perf_counter() - start
            _accumulate(totals, match_words(gold, _words_of_lines(lines)))
        runs[name] = {**_scores(totals, seconds, len(forms)), "forms": len(forms)}
    baseline_subset = {"matched": 0, "predicted": 0, "gold": 0}
    for variant, overrides in FUNSD_VARIANTS.items():
        variant_settings = settings.model_copy(update=overrides)
        subset = forms if variant == "pipeline" else forms[:ablation_count]
        totals, seconds = {"matched": 0, "predicted": 0, "gold": 0}, 0.0
        for position, form in enumerate(tqdm(subset, desc=f"funsd {variant}", file=sys.stderr, disable=None)):
            gold = _gold_words(form)
            start = time.perf_counter()
            document = ocr_document(form.image, OcrOptions(), variant_settings)
            seconds += time.perf_counter() - start
            match = match_words(gold, _pipeline_words(document))
            _accumulate(totals, match)
            if variant == "pipeline" and position < ablation_count:
                _accumulate(baseline_subset, match)  # the default pipeline on the ablations' forms
        runs[variant] = {**_scores(totals, seconds, len(subset)), "forms": len(subset)}
    if ablation_count < len(forms):
        runs[f"pipeline (first {ablation_count} forms, for the ablations)"] = {
            **_scores(baseline_subset, 0.0, ablation_count), "forms": ablation_count}
    return {"dataset": "funsd", "forms": len(forms), "match": "IoU >= 0.5 and same text ignoring case",
            "results": runs}


def a4_scans(settings: Settings, count: int) -> list[np.ndarray]:
    """Real scanned pages brought to A4 at 300 dpi (2480 x 3508)."""
    pages = list(iter_tapus_pages(settings))[:count]
    return [np.asarray(Image.open(page.image).convert("RGB").resize((2480, 3508))) for page in pages]


def run_ocr_benchmark(settings: Settings, suites: list[str] | None = None, limit: int | None = None,
                      engines: list[str] | None = None) -> None:
    engines = engines or DEFAULT_ENGINES
    for suite in suites or ALL_SUITES:
        if suite == "tapuscorpus":
            _write(settings, suite, bench_tapuscorpus(settings, engines, limit))
        elif suite == "funsd":
            _write(settings, suite, bench_funsd(settings, engines, limit))
        else:
            raise ValueError(f"unknown suite {suite}")
