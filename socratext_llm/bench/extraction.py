"""Extraction and harness benchmarks, run through the evaluation harness itself.

- ``sroie``: field scores of an engine with our OCR and with the dataset's own OCR;
- ``scaling``: documents per second with 1 and 2 workers (local pool and Ray), OCR not cached;
- ``memory``: resident memory over a 1,000-document run (receipts repeated under new ids).
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psutil

from ..evaluation.backends import cpu_count
from ..evaluation.datasets import EvalItem, open_dataset
from ..evaluation.runner import run_eval
from ..evaluation.worker import EvalJob
from ..settings import Settings
from .report import write_summary


def _fresh_run(settings: Settings, name: str) -> Path:
    run_dir = Path(settings.results_dir) / "runs" / name
    shutil.rmtree(run_dir, ignore_errors=True)  # a benchmark measures afresh, it never resumes
    return run_dir


def bench_sroie(settings: Settings, engine: str, ocr_engines: list[str], limit: int | None) -> None:
    for ocr_engine in ocr_engines:
        run_dir = _fresh_run(settings, f"sroie-{engine}-{ocr_engine}")
        metrics = run_eval(EvalJob("sroie", engine, ocr_engine, settings), run_dir, limit)
        print(f"wrote {run_dir}: macro F1 {metrics['averages']['exact']['macro_f1']} (exact after normalisation)",
              file=sys.stderr)


def bench_scaling(settings: Settings, limit: int) -> dict:
    """Same receipts, no OCR cache: one single-threaded worker (one core), one worker using every
    core, then 2 workers (one core each) on the local pool and on Ray; the harness's own overhead."""
    rows = []
    for workers, backend, threads in ((1, "local", 1), (1, "local", 0), (2, "local", 0), (2, "ray", 0)):
        with tempfile.TemporaryDirectory() as scratch:
            run_settings = settings.model_copy(update={"ocr_threads": threads})
            job = EvalJob("sroie", "rules", settings.ocr_engine, run_settings, cache_dir=None)
            metrics = run_eval(job, Path(scratch), limit, workers=workers, backend=backend)
        run = metrics["invocations"][-1]
        rows.append({"workers": workers, "backend": backend,
                     "ocr_threads_per_worker": threads or (cpu_count() if workers == 1 else cpu_count() // workers),
                     "documents": run["documents"], "wall_s": run["wall_s"],
                     "documents_per_s": run["documents_per_s"], "harness_overhead": run["harness_overhead"],
                     "macro_f1": metrics["averages"]["exact"]["macro_f1"]})
    single = rows[0]["documents_per_s"]
    for row in rows:
        row["speedup_vs_1_worker"] = round(row["documents_per_s"] / single, 3)
    return {"dataset": "sroie", "receipts": rows[0]["documents"], "ocr_engine": settings.ocr_engine,
            "ocr_cache": "off", "speedup_baseline": "1 worker, 1 OCR thread (one core)", "results": rows}


def _tree_rss_mb() -> float:
    process = psutil.Process()
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def bench_memory(settings: Settings, documents: int, workers: int = 2) -> dict:
    """Receipts with the dataset's own OCR, repeated under new ids up to `documents`, RSS sampled as it goes."""
    receipts = list(open_dataset("sroie", settings).items())
    items = [EvalItem(f"{r.id}#{n}", r.source, r.gold) for n in range(documents // len(receipts) + 1)
             for r in receipts][:documents]
    samples: list[tuple[int, float]] = []

    def sample(done: int) -> None:
        if done % 50 == 0:
            samples.append((done, round(_tree_rss_mb(), 1)))

    with tempfile.TemporaryDirectory() as scratch:
        run_eval(EvalJob("sroie", "rules", "gold", settings), Path(scratch), workers=workers, items=items,
                 on_record=sample)
    early = [rss for done, rss in samples if done <= 200]
    late = [rss for done, rss in samples if done > documents - 200]
    return {"documents": documents, "workers": workers, "ocr_engine": "gold",
            "rss_mb_samples": samples, "rss_mb_first_200_mean": round(sum(early) / len(early), 1),
            "rss_mb_last_200_mean": round(sum(late) / len(late), 1),
            "growth_mb": round(sum(late) / len(late) - sum(early) / len(early), 1)}


def run_harness_benchmark(settings: Settings, limit: int, documents: int) -> Path:
    figures = {"scaling": bench_scaling(settings, limit), "memory": bench_memory(settings, documents),
               "cpus": psutil.cpu_count(), "measured_at": time.strftime("%Y-%m-%d %H:%M")}
    path = Path(settings.results_dir) / "harness.json"
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    write_summary(Path(settings.results_dir))
    return path


__all__ = ["bench_sroie", "run_harness_benchmark"]
