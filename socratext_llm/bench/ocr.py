"""OCR benchmark: raw engines and the default pipeline side by side, on the same data, in one run.

Suites:
- tapuscorpus: line CER/WER on the gold line crops of French typewritten pages;
- funsd: end-to-end word precision/recall on scanned forms (IoU ≥ 0.5, same text ignoring case),
  with ablations of each pre-processing step on the same forms;
- speed: seconds per scanned A4 page at 300 dpi, born-digital pages per second, peak RSS on 200 pages.
"""
from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image
from tqdm import tqdm

from ..datasets import dataset_dir
from ..datasets.funsd import iter_forms
from ..datasets.tapuscorpus import iter_pages as iter_tapus_pages
from ..document import BBox
from ..metrics import cer, match_words, wer
from ..ocr import get_ocr_engine
from ..pipeline import OcrOptions, ocr_document, read_line
from ..settings import Settings
from .report import write_summary

DEFAULT_ENGINES = ["rapidocr", "tesseract"]
ALL_SUITES = ["tapuscorpus", "funsd", "speed"]
ABLATION_FORMS = 25


def _write(settings: Settings, name: str, figures: dict) -> Path:
    folder = Path(settings.results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    figures["machine"] = {"cpus": _cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    figures["measured_at"] = time.strftime("%Y-%m-%d %H:%M")
    path = folder / f"ocr_{name}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path} and {write_summary(folder)}", file=sys.stderr)
    return path


def _cpu_count() -> int:
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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


def _a4_scans(settings: Settings, count: int) -> list[np.ndarray]:
    """Real scanned pages brought to A4 at 300 dpi (2480 x 3508)."""
    pages = list(iter_tapus_pages(settings))[:count]
    return [np.asarray(Image.open(page.image).convert("RGB").resize((2480, 3508))) for page in pages]


def _peak_rss_mb(code: str) -> float:
    """Peak resident memory of a child Python process running the given code.

    Read from VmHWM, which starts afresh at exec (ru_maxrss would carry the parent's peak over).
    """
    probe = ("\nprint([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])")
    completed = subprocess.run([sys.executable, "-c", code + probe], capture_output=True, text=True, check=True)
    return round(int(completed.stdout.strip().splitlines()[-1]) / 1024, 1)


def bench_speed(settings: Settings, limit: int | None) -> dict:
    figures: dict = {}
    engine = get_ocr_engine(settings.ocr_engine, settings)
    scans = _a4_scans(settings, limit or 6)
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, scan in enumerate(scans):
            path = Path(folder) / f"scan{index}.png"
            Image.fromarray(scan).save(path, dpi=(300, 300))
            paths.append(path)
        engine.recognise_page(scans[0])  # warm-up: first inference allocates
        start = time.perf_counter()
        for scan in scans:
            engine.recognise_page(scan)
        raw = (time.perf_counter() - start) / len(scans)
        start = time.perf_counter()
        for path in paths:
            ocr_document(path, OcrOptions(), settings)
        pipeline = (time.perf_counter() - start) / len(paths)
        figures["scanned_a4_300dpi"] = {"pages": len(scans), "raw_engine_seconds_per_page": round(raw, 3),
                                        "pipeline_seconds_per_page": round(pipeline, 3)}

        pdfs = sorted(dataset_dir(settings, "icdar2013").glob("*.pdf"))
        # pages through the text layer only: documents with a page that needs OCR are left out
        born_digital = [pdf for pdf in pdfs if all(
            page.text_source == "text-layer" for page in ocr_document(pdf, OcrOptions(), settings).pages)]
        start = time.perf_counter()
        pages = 0
        for pdf in born_digital:
            pages += len(ocr_document(pdf, OcrOptions(), settings).pages)
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        for pdf in born_digital:
            with pymupdf.open(pdf) as doc:
                for page in doc:
                    page.get_text("rawdict")
        raw_elapsed = time.perf_counter() - start
        figures["born_digital"] = {"documents": len(born_digital), "pages": pages,
                                   "pipeline_pages_per_second": round(pages / elapsed, 1),
                                   "raw_pymupdf_rawdict_pages_per_second": round(pages / raw_elapsed, 1)}

        big = Path(folder) / "200_pages.pdf"
        merged = pymupdf.open()
        while merged.page_count < 200:
            for pdf in pdfs:
                if merged.page_count >= 200:
                    break
                with pymupdf.open(pdf) as doc:
                    merged.insert_pdf(doc, to_page=min(doc.page_count, 200 - merged.page_count) - 1)
        merged.save(big)
        scanned = Path(folder) / "20_scanned_pages.pdf"
        scans_pdf = pymupdf.open()
        for index in range(20):
            page = scans_pdf.new_page(width=595, height=842)
            page.insert_image(page.rect, filename=str(paths[index % len(paths)]))
        scans_pdf.save(scanned)
        code = ("from socratext_llm.pipeline import ocr; import sys; "
                f"d = ocr({str(big)!r}); assert len(d.pages) == 200")
        figures["peak_rss_mb_200_page_born_digital_pdf"] = _peak_rss_mb(code)
        code = ("from socratext_llm.pipeline import ocr; "
                f"d = ocr({str(scanned)!r}); assert len(d.pages) == 20")
        figures["peak_rss_mb_20_page_scanned_pdf"] = _peak_rss_mb(code)
    return {"dataset": "tapuscorpus scans at A4 300 dpi; icdar2013 PDFs", "results": figures}


def run_ocr_benchmark(settings: Settings, suites: list[str] | None = None, limit: int | None = None,
                      engines: list[str] | None = None) -> None:
    engines = engines or DEFAULT_ENGINES
    for suite in suites or ALL_SUITES:
        if suite == "tapuscorpus":
            _write(settings, suite, bench_tapuscorpus(settings, engines, limit))
        elif suite == "funsd":
            _write(settings, suite, bench_funsd(settings, engines, limit))
        elif suite == "speed":
            _write(settings, suite, bench_speed(settings, None))  # a fixed sample, whatever --limit says
        else:
            raise ValueError(f"unknown suite {suite}")
