"""Human-readable run reports: Markdown (for the README and reviews) and a self-contained HTML page
with a bar chart per field and the worst errors side by side (gold, predicted, source text)."""
from __future__ import annotations

import html
import json
from pathlib import Path

RELIABILITY_SVG = "reliability.svg"


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
    if metrics.get("statuses"):
        rows.append(("statuses", ", ".join(f"{name} {count}" for name, count in sorted(metrics["statuses"].items()))))
    if metrics.get("calibration"):
        calibration = metrics["calibration"]
        above = calibration.get("above_threshold") or {}
        rows.append(("confidence: ECE / precision above threshold",
                     f"{calibration['ece']} / {above.get('precision')} (threshold {above.get('threshold')})"))
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
    if metrics.get("calibration"):
        out += calibration_markdown(metrics["calibration"], RELIABILITY_SVG)
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


def reliability_svg(calibration: dict, size: int = 320) -> str:
    """A reliability diagram: for each confidence bin, the share of values right (bar) against the
    diagonal a perfectly calibrated engine would follow; bar labels give the bin's count."""
    pad = 40
    plot = size - 2 * pad
    parts = [f'<svg width="{size}" height="{size}" role="img" aria-label="reliability diagram" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">',
             f'<rect x="{pad}" y="{pad}" width="{plot}" height="{plot}" fill="none" stroke="#999"/>',
             f'<line x1="{pad}" y1="{pad + plot}" x2="{pad + plot}" y2="{pad}" stroke="#bbb" stroke-dasharray="4 3"/>']
    for row in calibration["reliability"]:
        x, width = pad + row["low"] * plot, (row["high"] - row["low"]) * plot
        height = row["accuracy"] * plot
        parts.append(f'<rect x="{x + 1:.1f}" y="{pad + plot - height:.1f}" width="{width - 2:.1f}" height="{height:.1f}" '
                     f'fill="#1f5fa8" fill-opacity="0.75"><title>{row["count"]} values, confidence '
                     f'{row["mean_confidence"]:.2f}, right {row["accuracy"]:.2f}</title></rect>')
        parts.append(f'<text x="{x + width / 2:.1f}" y="{pad + plot - height - 3:.1f}" text-anchor="middle" '
                     f'font-size="9">{row["count"]}</text>')
    for tick in (0, 0.5, 1):
        parts.append(f'<text x="{pad + tick * plot:.0f}" y="{pad + plot + 14}" text-anchor="middle">{tick}</text>')
        parts.append(f'<text x="{pad - 6}" y="{pad + plot - tick * plot + 4:.0f}" text-anchor="end">{tick}</text>')
    parts += [f'<text x="{size / 2}" y="{size - 8}" text-anchor="middle">confidence</text>',
              f'<text x="12" y="{size / 2}" transform="rotate(-90 12 {size / 2})" text-anchor="middle">share right</text>',
              f'<text x="{size / 2}" y="{pad - 10}" text-anchor="middle">ECE {calibration["ece"]:.3f} '
              f'({calibration["values"]} values)</text>', "</svg>"]
    return "".join(parts)


def calibration_markdown(calibration: dict, diagram: str | None = None) -> list[str]:
    """The calibration section of a Markdown report: ECE, precision above the threshold, the bins."""
    out = ["", "## Calibration", "",
           f"{calibration['values']} values shown with a confidence; {calibration['accuracy']:.3f} of them right "
           f"(exact), mean confidence {calibration['mean_confidence']:.3f}; **ECE {calibration['ece']:.4f}** "
           f"({calibration['bins']} equal-width bins)."]
    above = calibration.get("above_threshold")
    if above:
        precision = "—" if above["precision"] is None else f"{above['precision']:.3f}"
        out += ["", f"Above the review threshold {above['threshold']}: {above['values']} values "
                    f"({above['share']:.1%} of those shown), **precision {precision}**."]
    if diagram:
        out += ["", f"![reliability diagram]({diagram})"]
    out += ["", "| confidence | values | mean confidence | share right |", "|---|---|---|---|"]
    out += [f"| {row['low']:.1f}–{row['high']:.1f} | {row['count']} | {row['mean_confidence']:.3f} | {row['accuracy']:.3f} |"
            for row in calibration["reliability"]]
    return out


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
    if metrics.get("calibration"):
        body += ["<h2>Calibration</h2>", reliability_svg(metrics["calibration"])]
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
    if metrics.get("calibration"):
        (run_dir / RELIABILITY_SVG).write_text(reliability_svg(metrics["calibration"]) + "\n", encoding="utf-8")
    (run_dir / "report.md").write_text(markdown_report(metrics), encoding="utf-8")
    (run_dir / "report.html").write_text(html_report(metrics), encoding="utf-8")
