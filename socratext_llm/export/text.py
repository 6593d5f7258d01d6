"""Plain text (pages separated by form feeds) and Markdown (heading levels, list items, paragraphs joined,
tables as tables)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from ..document import FURNITURE, Document, Page, Table
from ..layout.sketch import PageSketch
from ..layout.structure import line_rows, paragraph_groups, row_text
from ..layout.text_flow import join_lines, strip_bullet
from .tables import page_items, table_markdown

SHORT_ROW = 0.75  # a row ending before this share of its block's width was ended on purpose
LABELLED_ROW = re.compile(r"^[^\W\d][\w'’ ./-]{1,40}\s?:\s")  # 'Locataire : …' starts a line of its own


def flowing_text(blocks: Sequence[tuple]) -> str:
    """A paragraph's text as Markdown (its blocks with their pages, or sketches of both): rows run together
    (line-end hyphens joined), except after a row that stops short of its block's edge and around a
    'Label : value' row, where the printed break is kept."""
    runs: list[list[str]] = [[]]
    for _, block in blocks:
        rows = line_rows(block.lines)
        texts = [row_text(row) for row in rows]
        for index, (row, text) in enumerate(zip(rows, texts)):
            labelled = bool(LABELLED_ROW.match(text))
            if runs[-1] and labelled:
                runs.append([])
            runs[-1].append(text)
            following = texts[index + 1] if index + 1 < len(texts) else ""
            short = max(line.bbox.x1 for line in row) < block.bbox.x0 + SHORT_ROW * block.bbox.width
            if following and (short or (labelled and following[:1].isupper())):
                runs.append([])
    return "\n".join(join_lines(run) for run in runs if run)


def text_parts(pages: Iterable[Page] | Iterable[PageSketch]) -> Iterator[str]:
    """``to_text`` page by page (pages or their sketches: the same lines)."""
    for index, page in enumerate(pages):
        yield ("\n\f" if index else "") + page.text
    yield "\n"


def to_text(document: Document) -> str:
    return "".join(text_parts(document.pages))


def paragraph_starts(pages: Sequence[Page] | Sequence[PageSketch]) -> dict[int, list[tuple]]:
    """Each logical paragraph's blocks (with their pages, or the pages' sketches), by paragraph index."""
    return {blocks[0][1].paragraph: blocks for blocks in paragraph_groups(pages)}


def markdown_parts(pages: Iterable[Page], groups: dict[int, list[tuple]]) -> Iterator[str]:
    """``to_markdown``'s elements, page by page; ``groups`` (``paragraph_starts``) gives the blocks of a paragraph
    that goes on over later pages."""
    for page in pages:
        yield f"<!-- page {page.index + 1} -->"
        for item in page_items(page):
            if isinstance(item, Table):
                yield table_markdown(item)
                continue
            if item.kind in FURNITURE:
                continue
            blocks = groups.get(item.paragraph)
            whole = len(item.lines) == len(page.blocks[item.order].lines)
            if blocks is not None and whole:
                first_page, first = blocks[0]
                if (first_page.index, first.order) != (page.index, item.order):
                    continue  # the rest of a paragraph already written where it started
                text = flowing_text(blocks)
            else:
                text = flowing_text([(page, item)])  # a block a table took lines from: what is left of it
            if item.kind == "heading" and item.heading_level:
                yield "#" * item.heading_level + " " + " ".join(text.split())
            elif item.kind == "list_item":
                yield "- " + strip_bullet(text)[1]
            else:
                yield text


def to_markdown(document: Document) -> str:
    """One Markdown element per logical paragraph (joined across line, column and page breaks), at the page
    where it starts; headings at their level ('#', '##', '###'); running headers and footers left out;
    tables as pipe tables, without the lines they took from the blocks."""
    return "\n\n".join(markdown_parts(document.pages, paragraph_starts(document.pages))) + "\n"
