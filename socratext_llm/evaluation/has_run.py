"""`eval run --dataset has`: HAS recommendations read end to end (ingestion, statements, drawn and
text trees) and scored against hand-written gold; figures written as ``has.json`` and ``has.md``."""
from __future__ import annotations

import json
import os
import resource
import time
from collections import Counter
from pathlib import Path

from ..errors import DatasetError
from ..settings import Settings
from .has_scoring import statement_counts, summary, tree_counts

SOURCES = ("vector", "raster")
TARGETS = {"statement_recall": 0.90, "statement_precision": 0.85, "grade_accuracy": 0.95, "node_f1": 0.90,
           "edge_f1": 0.80}


def gold_files(gold_dir: Path) -> list[Path]:
    files = sorted(Path(gold_dir).glob("*.json"))
    if not files:
        raise DatasetError(f"{gold_dir}: no HAS gold (<document>.json) found",
                           hint="give --gold, the folder of gold files described in docs/has.md")
    return files


def evaluate_document(pdf: Path, gold: dict, settings: Settings) -> dict:
    from ..has.recommendation import read_document
    start, cpu_start = time.perf_counter(), time.process_time()
    recommendation = read_document(pdf, settings)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    predicted = recommendation.model_dump(mode="json")
    scope = gold.get("x-scope", {})
    statement_pages = set(scope["statement_pages"]) if "statement_pages" in scope else None
    tree_pages = set(scope["tree_pages"]) if "tree_pages" in scope else None
    counts = Counter(statement_counts(gold.get("statements", []), predicted["statements"], statement_pages))
    counts.update(tree_counts(gold.get("decision_trees", []), predicted["decision_trees"], tree_pages))
    for source in SOURCES:   # the same counts for vector and for picture flowcharts alone
        only = [tree_counts([t for t in gold.get("decision_trees", []) if t.get("source", "vector") == source],
                            [t for t in predicted["decision_trees"] if t["source"] == source], tree_pages)]
        counts.update({f"{source}_{key}": value for key, value in only[0].items()})
    import pymupdf
    with pymupdf.open(pdf) as document:
        pages = document.page_count
    unscored = sum(1 for t in predicted["decision_trees"] if t["source"] != "text"
                   and tree_pages is not None and not set(t["pages"]) & tree_pages)
    return {"document": pdf.name, "pages": pages, "seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2),
            "counts": dict(counts),
            "scores": summary(counts), "drawn_trees_outside_gold_pages": unscored}


def run_has_eval(settings: Settings, gold_dir: Path, output: Path) -> dict:
    rows = []
    for path in gold_files(gold_dir):
        pdf = Path(settings.datasets_dir) / "has" / f"{path.stem}.pdf"
        if not pdf.is_file():
            raise DatasetError(f"{pdf}: the document of gold {path.name} is missing",
                               hint="set SOCRATEXT_DATASETS_DIR to the folder holding has/")
        rows.append(evaluate_document(pdf, json.loads(path.read_text(encoding="utf-8")), settings))
    total = Counter()
    for row in rows:
        total.update(row["counts"])
    pages, seconds = sum(r["pages"] for r in rows), sum(r["seconds"] for r in rows)
    cpu = sum(r["cpu_seconds"] for r in rows)
    metrics = {"dataset": "has", "engine": "rules", "documents": len(rows), "pages": pages,
               "pages_per_second": round(pages / seconds, 2) if seconds else None,
               "pages_per_cpu_second": round(pages / cpu, 2) if cpu else None,
               "load_average": round(os.getloadavg()[0], 1),
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
               "scores": summary(total), "scores_by_source": {source: _source_scores(total, source) for source in SOURCES},
               "counts": dict(total), "targets": TARGETS, "per_document": rows}
    output.mkdir(parents=True, exist_ok=True)
    (output / "has.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (output / "has.md").write_text(markdown(metrics), encoding="utf-8")
    return metrics


def _source_scores(total: Counter, source: str) -> dict:
    """Node and edge scores of one kind of flowchart."""
    keys = ("gold_nodes", "predicted_nodes", "matched_nodes", "gold_edges", "predicted_edges", "matched_edges",
            "labels_correct")
    counts = {key: total.get(f"{source}_{key}", 0) for key in keys}
    counts.update(gold=0, predicted=0, matched=0, grade_correct=0)
    scores = summary(counts)
    return {key: value for key, value in scores.items() if key.startswith(("node", "edge"))}


def _cell(value) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown(metrics: dict) -> str:
    lines = ["# HAS recommendations: statements and decision trees (rules engine, no LLM)", "",
             f"{metrics['documents']} documents, {metrics['pages']} pages, {_cell(metrics['pages_per_second'])} "
             f"pages/s ({_cell(metrics['pages_per_cpu_second'])} pages per CPU second; machine load average "
             f"{metrics['load_average']} when the run ended), peak memory {metrics['peak_rss_mb']} MB.", "", "| metric | value | target |", "|---|---|---|"]
    for name, value in metrics["scores"].items():
        target = metrics["targets"].get(name)
        lines.append(f"| {name} | {_cell(value)} | {'≥ ' + format(target, '.2f') if target else ''} |")
    lines += ["", "| flowcharts | node F1 | edge F1 | edge-label acc. | gold nodes |", "|---|---|---|---|---|"]
    for source, scores in metrics["scores_by_source"].items():
        lines.append(f"| {source} | {_cell(scores['node_f1'])} | {_cell(scores['edge_f1'])} | "
                     f"{_cell(scores['edge_label_accuracy'])} | {metrics['counts'].get(source + '_gold_nodes', 0)} |")
    lines += ["", "| document | pages | s | CPU s | recall | precision | grade acc. | node F1 | edge F1 | label acc. |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for row in metrics["per_document"]:
        s = row["scores"]
        lines.append(f"| {row['document']} | {row['pages']} | {row['seconds']} | {row['cpu_seconds']} | {_cell(s['statement_recall'])} | "
                     f"{_cell(s['statement_precision'])} | {_cell(s['grade_accuracy'])} | {_cell(s['node_f1'])} | "
                     f"{_cell(s['edge_f1'])} | {_cell(s['edge_label_accuracy'])} |")
    return "\n".join(lines) + "\n"
