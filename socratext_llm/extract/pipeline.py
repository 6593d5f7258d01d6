"""Extraction: a document and a document type in, an ExtractionResult with evidence and checks out."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..document import Document
from ..french.authority import MACHINE_READ
from ..pipeline import OcrOptions, ocr_document
from ..settings import Settings, load_settings
from .base import FieldValues, get_extraction_engine
from .engines.rules import RulesEngine
from .classify import guess_doctype
from .checks import consistency_checks, domain_checks, grounding_checks, schema_checks, several_documents_checks
from .confidence import calibration_of, review_threshold_of, score_evidence
from .result import Check, DoctypeDecision, Evidence, ExtractionResult, Status, value_at
from .schemas import DocumentType, SchemaRegistry
from .tables import text_with_table_rows


AUTO = "auto"  # schema name that lets the document's text choose its type


@dataclass(frozen=True)
class ExtractOptions:
    schema: str | Path
    engine: str | None = None
    ocr: OcrOptions = field(default_factory=OcrOptions)


def default_engine_name(settings: Settings) -> str:
    """hybrid when an LLM server is configured, rules otherwise (the main job needs no LLM)."""
    if settings.extraction_engine:
        return settings.extraction_engine
    return "hybrid" if settings.llm_base_url else "rules"


def resolve_doctype(schema: str | Path | dict, settings: Settings, allow_paths: bool = True) -> DocumentType | None:
    """The document type a caller named: a name, a schema file (command line and Python only), an inline
    schema; None for ``auto``, whose type the document's text chooses once it is read. Every entry
    point (CLI, Python, API, demo) resolves through here."""
    registry = SchemaRegistry(settings)
    if isinstance(schema, dict):
        return registry.inline(schema)
    if str(schema) == AUTO:
        return None
    return registry.get(schema, allow_paths=allow_paths)


def extract_document(document: Document, doctype: DocumentType, engine_name: str, settings: Settings,
                     decision: DoctypeDecision | None = None) -> ExtractionResult:
    engine = get_extraction_engine(engine_name, settings)
    start = time.perf_counter()
    values = engine.extract(document, doctype)
    extract_ms = (time.perf_counter() - start) * 1000
    machine_read = {pointer: e.engine for pointer, e in values.evidence.items() if e.engine in MACHINE_READ}
    checks = (schema_checks(values.data, doctype) + domain_checks(values.data, doctype)
              + consistency_checks(values.data, doctype)
              + grounding_checks(values.data, doctype, text_with_table_rows(document), machine_read) + values.checks
              + several_documents(document, doctype, values, settings))
    calibration = calibration_of(settings)
    threshold = review_threshold_of(settings, calibration)
    score_evidence(values.evidence, checks, calibration.for_type(doctype.name))
    status, review = decide_status(values.data, values.evidence, checks, doctype, threshold)
    return ExtractionResult(schema_name=doctype.name, source=document.source, engine=engine_name, status=status,
                            data=values.data, evidence=values.evidence, checks=checks, review=review,
                            review_threshold=threshold, timings_ms={"extract": round(extract_ms, 2)},
                            llm_tokens=values.llm_tokens, doctype=decision)


def several_documents(document: Document, doctype: DocumentType, values: FieldValues, settings: Settings) -> list[Check]:
    """A file whose pages print different document numbers holds several documents, whichever engine read it:
    the number is read on each page alone (by the rules), and every value read on another document's pages
    than the kept number's fails a consistency check (``several_documents_checks``)."""
    numbering = doctype.schema.get("x-socratext", {}).get("document_number")
    if numbering not in doctype.fields or len(document.pages) < 2:
        return []
    numbers = RulesEngine(settings).numbers_by_page(document, doctype, numbering)
    return several_documents_checks(numbers, values.evidence, values.data.get(numbering), numbering)


def decide_status(data: dict, evidence: dict[str, Evidence], checks: list[Check], doctype: DocumentType,
                  threshold: float) -> tuple[Status, list[str]]:
    """The result's status and why it is not ``success``: ``failure`` when the data breaks the schema
    (beyond a required field left empty), ``needs_review`` when a check failed, a required field is
    missing or a value is below the review threshold, ``partial`` when only an engine fell short (an
    LLM unavailable: what is there is sound, something may be missing)."""
    missing = [name for name in doctype.schema.get("required", []) if data.get(name) in (None, "", [])]
    missing_pointers = {f"/{name}" for name in missing}
    broken = [c for c in checks if c.kind == "schema" and not c.ok and c.field not in missing_pointers
              and "is a required property" not in c.message]
    if broken:
        return "failure", [f"{c.field or '/'}: {c.message}" for c in broken]
    review = [f"/{name}: required field missing" for name in missing]
    review += [f"{c.field or 'document'}: {c.message}" for c in checks
               if not c.ok and c.kind not in ("schema", "engine")]
    review += [f"{pointer}: confidence {e.confidence:.3f} below {threshold:.2f}" for pointer, e in evidence.items()
               if e.confidence < threshold and value_at(data, pointer) not in (None, "", [])]
    engine = [f"engine: {c.message}" for c in checks if c.kind == "engine" and not c.ok]
    if review:
        return "needs_review", review + engine
    return ("partial", engine) if engine else ("success", [])


def read_and_extract(path: Path, options: ExtractOptions, settings: Settings,
                     doctype: DocumentType | None = None, on_page=None) -> tuple[Document, ExtractionResult]:
    """The document read and its extraction; schema ``auto`` picks the document type from the text."""
    start = time.perf_counter()
    document = ocr_document(Path(path), options.ocr, settings, on_page=on_page)
    ocr_ms = (time.perf_counter() - start) * 1000
    decision = None
    if doctype is None:
        doctype = resolve_doctype(options.schema, settings)
    if doctype is None:  # auto: the document's text chooses
        guess = guess_doctype(document, SchemaRegistry(settings), settings.doctype_detector)
        doctype, decision = guess.doctype, guess.decision
    result = extract_document(document, doctype, options.engine or default_engine_name(settings), settings, decision)
    result.timings_ms["ocr"] = round(ocr_ms, 2)
    return document, result


def extract_file(path: Path, options: ExtractOptions, settings: Settings, doctype: DocumentType | None = None,
                 on_page=None) -> ExtractionResult:
    return read_and_extract(path, options, settings, doctype, on_page)[1]


def extract(path: str | Path, schema: str | Path | dict, engine: str | None = None, ocr_engine: str | None = None,
            password: str | None = None, settings: Settings | None = None) -> ExtractionResult:
    """Python API: the same result as `socratext extract FILE --schema SCHEMA`."""
    settings = settings or load_settings()
    doctype = resolve_doctype(schema, settings)
    options = ExtractOptions(schema=doctype.name if doctype else AUTO, engine=engine,
                             ocr=OcrOptions(engine=ocr_engine, password=password))
    return extract_file(Path(path), options, settings, doctype)
