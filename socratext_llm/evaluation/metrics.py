"""Run metrics from the records on disk, streamed: per-field precision/recall/F1 (exact after
normalisation, and fuzzy), micro and macro averages, validity and grounding rates, latency, tokens,
OCR error rates, and the worst errors side by side."""
from __future__ import annotations

import heapq
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path

from ..field_metrics import FieldScore
from ..metrics import (document_mean_prf, expected_calibration_error, precision_above, precision_recall_f1,
                       reliability_bins)
from .worker import EvalJob

MODES = ("exact", "fuzzy")
WORST_ERRORS = 30
CALIBRATION_BINS = 10


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def _averages(scores: dict[str, FieldScore]) -> dict:
    total = FieldScore()
    for score in scores.values():
        total.merge(score)
    return {"micro": total.as_dict(),
            "macro_f1": round(statistics.mean(s.f1 for s in scores.values()), 4) if scores else None}


def _ocr_rates(counts: Counter) -> dict:
    rates: dict = {}
    if counts["gold_chars"]:
        rates["cer"] = round(counts["char_edits"] / counts["gold_chars"], 4)
        rates["wer"] = round(counts["word_edits"] / max(1, counts["gold_words"]), 4)
    if counts["words_gold"]:
        rates["word_recall"] = round(counts["words_matched"] / counts["words_gold"], 4)
        rates["word_precision"] = round(counts["words_matched"] / max(1, counts["words_predicted"]), 4)
    return rates


def _doctype_accuracy(outcomes: dict[str, list[bool]]) -> dict | None:
    """Share of documents whose detected type is their true type, overall and per true type."""
    if not outcomes:
        return None
    every = [ok for oks in outcomes.values() for ok in oks]
    return {"overall": round(sum(every) / len(every), 4), "documents": len(every),
            "by_type": {name: round(sum(oks) / len(oks), 4) for name, oks in sorted(outcomes.items())}}


def _table_scores(counts: Counter, per_document: list[dict]) -> dict:
    """Structure (adjacency relations) and regions (area overlap): pooled over all documents, and
    the mean of each document's precision and recall, as the ICDAR 2013 competition reports both."""
    if not per_document:
        return {}
    if counts["tables_scored"]:
        return {"teds": round(counts["teds_sum"] / counts["tables_scored"], 4),
                "teds_struct": round(counts["teds_struct_sum"] / counts["tables_scored"], 4),
                "tables_scored": counts["tables_scored"]}

    return {
        "structure": {"pooled": precision_recall_f1(counts["relations_correct"], counts["relations_predicted"],
                                                    counts["relations_gold"]),
                      "document_mean": document_mean_prf(per_document, "relations_correct", "relations_predicted",
                                                   "relations_gold")},
        "regions": {"pooled": precision_recall_f1(counts["area_overlap"], counts["area_predicted"], counts["area_gold"]),
                    "document_mean": document_mean_prf(per_document, "area_overlap", "area_predicted", "area_gold")},
        "tables_gold": counts["tables_gold"], "tables_predicted": counts["tables_predicted"],
    }


def calibration_summary(confidences: list[float], outcomes: list[bool], threshold: float | None,
                        bins: int = CALIBRATION_BINS) -> dict | None:
    """How far confidences are from the share of values right (ECE over equal-width bins), the bins
    themselves (a reliability diagram), and the precision of the values shown as confident."""
    if not confidences:
        return None
    summary = {"values": len(confidences), "accuracy": round(sum(outcomes) / len(outcomes), 4),
               "mean_confidence": round(statistics.mean(confidences), 4),
               "ece": round(expected_calibration_error(confidences, outcomes, bins), 4), "bins": bins,
               "reliability": [b.as_dict() for b in reliability_bins(confidences, outcomes, bins)]}
    if threshold is not None:
        summary["above_threshold"] = precision_above(confidences, outcomes, threshold)
    return summary


def aggregate(predictions: Path, job: EvalJob, config: dict) -> dict:
    scores: dict[str, dict[str, FieldScore]] = {mode: {} for mode in MODES}
    worst: list[tuple] = []
    failures: Counter = Counter()
    ocr_counts: Counter = Counter()
    table_counts: Counter = Counter()
    per_document: list[dict] = []
    ms_per_page, extract_ms, tokens = [], [], []
    doctypes: dict[str, list[bool]] = defaultdict(list)
    statuses: Counter = Counter()
    confidences: list[float] = []
    rights: list[bool] = []
    threshold = None
    documents = valid = grounded = grounding_checks = 0
    with Path(predictions).open(encoding="utf-8") as stream:
        for number, line in enumerate(stream):
            record = json.loads(line)
            documents += 1
            if record["status"] == "failure":
                failures[record["error"]["code"]] += 1
                continue
            ms_per_page.append(record["timings_ms"]["total"] / max(1, record["pages"]))
            ocr_counts.update(record.get("ocr") or {})
            if "doctype" in record:
                doctypes[record["doctype"]["expected"]].append(record["doctype"]["detected"] == record["doctype"]["expected"])
            if record.get("tables"):
                table_counts.update(record["tables"])
                per_document.append(record["tables"])
            if "fields" not in record:
                continue
            extract_ms.append(record["timings_ms"]["extract"])
            statuses[record.get("extraction_status")] += 1
            threshold = record.get("review_threshold", threshold)
            valid += record["schema_valid"]
            grounded += record["grounded"]
            grounding_checks += record["grounding_checks"]
            if record.get("llm_tokens"):
                tokens.append(record["llm_tokens"])
            for index, outcome in enumerate(record["fields"]):
                if "confidence" in outcome:
                    confidences.append(outcome["confidence"])
                    rights.append(outcome["exact"])
                for mode in MODES:
                    scores[mode].setdefault(outcome["field"], FieldScore()).add(
                        outcome["gold"], outcome["predicted"], outcome[mode])
                if not outcome["exact"] and not outcome["field"].endswith("[]"):
                    entry = (-outcome["similarity"], number, index, {"id": record["id"], **outcome})
                    if len(worst) < WORST_ERRORS:
                        heapq.heappush(worst, entry)
                    else:
                        heapq.heappushpop(worst, entry)
    scored = documents - sum(failures.values())
    fields = {name: {mode: scores[mode][name].as_dict() for mode in MODES} for name in scores["exact"]}
    return {
        "job": job.identity(), "documents": documents, "failures": sum(failures.values()),
        "failures_by_code": dict(failures), "fields": fields,
        "averages": {mode: _averages(scores[mode]) for mode in MODES},
        "statuses": dict(statuses),
        "calibration": calibration_summary(confidences, rights, threshold),
        "schema_valid_rate": round(valid / len(extract_ms), 4) if extract_ms else None,
        "grounding_rate": round(grounded / grounding_checks, 4) if grounding_checks else None,
        "llm_tokens_per_document": round(statistics.mean(tokens), 1) if tokens else None,
        "latency_ms_per_page": {"mean": round(statistics.mean(ms_per_page), 1) if ms_per_page else None,
                                "p50": _percentile(ms_per_page, 0.5), "p95": _percentile(ms_per_page, 0.95)},
        "extract_ms": {"mean": round(statistics.mean(extract_ms), 2) if extract_ms else None,
                       "p95": _percentile(extract_ms, 0.95)},
        "ocr": _ocr_rates(ocr_counts),
        "doctype_accuracy": _doctype_accuracy(doctypes),
        "tables": _table_scores(table_counts, per_document),
        "scored_documents": scored,
        "worst_errors": [entry[-1] for entry in sorted(worst, key=lambda e: e[:3], reverse=True)],
        "invocations": config["invocations"],
    }
