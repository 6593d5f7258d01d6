"""Benchmark figures (eval/results/*.json) as Markdown tables, written to eval/results/summary.md."""
from __future__ import annotations

import json
from pathlib import Path


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
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
        out += _table(["reader", "CER", "WER", "s / line"],
                      [[name, _pct(r["cer"]), _pct(r["wer"]), r["seconds_per_line"]] for name, r in data["results"].items()])
        out += [f"Pipeline ({data['pipeline']}): CER {data['pipeline_cer_reduction_vs_best_raw'] * 100:.1f} % lower "
                "than the best raw engine.", ""]
    funsd = results_dir / "ocr_funsd.json"
    if funsd.exists():
        data = json.loads(funsd.read_text(encoding="utf-8"))
        out += [f"## FUNSD end-to-end words ({data['match']}) — `{funsd.name}`", ""]
        out += _table(["reader", "forms", "precision", "recall", "s / page"],
                      [[name, r["forms"], r["precision"], r["recall"], r["seconds_per_page"]]
                       for name, r in data["results"].items()])
    speed = results_dir / "ocr_speed.json"
    if speed.exists():
        data = json.loads(speed.read_text(encoding="utf-8"))["results"]
        scan, born = data["scanned_a4_300dpi"], data["born_digital"]
        out += [f"## Speed and memory (2 cores) — `{speed.name}`", ""]
        out += _table(["measure", "value"], [
            ["scanned A4 at 300 dpi, raw engine", f"{scan['raw_engine_seconds_per_page']} s / page"],
            ["scanned A4 at 300 dpi, pipeline", f"{scan['pipeline_seconds_per_page']} s / page"],
            ["born-digital, pipeline", f"{born['pipeline_pages_per_second']} pages / s"],
            ["born-digital, raw PyMuPDF rawdict", f"{born['raw_pymupdf_rawdict_pages_per_second']} pages / s"],
            ["peak RSS, 200-page born-digital PDF", f"{data['peak_rss_mb_200_page_born_digital_pdf']} MB"],
            ["peak RSS, 20-page scanned PDF", f"{data['peak_rss_mb_20_page_scanned_pdf']} MB"]])
    for path in sorted(results_dir.glob("extract_sroie_*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out += [f"## SROIE extraction, engine `{data['engine']}`, OCR `{data['ocr_engine']}` "
                f"({data['receipts']} receipts) — `{path.name}`", ""]
        rows = [[name, data["normalised"][name]["f1"], data["strict"][name]["f1"]] for name in data["normalised"]]
        rows.append(["**mean**", data["mean_f1_normalised"], data["mean_f1_strict"]])
        out += _table(["field", "F1 (normalised)", "F1 (strict)"], rows)
        out += [f"Extraction time beyond OCR: {data['extract_ms_per_page']['mean']} ms / page "
                f"(p95 {data['extract_ms_per_page']['p95']} ms).", ""]
    return "\n".join(out)


def write_summary(results_dir: Path) -> Path:
    path = Path(results_dir) / "summary.md"
    path.write_text(render(Path(results_dir)), encoding="utf-8")
    return path
