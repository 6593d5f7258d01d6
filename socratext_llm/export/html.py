"""HTML: headings, paragraphs and tables of each page, in reading order."""
from __future__ import annotations

import html
from collections.abc import Iterable, Iterator

from ..document import Document, Page, Table
from .tables import page_items, table_html


def html_parts(title: str, pages: Iterable[Page]) -> Iterator[str]:
    """``to_html``'s lines, page by page."""
    yield from ["<!DOCTYPE html>", '<html lang="fr">', "<head>", '<meta charset="utf-8">',
                f"<title>{html.escape(title)}</title>", "</head>", "<body>"]
    for page in pages:
        yield f'<section data-page="{page.index + 1}">'
        for item in page_items(page):
            if isinstance(item, Table):
                yield table_html(item)
            elif item.kind == "heading" and item.heading_level:
                level = item.heading_level
                yield f"<h{level}>{html.escape(' '.join(line.text for line in item.lines))}</h{level}>"
            else:
                yield "<p>" + "<br>\n".join(html.escape(line.text) for line in item.lines) + "</p>"
        yield "</section>"
    yield from ["</body>", "</html>"]


def to_html(document: Document) -> str:
    return "\n".join(html_parts(document.source.filename, document.pages)) + "\n"
