"""Benchmark figures (eval/results/*.json) as Markdown tables, written to eval/results/summary.md."""
from __future__ import annotations

import json
from pathlib import Path


def table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def _pct(value: float) -> str:
    return f"{100 * value:.2f} %"


def render(results_dir: Path) -> str:
    out = ["# Benchmark results", "", "Written by `socratext bench ...`; each section names its source file.", ""]
    tapus = results_dir / "ocr_tapuscorpus.json"
    if tapus.exists():
        data = json.loads(tapus.read_text(encoding="utf-8"))
        out += [f"## Tapuscorpus line CER ({data['lines']} gold lines, {data['pages']} pages) — `{tapus.name}`", ""]
        out += table(["reader", "CER", "WER", "s / line"],
                      [[name, _pct(r["cer"]), _pct(r["wer"]), r["seconds_per_line"]] for name, r in data["results"].items()])
        out += [f"Pipeline ({data['pipeline']}): CER {data['pipeline_cer_reduction_vs_best_raw'] * 100:.1f} % lower "
                "than the best raw engine.", ""]
    funsd = results_dir / "ocr_funsd.json"
    if funsd.exists():
        data = json.loads(funsd.read_text(encoding="utf-8"))
        out += [f"## FUNSD end-to-end words ({data['match']}) — `{funsd.name}`", ""]
        out += table(["reader", "forms", "precision", "recall", "s / page"],
                      [[name, r["forms"], r["precision"], r["recall"], r["seconds_per_page"]]
                       for name, r in data["results"].items()])
    if (results_dir / "speed.md").exists():
        out += ["## Speed and memory — [`speed.md`](speed.md) (`socratext bench speed`)", ""]
    for path in sorted(results_dir.glob("runs/*/metrics.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        job, run = data["job"], path.parent.relative_to(results_dir)
        out += [f"## Evaluation run `{run}`: {job['dataset']}, engine `{job['engine']}`, OCR `{job['ocr_engine']}` "
                f"({data['documents']} documents, {data['failures']} failed) — [report]({run}/report.md)", ""]
        if data["fields"]:
            rows = [[name, s["exact"]["f1"], s["fuzzy"]["f1"]] for name, s in data["fields"].items()]
            rows.append(["**macro**", data["averages"]["exact"]["macro_f1"], data["averages"]["fuzzy"]["macro_f1"]])
            rows.append(["**micro**", data["averages"]["exact"]["micro"]["f1"], data["averages"]["fuzzy"]["micro"]["f1"]])
            out += table(["field", "F1 (exact after normalisation)", "F1 (fuzzy)"], rows)
            out += [f"Extraction time beyond OCR: {data['extract_ms']['mean']} ms / page (p95 {data['extract_ms']['p95']} ms).", ""]
        if data["ocr"]:
            out += table(["OCR measure", "value"], [[name, value] for name, value in data["ocr"].items()])
    harness = results_dir / "harness.json"
    if harness.exists():
        data = json.loads(harness.read_text(encoding="utf-8"))
        scaling, memory = data["scaling"], data["memory"]
        out += [f"## Evaluation harness ({data['cpus']} cores, {scaling['receipts']} SROIE receipts, OCR not cached) "
                f"— `{harness.name}`", ""]
        out += table(["workers", "backend", "OCR threads / worker", "documents / s",
                       f"speed-up vs {scaling['speedup_baseline']}", "harness overhead"],
                      [[r["workers"], r["backend"], r["ocr_threads_per_worker"], r["documents_per_s"],
                        r["speedup_vs_1_worker"], _pct(r["harness_overhead"])] for r in scaling["results"]])
        out += [f"Memory over {memory['documents']} documents ({memory['workers']} workers, all processes): "
                f"{memory['rss_mb_first_200_mean']} MB over the first 200, {memory['rss_mb_last_200_mean']} MB "
                f"over the last 200 ({memory['growth_mb']:+} MB).", ""]
    api = results_dir / "api.json"
    if api.exists():
        data = json.loads(api.read_text(encoding="utf-8"))
        overhead = data["overhead"]
        out += [f"## REST API ({data['cpus']} cores, rules engine, real server on loopback) — `{api.name}`", ""]
        rows = [["overhead over the library call (median of "
                 f"{overhead['rounds']}, `{overhead['document']}`)",
                 f"{overhead['overhead_ms_median']} ms ({overhead['library_ms_median']} → {overhead['api_ms_median']} ms)"]]
        for key in ("concurrency_born_digital", "concurrency_scanned"):
            run = data[key]
            latency = run["latency_ms_200"] or {}
            rows.append([f"{run['clients']} concurrent clients, `{run['document']}`, {run['requests']} requests",
                         f"statuses {run['statuses']}, other errors {run['errors_other_than_503']}, "
                         f"p50 {latency.get('p50')} ms, p95 {latency.get('p95')} ms, {run['served_per_s']} served/s"])
        out += table(["measure", "value"], rows)
    return "\n".join(out)


def write_summary(results_dir: Path) -> Path:
    path = Path(results_dir) / "summary.md"
    path.write_text(render(Path(results_dir)), encoding="utf-8")
    return path
