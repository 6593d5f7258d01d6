"""Plain text (pages separated by form feeds) and Markdown (heading levels, list items, paragraphs joined)."""
from __future__ import annotations

from ..document import FURNITURE, Document
from ..layout.structure import block_text, paragraph_text, paragraphs
from ..layout.text_flow import strip_bullet


def to_text(document: Document) -> str:
    return "\n\f".join(page.text for page in document.pages) + "\n"


def to_markdown(document: Document) -> str:
    """One Markdown element per logical paragraph (joined across line, column and page breaks), at the page
    where it starts; headings at their level ('#', '##', '###'); running headers and footers left out."""
    groups = {blocks[0][1].paragraph: blocks for blocks in paragraphs(document)}
    parts: list[str] = []
    for page in document.pages:
        parts.append(f"<!-- page {page.index + 1} -->")
        for block in page.blocks:
            if block.kind in FURNITURE:
                continue
            blocks = groups.get(block.paragraph)
            if blocks is not None and blocks[0][1] is not block:
                continue  # the rest of a paragraph already written where it started
            text = paragraph_text(blocks) if blocks else block_text(block)
            if block.kind == "heading" and block.heading_level:
                parts.append("#" * block.heading_level + " " + text)
            elif block.kind == "list_item":
                parts.append("- " + strip_bullet(text)[1])
            else:
                parts.append(text)
    return "\n\n".join(parts) + "\n"
