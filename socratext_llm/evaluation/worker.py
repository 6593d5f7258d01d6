"""Evaluating one item: read it (our OCR, cached, or the dataset's own), extract, score. Runs in any
worker process (local pool or Ray); returns a plain record and never raises, so one bad document
is one failure record, never a crashed run."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SocratextError
from ..field_metrics import is_empty
from ..extract.classify import decide_doctype
from ..extract.confidence import value_raw_score, value_signals
from ..extract.pipeline import extract_document, resolve_doctype
from ..extract.schemas import SchemaRegistry
from ..ocr_cache import cached_ocr
from ..pipeline import OcrOptions
from ..settings import Settings
from .datasets import EvalItem, open_dataset
from .scoring import ScoringOptions, compare

GOLD_OCR = "gold"


@dataclass(frozen=True)
class EvalJob:
    """Everything that decides a run's results; two runs with equal jobs give equal predictions."""

    dataset: str
    engine: str
    ocr_engine: str
    settings: Settings
    schema: str | None = None
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    cache_dir: str | None = ".cache/ocr"

    def identity(self) -> dict:
        """What a resumed run must share with the run it continues."""
        return {"dataset": self.dataset, "schema": self.schema, "engine": self.engine, "ocr_engine": self.ocr_engine,
                "amount_tolerance": self.scoring.amount_tolerance, "fuzzy_threshold": self.scoring.fuzzy_threshold}


def failure_record(item: EvalItem, error: BaseException, elapsed_ms: float = 0.0) -> dict:
    """A document that could not be evaluated: its error code and one line, no document content."""
    if isinstance(error, SocratextError):
        code, message = error.code, error.one_line()
    else:
        code, message = "internal", f"{type(error).__name__} (a bug: please report it)"
    return {"id": item.id, "status": "failure", "error": {"code": code, "message": message},
            "timings_ms": {"total": round(elapsed_ms, 1)}}


def evaluate_item(item: EvalItem, job: EvalJob) -> dict:
    start = time.perf_counter()
    try:
        return _evaluate(item, job, start)
    except Exception as error:  # noqa: BLE001 — recorded as this document's failure, the run goes on
        return failure_record(item, error, (time.perf_counter() - start) * 1000)


def _evaluate(item: EvalItem, job: EvalJob, start: float) -> dict:
    dataset = open_dataset(job.dataset, job.settings, job.schema)
    if job.ocr_engine == GOLD_OCR:
        document = dataset.gold_document(item)
    else:
        cache = Path(job.cache_dir) if job.cache_dir else None
        document = cached_ocr(Path(item.source), OcrOptions(engine=job.ocr_engine), job.settings, cache)
    ocr_ms = (time.perf_counter() - start) * 1000
    record: dict = {"id": item.id, "status": "ok", "pages": len(document.pages)}
    if job.ocr_engine != GOLD_OCR:
        record["ocr"] = dataset.ocr_scores(item, document)
    if dataset.task == "tables":
        record["tables"] = dataset.table_scores(item, document)
    if dataset.task == "fields":
        if item.schema:  # a set that mixes types: detection scored, extraction with the true type
            decision = decide_doctype(document, SchemaRegistry(job.settings), job.settings.doctype_detector)
            record["doctype"] = {"expected": item.schema, "detected": decision.detected,
                                 "schema_name": decision.schema_name, "confidence": decision.confidence}
        doctype = resolve_doctype(item.schema or dataset.schema, job.settings)
        result = extract_document(document, doctype, job.engine, job.settings)
        outcomes = [outcome for outcome in compare(item.gold, result.data, doctype.schema, job.scoring)
                    if dataset.scores_field(item, outcome.field.split(".")[0].split("[")[0])]
        fields = []
        for outcome in outcomes:
            entry = outcome.as_dict()
            if item.schema:
                entry["field"] = f"{item.schema}.{entry['field']}"
            evidence = result.evidence.get(outcome.pointer or "")
            entry["source_text"] = evidence.source_text if evidence else ""
            if evidence is not None and not is_empty(outcome.predicted):  # a value shown with its confidence
                entry["confidence"] = evidence.confidence
                entry["raw_confidence"] = value_raw_score(evidence, result.checks, outcome.pointer)
                entry["signals"] = value_signals(evidence, result.checks, outcome.pointer)
            fields.append(entry)
        grounding = [check for check in result.checks if check.kind == "grounding"]
        record.update(
            schema=doctype.name, extraction_status=result.status, review_threshold=result.review_threshold,
            prediction=result.data, fields=fields,
            schema_valid=not any(c.kind == "schema" and not c.ok for c in result.checks),
            grounded=sum(c.ok for c in grounding), grounding_checks=len(grounding), llm_tokens=result.llm_tokens)
        record["timings_ms"] = {"ocr": round(ocr_ms, 1), "extract": result.timings_ms["extract"]}
    else:
        record["timings_ms"] = {"ocr": round(ocr_ms, 1)}
    record["timings_ms"]["total"] = round((time.perf_counter() - start) * 1000, 1)
    return record
