"""HTML: headings, paragraphs and tables of each page, in reading order."""
from __future__ import annotations

import html

from ..document import Document, Table
from .tables import page_items, table_html


def to_html(document: Document) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="fr">', "<head>", '<meta charset="utf-8">',
             f"<title>{html.escape(document.source.filename)}</title>", "</head>", "<body>"]
    for page in document.pages:
        parts.append(f'<section data-page="{page.index + 1}">')
        for item in page_items(page):
            if isinstance(item, Table):
                parts.append(table_html(item))
            elif item.kind == "heading" and item.heading_level:
                level = item.heading_level
                parts.append(f"<h{level}>{html.escape(' '.join(line.text for line in item.lines))}</h{level}>")
            else:
                parts.append("<p>" + "<br>\n".join(html.escape(line.text) for line in item.lines) + "</p>")
        parts.append("</section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"
