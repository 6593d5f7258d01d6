"""A HAS recommendation read whole: metadata, statements and decision trees in one model.

Statements and metadata come from ``has.statements``; drawn trees from the PDF's vector graphics and
pictures; text trees from the conditional statements.
"""
from __future__ import annotations

from pathlib import Path

from ..document import Document
from ..pipeline import OcrOptions, ocr_document
from ..settings import Settings
from .model import DecisionTree, Recommendation, Statement
from .statements import extract_metadata, extract_statements


def decision_trees_of(document: Document, statements: list[Statement], pdf_path: Path | None = None,
                      settings: Settings | None = None) -> list[DecisionTree]:
    """Drawn flowcharts (vector, and pictures when settings are given and allow it: they name the OCR)
    when the PDF's path is known, then the trees assembled from the text."""
    from .flowcharts import drawn_trees
    from .raster_flowcharts import raster_trees
    from .textual_trees import textual_trees
    trees = drawn_trees(pdf_path) if pdf_path is not None else []
    if pdf_path is not None and settings is not None and settings.has_raster_flowcharts:
        trees += raster_trees(pdf_path, settings, first_id=len(trees) + 1)
    return trees + textual_trees(statements, start=len(trees))


def read_recommendation(document: Document, pdf_path: Path | None = None,
                        settings: Settings | None = None, engine: str = "rules") -> Recommendation:
    """``engine`` other than rules: the LLM also reads each statement's direction, condition and action
    (``has/llm_phrasing.py``), kept where its words are the statement's own."""
    statements = extract_statements(document)
    if engine != "rules" and settings is not None:
        from .llm_phrasing import phrase_with_llm

        statements, _ = phrase_with_llm(statements, settings)
    return Recommendation(metadata=extract_metadata(document), statements=statements,
                          decision_trees=decision_trees_of(document, statements, pdf_path, settings))


def read_document(path: Path, settings: Settings, password: str | None = None, engine: str = "rules") -> Recommendation:
    """A file read through the pipeline (text layer, OCR where needed) then as a recommendation."""
    document = ocr_document(Path(path), OcrOptions(password=password), settings)
    pdf = Path(path) if Path(path).suffix.lower() == ".pdf" else None
    return read_recommendation(document, pdf, settings, engine)
