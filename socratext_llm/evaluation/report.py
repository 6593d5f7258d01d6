"""Human-readable run reports: Markdown (for the README and reviews) and a self-contained HTML page
with a bar chart per field and the worst errors side by side (gold, predicted, source text)."""
from __future__ import annotations

import html
import json
from pathlib import Path


def _cell(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return " ".join(str(text).split())[:160]


def _flattened(values: dict, prefix: str = "") -> list[tuple[str, object]]:
    """Nested figures as ('structure pooled f1', 0.92) pairs."""
    pairs = []
    for key, value in values.items():
        name = f"{prefix} {key}".strip()
        pairs += _flattened(value, name) if isinstance(value, dict) else [(name, value)]
    return pairs


def _summary_lines(metrics: dict) -> list[tuple[str, str]]:
    job = metrics["job"]
    rows = [("dataset", str(job["dataset"])), ("schema", str(job["schema"] or "—")), ("engine", job["engine"]),
            ("OCR", job["ocr_engine"]), ("documents", str(metrics["documents"])),
            ("failures", f"{metrics['failures']} {metrics['failures_by_code'] or ''}".strip())]
    if metrics["fields"]:
        for mode in ("exact", "fuzzy"):
            averages = metrics["averages"][mode]
            rows.append((f"{mode}: micro F1 / macro F1", f"{averages['micro']['f1']:.3f} / {averages['macro_f1']:.3f}"))
        rows += [("schema-valid outputs", f"{metrics['schema_valid_rate']}"),
                 ("grounded values", f"{metrics['grounding_rate']}")]
    if metrics.get("llm_tokens_per_document"):
        rows.append(("LLM tokens per document", str(metrics["llm_tokens_per_document"])))
    for name, value in metrics["ocr"].items():
        rows.append((f"OCR {name}", f"{value}"))
    rows += [(f"tables: {name}", str(value)) for name, value in _flattened(metrics.get("tables") or {})]
    latency = metrics["latency_ms_per_page"]
    rows.append(("ms per page (mean / p95)", f"{latency['mean']} / {latency['p95']}"))
    if metrics["invocations"]:
        last = metrics["invocations"][-1]
        rows.append(("last invocation", f"{last['documents']} documents, {last['workers']} workers ({last['backend']}), "
                                        f"{last['wall_s']} s, harness overhead {last['harness_overhead']}"))
    return rows


def markdown_report(metrics: dict) -> str:
    out = [f"# Evaluation: {metrics['job']['dataset']}", "", "| | |", "|---|---|"]
    out += [f"| {name} | {value} |" for name, value in _summary_lines(metrics)]
    if metrics["fields"]:
        out += ["", "## Per field", "", "| field | exact P | exact R | exact F1 | fuzzy F1 | tp | fp | fn |",
                "|---|---|---|---|---|---|---|---|"]
        for name, scores in metrics["fields"].items():
            exact, fuzzy = scores["exact"], scores["fuzzy"]
            out.append(f"| {name} | {exact['precision']:.3f} | {exact['recall']:.3f} | {exact['f1']:.3f} | "
                       f"{fuzzy['f1']:.3f} | {exact['tp']} | {exact['fp']} | {exact['fn']} |")
    if metrics["worst_errors"]:
        out += ["", "## Worst errors", "", "| document | field | gold | predicted | source text |", "|---|---|---|---|---|"]
        for error in metrics["worst_errors"]:
            cells = [error["id"], error["field"], _cell(error["gold"]), _cell(error["predicted"]),
                     _cell(error.get("source_text", ""))]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


def _bar_chart(fields: dict) -> str:
    """Horizontal bars, exact F1 over fuzzy F1, one row per field (inline SVG, no script)."""
    row, label_width, bar_width = 26, 220, 400
    height = row * len(fields) + 30
    parts = [f'<svg width="{label_width + bar_width + 80}" height="{height}" role="img" '
             f'aria-label="F1 per field" xmlns="http://www.w3.org/2000/svg">']
    for index, (name, scores) in enumerate(fields.items()):
        y = 10 + index * row
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" font-size="13">{html.escape(name)}</text>')
        fuzzy, exact = scores["fuzzy"]["f1"], scores["exact"]["f1"]
        parts.append(f'<rect x="{label_width}" y="{y}" width="{bar_width * fuzzy:.1f}" height="20" fill="#b8d4f0"/>')
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{bar_width * exact:.1f}" height="12" fill="#1f5fa8"/>')
        parts.append(f'<text x="{label_width + bar_width + 6}" y="{y + 15}" font-size="12">{exact:.2f} / {fuzzy:.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def html_report(metrics: dict) -> str:
    esc = html.escape
    title = f"Evaluation: {metrics['job']['dataset']}"
    body = [f"<h1>{esc(title)}</h1>", "<table>"]
    body += [f"<tr><th>{esc(name)}</th><td>{esc(value)}</td></tr>" for name, value in _summary_lines(metrics)]
    body.append("</table>")
    if metrics["fields"]:
        body += ["<h2>F1 per field</h2>", "<p>dark: exact match after normalisation; light: fuzzy match</p>",
                 _bar_chart(metrics["fields"]), "<table><tr><th>field</th><th>exact P</th><th>exact R</th>"
                 "<th>exact F1</th><th>fuzzy F1</th></tr>"]
        for name, scores in metrics["fields"].items():
            exact = scores["exact"]
            body.append(f"<tr><td>{esc(name)}</td><td>{exact['precision']:.3f}</td><td>{exact['recall']:.3f}</td>"
                        f"<td>{exact['f1']:.3f}</td><td>{scores['fuzzy']['f1']:.3f}</td></tr>")
        body.append("</table>")
    if metrics["worst_errors"]:
        body += ["<h2>Worst errors</h2>", "<table class='errors'><tr><th>document</th><th>field</th><th>gold</th>"
                 "<th>predicted</th><th>source text</th></tr>"]
        for error in metrics["worst_errors"]:
            cells = [error["id"], error["field"], _cell(error["gold"]), _cell(error["predicted"]),
                     _cell(error.get("source_text", ""))]
            body.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
        body.append("</table>")
    style = ("body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
             ".errors td{font-family:monospace;font-size:12px}")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def write_reports(run_dir: Path, metrics: dict) -> None:
    (run_dir / "report.md").write_text(markdown_report(metrics), encoding="utf-8")
    (run_dir / "report.html").write_text(html_report(metrics), encoding="utf-8")
