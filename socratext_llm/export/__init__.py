"""Output formats of ``socratext ocr``: the document model as JSON, plain text, Markdown, ALTO v4, HTML."""
from __future__ import annotations

from collections.abc import Callable

from ..document import Document
from .alto import to_alto
from .html import to_html
from .text import to_markdown, to_text


def to_json(document: Document) -> str:
    return document.model_dump_json(indent=2)


FORMATS: dict[str, tuple[Callable[[Document], str], str]] = {
    "json": (to_json, ".json"),
    "text": (to_text, ".txt"),
    "markdown": (to_markdown, ".md"),
    "alto": (to_alto, ".alto.xml"),
    "html": (to_html, ".html"),
}

__all__ = ["FORMATS", "to_alto", "to_html", "to_json", "to_markdown", "to_text"]
