"""`socratext bench llm`: rules, llm and hybrid side by side, in one run, on the same documents.

SROIE (per-field F1, the dataset's own OCR), FUNSD (form_kv pairs F1, its own OCR), the synthetic French
set (born-digital, a few documents of each type), invoices_fr (per-field accuracy) and HAS statements
(direction, condition, action: no gold exists for them, so the LLM's reading is compared with the
rules'). Scores come from the evaluation harness; the figures go to eval/results/llm.json and llm.md.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

import psutil

from ..errors import LlmUnavailableError, SocratextError
from ..evaluation.datasets import open_dataset
from ..evaluation.runner import run_eval
from ..evaluation.worker import EvalJob
from ..settings import Settings
from .extraction import _fresh_run
from .french import CACHE, invoices_fr

RESULT = "llm"
ENGINES = ("rules", "llm", "hybrid")
SUITES = ("sroie", "funsd", "invoices_fr", "synthetic_fr", "has")
TARGETS = {"funsd_pairs_f1_hybrid": 0.50, "invoices_fr_accuracy_hybrid": 0.90, "sroie_hybrid_ge_rules": True,
           "hybrid_seconds_per_page": 60.0}
HAS_DOCUMENT = "07_HAS2017_synthese_RBP_diverticulite.pdf"


def server_rss_mb(base_url: str | None) -> float | None:
    """Resident memory of the process listening on the LLM server's loopback port (None when not local)."""
    port = urlparse(base_url or "").port
    if port is None:
        return None
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port \
                and connection.pid:
            return round(psutil.Process(connection.pid).memory_info().rss / 2**20, 1)
    return None


def _figures(metrics: dict) -> dict:
    extract = metrics["extract_ms"]["mean"]
    return {"documents": metrics["documents"], "failures": metrics["failures"],
            "failures_by_code": metrics["failures_by_code"],
            "per_field_f1": {name: scores["exact"]["f1"] for name, scores in metrics["fields"].items()},
            "macro_f1": metrics["averages"]["exact"]["macro_f1"],
            "llm_tokens_per_document": metrics["llm_tokens_per_document"],
            "extract_s_per_document": round(extract / 1000, 2) if extract is not None else None,
            "total_s_per_page": round(metrics["latency_ms_per_page"]["mean"] / 1000, 2)
            if metrics["latency_ms_per_page"]["mean"] is not None else None}


def harness_suite(settings: Settings, dataset: str, engine: str, ocr_engine: str, limit: int | None,
                  per_type: int | None = None) -> dict:
    items = None
    if per_type is not None:  # a set of many types: the first documents of each
        counts: dict[str, int] = defaultdict(int)
        items = []
        for item in open_dataset(dataset, settings).items():
            if counts[item.schema] < per_type:
                counts[item.schema] += 1
                items.append(item)
    run_dir = _fresh_run(settings, f"llm-{dataset.replace(':', '-')}-{engine}")
    metrics = run_eval(EvalJob(dataset, engine, ocr_engine, settings, cache_dir=str(CACHE)), run_dir, limit,
                       progress=False, items=items)
    return {"run": str(run_dir), "ocr_engine": ocr_engine, **_figures(metrics)}


def has_suite(settings: Settings, engine: str, limit: int | None) -> dict:
    """Direction, condition and action of the first statements of one recommendation: the rules' reading and,
    for the LLM engines, the model's, with how often the two agree (no gold exists for these)."""
    from ..has.llm_phrasing import phrase_with_llm
    from ..has.statements import extract_statements
    from ..ocr_cache import cached_ocr
    from ..pipeline import OcrOptions

    pdf = Path(settings.datasets_dir) / "has" / HAS_DOCUMENT
    statements = extract_statements(cached_ocr(pdf, OcrOptions(), settings, CACHE))[:limit or 8]
    start = time.perf_counter()
    tokens = 0
    phrased = statements
    if engine != "rules":
        phrased, tokens = phrase_with_llm(statements, settings)
    seconds = time.perf_counter() - start
    agree = {key: round(sum(getattr(a, key) == getattr(b, key) for a, b in zip(statements, phrased))
                        / max(1, len(statements)), 3) for key in ("direction", "condition", "action")}
    filled = {key: round(sum(getattr(s, key) is not None for s in phrased) / max(1, len(phrased)), 3)
              for key in ("direction", "condition", "action")}
    return {"document": HAS_DOCUMENT, "statements": len(statements), "share_filled": filled,
            "agreement_with_rules": agree, "llm_tokens": tokens,
            "seconds_per_statement": round(seconds / max(1, len(statements)), 2)}


def invoices_suite(settings: Settings, engine: str, limit: int | None) -> dict:
    start = time.perf_counter()
    result = invoices_fr(settings, engine, limit)
    result.pop("rows", None)
    result["seconds_per_document"] = round((time.perf_counter() - start) / max(1, result["documents"]), 2)
    return result


