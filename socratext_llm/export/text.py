"""Plain text (pages separated by form feeds) and Markdown (headings kept, tables as tables)."""
from __future__ import annotations

from ..document import Document, Table
from .tables import page_items, table_markdown


def to_text(document: Document) -> str:
    return "\n\f".join(page.text for page in document.pages) + "\n"


def to_markdown(document: Document) -> str:
    parts: list[str] = []
    for page in document.pages:
        parts.append(f"<!-- page {page.index + 1} -->")
        for block in page_items(page):
            if isinstance(block, Table):
                parts.append(table_markdown(block))
            elif block.kind == "heading" and block.heading_level:
                parts.append("#" * block.heading_level + " " + " ".join(line.text for line in block.lines))
            else:
                parts.append("\n".join(line.text for line in block.lines))
    return "\n\n".join(parts) + "\n"
