"""A self-contained HTML report an analyst can open offline.

Statements grouped by section with grade badges; each links to a picture of its page (WebP as a data
URI) on which its evidence box is highlighted; the decision trees drawn as inline SVG laid out here
(layers by longest path from the starts, no script or network needed to see them). A few lines of
inline script only move the highlight to the statement clicked.
"""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import pymupdf

from .model import DecisionTree, Recommendation

PAGE_DPI = 60
NODE_WIDTH, LINE_HEIGHT, CHARS_PER_LINE, MAX_LINES = 190, 14, 30, 5
GAP_X, GAP_Y = 30, 46
GRADE_COLOURS = {"A": "#3c9a4a", "B": "#d6a800", "C": "#d4587a", "AE": "#3f7fc1"}
KIND_COLOURS = {"start": "#e8f1e4", "question": "#fdf1d8", "action": "#eef3fa", "end": "#f6e6ea"}

STYLE = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{background:#1f3b63;color:#fff;padding:14px 24px}header h1{margin:0;font-size:1.35em}
header p{margin:4px 0 0;opacity:.85}main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px;padding:18px}
section h2{font-size:1.05em;margin:18px 0 6px;border-bottom:1px solid #ccd}
ol{padding-left:1.6em}li{margin:6px 0;line-height:1.35}li a{color:inherit;text-decoration:none}
li a:hover,li.active a{background:#fff3b0}
.badge{display:inline-block;min-width:2.1em;text-align:center;border-radius:9px;color:#fff;font-size:.8em;
font-weight:600;padding:1px 6px;margin-right:6px}.none{background:#8a93a3}.page{color:#667;font-size:.85em}
.pages{position:sticky;top:0;max-height:100vh;overflow:auto}figure{margin:0 0 16px}figcaption{font-size:.85em;color:#556}
svg.page{width:100%;height:auto;border:1px solid #ccd;background:#fff}rect.hl{fill:rgba(255,200,0,.18);stroke:#e0a000;stroke-width:1}
rect.hl.active{fill:rgba(255,120,0,.35);stroke:#d04000;stroke-width:2.5}
.trees{grid-column:1 / span 2}.tree{overflow:auto;border:1px solid #ccd;background:#fff;margin:8px 0 20px}
.tree text{font-size:11px;font-family:system-ui,Arial,sans-serif}
"""

SCRIPT = """
document.querySelectorAll('li[data-s]').forEach(function(li){li.addEventListener('click',function(){
document.querySelectorAll('.active').forEach(function(e){e.classList.remove('active')});
li.classList.add('active');var r=document.getElementById('hl'+li.dataset.s);if(r){r.classList.add('active')}});});
"""


def _badge(grade: str | None) -> str:
    if grade is None:
        return '<span class="badge none">–</span>'
    return f'<span class="badge" style="background:{GRADE_COLOURS[grade]}">{grade}</span>'


def _wrap(text: str) -> list[str]:
    words, lines, current = " ".join(text.split()).split(" "), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > CHARS_PER_LINE:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: CHARS_PER_LINE - 1] + "…"
    return lines


def _layers(tree: DecisionTree) -> dict[str, int]:
    """Each node's layer: the longest path from a start, arrows that close a loop ignored."""
    children: dict[str, list[str]] = {node.id: [] for node in tree.nodes}
    for edge in tree.edges:
        if edge.source in children and edge.target in children:
            children[edge.source].append(edge.target)
    incoming = {edge.target for edge in tree.edges}
    order, state = [], {}

    def visit(node_id: str) -> None:   # depth-first post-order; grey nodes mark back edges
        stack = [(node_id, iter(children[node_id]))]
        state[node_id] = "grey"
        while stack:
            current, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                state[current] = "black"
                order.append(current)
                stack.pop()
            elif child not in state:
                state[child] = "grey"
                stack.append((child, iter(children[child])))

    for node in sorted(tree.nodes, key=lambda n: n.id in incoming):
        if node.id not in state:
            visit(node.id)
    position = {node_id: i for i, node_id in enumerate(reversed(order))}
    layer = {node.id: 0 for node in tree.nodes}
    for node_id in reversed(order):
        for child in children[node_id]:
            if position[child] > position[node_id]:
                layer[child] = max(layer[child], layer[node_id] + 1)
    return layer


def tree_svg(tree: DecisionTree) -> str:
    """The tree drawn in SVG: boxes in layers top to bottom, arrows with their labels."""
    layer = _layers(tree)
    rows: dict[int, list] = {}
    for node in tree.nodes:
        rows.setdefault(layer[node.id], []).append(node)
    heights = {node.id: len(_wrap(node.text)) * LINE_HEIGHT + 12 for node in tree.nodes}
    place, y = {}, 10
    width = max(len(row) for row in rows.values()) * (NODE_WIDTH + GAP_X) + GAP_X
    for level in sorted(rows):
        row = rows[level]
        offset = (width - len(row) * (NODE_WIDTH + GAP_X) + GAP_X) / 2
        for i, node in enumerate(row):
            place[node.id] = (offset + i * (NODE_WIDTH + GAP_X), y)
        y += max(heights[n.id] for n in row) + GAP_Y
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{y:.0f}" '
             f'viewBox="0 0 {width:.0f} {y:.0f}" role="img" aria-label="{html.escape(tree.title or tree.id)}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#556"/></marker></defs>']
    for edge in tree.edges:
        if edge.source not in place or edge.target not in place:
            continue
        (sx, sy), (tx, ty) = place[edge.source], place[edge.target]
        x1, y1 = sx + NODE_WIDTH / 2, sy + heights[edge.source]
        x2, y2 = tx + NODE_WIDTH / 2, ty
        if ty <= sy:   # an arrow back up: leave and enter by the sides
            x1, y1, x2, y2 = sx + NODE_WIDTH, sy + heights[edge.source] / 2, tx + NODE_WIDTH, ty + heights[edge.target] / 2
        parts.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#556" '
                     f'stroke-width="1.2" marker-end="url(#arrow)"/>')
        if edge.label:
            parts.append(f'<text x="{(x1 + x2) / 2 + 4:.0f}" y="{(y1 + y2) / 2:.0f}" fill="#a03000" '
                         f'font-weight="600">{html.escape(edge.label)}</text>')
    for node in tree.nodes:
        x, y0 = place[node.id]
        shape = 'rx="14"' if node.kind in ("start", "end") else 'rx="3"'
        stroke = ' stroke-dasharray="5 3"' if node.kind == "question" else ""
        parts.append(f'<g><title>{html.escape(node.text)} (p. {node.page})</title><rect x="{x:.0f}" y="{y0:.0f}" '
                     f'width="{NODE_WIDTH}" height="{heights[node.id]}" {shape} fill="{KIND_COLOURS[node.kind]}" '
                     f'stroke="#445"{stroke}/>')
        for i, line in enumerate(_wrap(node.text)):
            parts.append(f'<text x="{x + 6:.0f}" y="{y0 + 16 + i * LINE_HEIGHT:.0f}">{html.escape(line)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def page_picture(page: pymupdf.Page, dpi: int = PAGE_DPI) -> str:
    """A page as a WebP data URI."""
    from PIL import Image
    pixmap = page.get_pixmap(dpi=dpi)
    image = Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=55, method=4)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _pages(recommendation: Recommendation, pdf_path: Path | None) -> list[str]:
    """One figure per page holding a statement: the page picture with every statement box on it."""
    if pdf_path is None:
        return []
    by_page: dict[int, list[int]] = {}
    for index, statement in enumerate(recommendation.statements):
        by_page.setdefault(statement.page, []).append(index)
    figures = []
    with pymupdf.open(pdf_path) as document:
        for number in sorted(by_page):
            if not 1 <= number <= document.page_count:
                continue
            page = document[number - 1]
            width, height = page.rect.width, page.rect.height
            boxes = "".join(
                f'<rect id="hl{i}" class="hl" x="{b[0]:.1f}" y="{b[1]:.1f}" width="{b[2] - b[0]:.1f}" height="{b[3] - b[1]:.1f}"/>'
                for i in by_page[number] for b in [recommendation.statements[i].bbox])
            figures.append(f'<figure id="p{number}"><svg class="page" xmlns="http://www.w3.org/2000/svg" '
                           f'viewBox="0 0 {width:.1f} {height:.1f}"><image href="{page_picture(page)}" x="0" y="0" '
                           f'width="{width:.1f}" height="{height:.1f}"/>{boxes}</svg>'
                           f'<figcaption>Page {number}</figcaption></figure>')
    return figures


def to_html(recommendation: Recommendation, pdf_path: Path | None = None) -> str:
    meta = recommendation.metadata
    title = html.escape(meta.title or "Recommandation")
    facts = " · ".join(html.escape(str(v)) for v in (meta.kind, meta.date, ", ".join(meta.organisations)) if v)
    body = [f"<header><h1>{title}</h1><p>{facts} — {len(recommendation.statements)} recommandations, "
            f"{len(recommendation.decision_trees)} arbres de décision</p></header><main><div class=\"statements\">"]
    section: list[str] | None = None
    for index, statement in enumerate(recommendation.statements):
        if statement.section != section:
            if section is not None:
                body.append("</ol></section>")
            section = statement.section
            body.append(f"<section><h2>{html.escape(' › '.join(section) or 'Sans section')}</h2><ol>")
        number = f"<b>{html.escape(statement.id)}</b> " if statement.id else ""
        body.append(f'<li data-s="{index}"><a href="#p{statement.page}">{_badge(statement.grade)}{number}'
                    f'{html.escape(statement.text)} <span class="page">p. {statement.page}</span></a></li>')
    if section is not None:
        body.append("</ol></section>")
    body.append('</div><div class="pages">' + "".join(_pages(recommendation, pdf_path)) + "</div>")
    body.append('<div class="trees"><h2>Arbres de décision</h2>')
    for tree in recommendation.decision_trees:
        body.append(f"<h3>{html.escape(tree.id)} — {html.escape(tree.title or 'sans titre')} "
                    f"<small>({tree.source}, p. {', '.join(map(str, tree.pages))})</small></h3>"
                    f'<div class="tree">{tree_svg(tree)}</div>')
    body.append("</div></main>")
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
            f'<body>{"".join(body)}<script>{SCRIPT}</script></body></html>\n')