def run_suite(settings: Settings, suite: str, engine: str, limit: int | None) -> dict:
    if suite == "sroie":
        return harness_suite(settings, "sroie", engine, "gold", limit)
    if suite == "funsd":
        return harness_suite(settings, "funsd", engine, "gold", limit)
    if suite == "synthetic_fr":
        return harness_suite(settings, "synthetic_fr:born_digital", engine, "rapidocr", None,
                             per_type=max(1, (limit or 7) // 7))
    if suite == "invoices_fr":
        return invoices_suite(settings, engine, limit)
    return has_suite(settings, engine, limit)


def run_llm_benchmark(settings: Settings, limit: int | None, suites: list[str] | None = None,
                      engines: list[str] | None = None) -> Path:
    engines = engines or list(ENGINES)
    if any(engine != "rules" for engine in engines) and not settings.llm_base_url:
        raise LlmUnavailableError("no LLM server configured for the llm and hybrid engines",
                                  hint="start one with `socratext models serve` and set SOCRATEXT_LLM_BASE_URL, "
                                       "SOCRATEXT_LLM_MODEL, SOCRATEXT_LLM_RESPONSE_FORMAT as it prints")
    start = time.perf_counter()
    results: dict = {"model": settings.llm_model, "server": settings.llm_base_url, "limit": limit,
                     "llm_context_tokens": settings.llm_context_tokens,
                     "llm_document_tokens": settings.llm_document_tokens, "targets": TARGETS,
                     "measured_at": time.strftime("%Y-%m-%d %H:%M"), "suites": {}}
    folder = Path(settings.results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{RESULT}.json"
    if suites and path.is_file():  # a run of some suites keeps the others' last figures, with their date
        previous = json.loads(path.read_text(encoding="utf-8"))
        dates = previous.get("suite_measured_at") or dict.fromkeys(previous["suites"], previous["measured_at"])
        results["suites"] = {name: figures for name, figures in previous["suites"].items() if name not in suites}
        results["suite_measured_at"] = {name: dates.get(name) for name in results["suites"]}
    for suite in suites or list(SUITES):
        results.setdefault("suite_measured_at", {})[suite] = results["measured_at"]
        results["suites"][suite] = {}
        for engine in engines:
            try:
                results["suites"][suite][engine] = run_suite(settings, suite, engine, limit)
            except SocratextError as error:  # a dataset absent here: say so, measure the rest
                results["suites"][suite][engine] = {"skipped": error.one_line()}
            print(f"{suite} {engine} done ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
            _write(results, settings, path, start)  # figures kept as they come: the model is slow
    return path


def _write(results: dict, settings: Settings, path: Path, start: float) -> None:
    results["peak_rss_mb"] = {"bench_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                              "llm_server": server_rss_mb(settings.llm_base_url)}
    results["load_average"] = round(psutil.getloadavg()[0], 1)
    results["wall_s"] = round(time.perf_counter() - start, 1)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.with_suffix(".md").write_text(render(results), encoding="utf-8")


def _cell(value) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def render(results: dict) -> str:
    """Markdown: per suite, one row per field and one column per engine, then cost rows."""
    engines = [e for e in ENGINES if any(e in by_engine for by_engine in results["suites"].values())]
    header = (f"Model `{results['model']}` at `{results['server']}`; limit {results['limit']} documents per set; "
              f"measured {results['measured_at']}, load average {results['load_average']} at the end; "
              f"peak memory: benchmark process {results['peak_rss_mb']['bench_process']} MB, "
              f"LLM server {results['peak_rss_mb']['llm_server']} MB.")
    lines = [f"# LLM benchmark: {' vs '.join(engines)}", "", header, ""]
    dates = results.get("suite_measured_at", {})
    for suite, by_engine in results["suites"].items():
        lines += [f"## {suite}", ""]
        if dates.get(suite, results["measured_at"]) != results["measured_at"]:
            lines += [f"Measured {dates[suite]}, in an earlier run.", ""]
        lines += ["| | " + " | ".join(engines) + " |", "|---" * (len(engines) + 1) + "|"]
        skipped = {e: r["skipped"] for e, r in by_engine.items() if "skipped" in r}
        present = {e: r for e, r in by_engine.items() if "skipped" not in r}
        rows: dict[str, dict] = defaultdict(dict)
        for engine, figures in present.items():
            scores = figures.get("per_field_f1") or {k: v["accuracy"] for k, v in figures.get("fields", {}).items()}
            for name, value in scores.items():
                rows[name][engine] = value
            for key in ("macro_f1", "accuracy_all_fields", "documents", "statements", "llm_tokens_per_document",
                        "llm_tokens", "extract_s_per_document", "seconds_per_document", "total_s_per_page",
                        "seconds_per_statement"):
                if key in figures:
                    rows[f"*{key}*"][engine] = figures[key]
            for group in ("agreement_with_rules", "share_filled"):
                for key, value in (figures.get(group) or {}).items():
                    rows[f"{key} ({group.replace('_', ' ')})"][engine] = value
        for name, values in rows.items():
            lines.append(f"| {name} | " + " | ".join(_cell(values.get(e)) for e in engines) + " |")
        for engine, reason in skipped.items():
            lines.append(f"\n{engine}: skipped ({reason})")
        lines.append("")
    return "\n".join(lines)
