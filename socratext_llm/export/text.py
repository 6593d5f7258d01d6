"""Plain text (pages separated by form feeds) and Markdown (heading levels, list items, paragraphs joined,
tables as tables)."""
from __future__ import annotations

from ..document import FURNITURE, Document, Table
from ..layout.structure import block_text, paragraph_text, paragraphs
from ..layout.text_flow import strip_bullet
from .tables import page_items, table_markdown


def to_text(document: Document) -> str:
    return "\n\f".join(page.text for page in document.pages) + "\n"


def to_markdown(document: Document) -> str:
    """One Markdown element per logical paragraph (joined across line, column and page breaks), at the page
    where it starts; headings at their level ('#', '##', '###'); running headers and footers left out;
    tables as pipe tables, without the lines they took from the blocks."""
    groups = {blocks[0][1].paragraph: blocks for blocks in paragraphs(document)}
    parts: list[str] = []
    for page in document.pages:
        parts.append(f"<!-- page {page.index + 1} -->")
        for item in page_items(page):
            if isinstance(item, Table):
                parts.append(table_markdown(item))
                continue
            if item.kind in FURNITURE:
                continue
            blocks = groups.get(item.paragraph)
            whole = len(item.lines) == len(page.blocks[item.order].lines)
            if blocks is not None and whole:
                first_page, first = blocks[0]
                if (first_page.index, first.order) != (page.index, item.order):
                    continue  # the rest of a paragraph already written where it started
                text = paragraph_text(blocks)
            else:
                text = block_text(item)  # a block a table took lines from: what is left of it
            if item.kind == "heading" and item.heading_level:
                parts.append("#" * item.heading_level + " " + text)
            elif item.kind == "list_item":
                parts.append("- " + strip_bullet(text)[1])
            else:
                parts.append(text)
    return "\n\n".join(parts) + "\n"
