"""``socratext ocr``'s outputs written piece by piece from a document read into a spool
(``streaming.read_document``): the same text as the ``FORMATS`` renderers give for the whole Document, with
one page in memory at a time. ALTO is built whole (an XML tree of the document)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from ..document import Document
from ..streaming import StreamedDocument
from .alto import to_alto
from .html import html_parts
from .text import markdown_parts, paragraph_starts, text_parts


def _write_joined(out: TextIO, parts: Iterable[str], separator: str) -> None:
    """``out.write(separator.join(parts) + "\\n")`` without building the string."""
    for index, part in enumerate(parts):
        if index:
            out.write(separator)
        out.write(part)
    out.write("\n")


def write_streamed(document: StreamedDocument, format_name: str, out: TextIO) -> None:
    """Write ``document`` in one of ``FORMATS`` to ``out``."""
    if format_name == "json":
        out.writelines(document.json())
    elif format_name == "text":
        out.writelines(text_parts(document.sketches))
    elif format_name == "markdown":
        _write_joined(out, markdown_parts(document.pages(), paragraph_starts(document.sketches)), "\n\n")
    elif format_name == "html":
        _write_joined(out, html_parts(document.source.filename, document.pages()), "\n")
    elif format_name == "alto":
        out.write(to_alto(Document(source=document.source, pages=list(document.pages()))))
    else:
        raise ValueError(f"unknown output format: {format_name}")
