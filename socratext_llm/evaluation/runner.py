"""A run: items evaluated in parallel, each record appended to ``predictions.jsonl`` as it completes,
so a killed run resumes where it stopped; then ``metrics.json`` and the reports are written from
the records on disk."""
from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from tqdm import tqdm

from ..errors import RunConflictError
from .backends import run_tasks, threads_per_worker
from .datasets import EvalItem, open_dataset
from .metrics import aggregate
from .report import write_reports
from .worker import EvalJob, evaluate_item, failure_record

PREDICTIONS = "predictions.jsonl"
CONFIG = "run.json"


def completed_ids(predictions: Path) -> set[str]:
    """Ids already recorded; a line cut short by a kill is dropped (its item runs again)."""
    if not predictions.exists():
        return set()
    content = predictions.read_text(encoding="utf-8")
    lines = content.splitlines()
    done, kept = set(), []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "id" in record:
            done.add(record["id"])
            kept.append(line + "\n")
    if len(kept) != len(lines) or (lines and not content.endswith("\n")):
        predictions.write_text("".join(kept), encoding="utf-8")
    return done


def _check_resumable(run_dir: Path, job: EvalJob) -> dict:
    config_path = run_dir / CONFIG
    identity = job.identity()
    if config_path.exists():
        previous = json.loads(config_path.read_text(encoding="utf-8"))
        if previous.get("job") != identity:
            raise RunConflictError(f"{run_dir} holds a run of another configuration ({previous.get('job')})",
                                   hint="choose another -o folder, or delete that one to start again")
        return previous
    return {"job": identity, "invocations": []}


def run_eval(job: EvalJob, run_dir: Path, limit: int | None = None, workers: int = 1, backend: str = "local",
             ray_address: str | None = None, progress: bool = True, items: Iterable[EvalItem] | None = None,
             on_record: Callable[[int], None] | None = None) -> dict:
    """Evaluate a dataset into run_dir (resuming what is there) and return its metrics.

    ``items`` replaces the dataset's own list (benchmarks repeat documents under new ids);
    ``on_record`` is called with the count of records written so far."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    dataset = open_dataset(job.dataset, job.settings, job.schema)
    job = dataclasses.replace(job, schema=dataset.schema)
    config = _check_resumable(run_dir, job)
    if workers > 1 and job.settings.ocr_threads == 0:
        job = dataclasses.replace(job, settings=job.settings.model_copy(
            update={"ocr_threads": threads_per_worker(workers)}))
    predictions = run_dir / PREDICTIONS
    done = completed_ids(predictions)
    todo = [item for item in (items if items is not None else dataset.items(limit)) if item.id not in done]
    start = time.perf_counter()
    work_ms = 0.0
    written = 0
    bar = tqdm(total=len(todo), desc=f"eval {job.dataset}", unit="doc", file=sys.stderr,
               disable=None if progress else True, leave=False)
    with predictions.open("a", encoding="utf-8") as stream:
        for record in run_tasks(evaluate_item, todo, job, workers, failure_record, backend, ray_address):
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            stream.flush()
            work_ms += record.get("timings_ms", {}).get("total", 0.0)
            written += 1
            bar.update(1)
            if on_record:
                on_record(written)
    bar.close()
    wall_s = time.perf_counter() - start
    config["invocations"].append({
        "documents": len(todo), "resumed_after": len(done), "workers": workers, "backend": backend,
        "wall_s": round(wall_s, 2), "documents_per_s": round(len(todo) / wall_s, 3) if wall_s else None,
        "work_s": round(work_ms / 1000, 2),
        # time the workers were not evaluating a document: start-up, scheduling, writing, the idle tail
        "harness_overhead": round(max(0.0, 1 - work_ms / 1000 / (wall_s * workers)), 4) if todo and wall_s else None,
        "finished_at": time.strftime("%Y-%m-%d %H:%M:%S")})
    (run_dir / CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    metrics = aggregate(predictions, job, config)
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_reports(run_dir, metrics)
    return metrics
