"""Decision trees from flowcharts embedded as pictures (best effort, measured in docs/has.md).

For each large picture of a page that carries no text layer of its own: boxes found with OpenCV
(filled or outlined rectangles well above glyph size), text read with our OCR, connectors as the
remaining ink touching two boxes (or a box and a text block: a side branch without a frame). Arrowheads
are not told apart at this resolution: an arrow goes down, or right, in reading direction.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pymupdf

from ..ocr import get_ocr_engine
from ..settings import Settings
from .flowcharts import _is_label, _kind
from .model import DecisionTree, TreeEdge, TreeNode

MIN_PICTURE_SHARE = 0.12     # of the page area
RENDER_DPI = 120             # text of a chart (9 pt and more) is 15 px high or more: one OCR pass reads it
MIN_BOX = (33, 15)           # pixels at RENDER_DPI (20 x 9 pt): smaller shapes are glyphs
MIN_RECTANGULARITY = 0.85
TOUCH_PX = 8
MIN_BOXES = 3
MAX_TOUCHED = 4


@dataclass
class RasterNode:
    rect: tuple[int, int, int, int]
    framed: bool
    lines: list = field(default_factory=list)

    @property
    def text(self) -> str:
        text = " ".join(line.text for line in sorted(self.lines, key=lambda l: (l.box[1], l.box[0])))
        return " ".join(text.replace("→", " ").split())   # an arrow glyph read with the text it points at


def _boxes(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Filled boxes (what survives an opening that erases lines and glyphs) and outlined ones (the
    rectangular holes inside ink)."""
    import cv2
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    ink = (gray < 235).astype(np.uint8)
    height, width = gray.shape
    filled = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((9, 9), np.uint8))
    candidates = list(cv2.findContours(filled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0])
    contours, hierarchy = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is not None:
        candidates += [c for c, h in zip(contours, hierarchy[0]) if h[3] >= 0]   # holes
    found: list[tuple[int, int, int, int]] = []
    for contour in candidates:
        x, y, w, h = cv2.boundingRect(contour)
        if w < MIN_BOX[0] or h < MIN_BOX[1] or w * h > 0.6 * width * height:
            continue
        if cv2.contourArea(contour) < MIN_RECTANGULARITY * w * h:
            continue
        rect = (x, y, x + w, y + h)
        if all(_overlap(rect, other) < 0.8 for other in found):
            found.append(rect)
    # a frame around other boxes is a panel, not a node
    return [r for r in found if not any(o != r and _within(o, r) for o in found)]


def _overlap(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller else 0.0


def _within(inner, outer) -> bool:
    return inner[0] >= outer[0] and inner[1] >= outer[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _near(a, b, margin: int) -> bool:
    return a[0] - margin <= b[2] and b[0] - margin <= a[2] and a[1] - margin <= b[3] and b[1] - margin <= a[3]


def _text_blocks(lines: list) -> list[RasterNode]:
    """OCR lines outside boxes grouped into blocks (lines close below each other)."""
    blocks: list[RasterNode] = []
    for line in sorted(lines, key=lambda l: (l.box[1], l.box[0])):
        box = tuple(int(v) for v in line.box)
        height = box[3] - box[1]
        previous = next((b for b in blocks if min(b.rect[2], box[2]) > max(b.rect[0], box[0])
                         and -0.3 * height <= box[1] - b.rect[3] <= 0.8 * height), None)
        if previous is None:
            blocks.append(RasterNode(box, False, [line]))
        else:
            previous.lines.append(line)
            r = previous.rect
            previous.rect = (min(r[0], box[0]), min(r[1], box[1]), max(r[2], box[2]), max(r[3], box[3]))
    return blocks


def picture_tree(image: np.ndarray, settings: Settings, tree_id: str, page_number: int, scale: float,
                 offset: tuple[float, float], title: str | None) -> DecisionTree | None:
    """The flowchart in one picture, or None when too few boxes are joined."""
    import cv2
    rects = _boxes(image)
    if len(rects) < MIN_BOXES:
        return None
    lines = get_ocr_engine(settings.ocr_engine, settings).recognise_page(image)
    nodes = [RasterNode(r, True) for r in rects]
    loose = []
    for line in lines:
        cx, cy = (line.box[0] + line.box[2]) / 2, (line.box[1] + line.box[3]) / 2
        holder = next((n for n in nodes if n.rect[0] <= cx <= n.rect[2] and n.rect[1] <= cy <= n.rect[3]), None)
        (holder.lines if holder else loose).append(line)
    labels = [l for l in loose if _is_label(l.text)]
    nodes = [n for n in nodes if n.lines] + _text_blocks([l for l in loose if not _is_label(l.text)])
    # connectors: the ink left once boxes and text are blanked out
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    ink = (gray < 200).astype(np.uint8)
    for node in nodes:
        x0, y0, x1, y1 = node.rect
        ink[max(0, y0 - 2):y1 + 2, max(0, x0 - 2):x1 + 2] = 0
    for line in labels:
        x0, y0, x1, y1 = (int(v) for v in line.box)
        ink[max(0, y0 - 2):y1 + 2, max(0, x0 - 2):x1 + 2] = 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    edges: list[tuple[int, int, str | None]] = []
    for component in range(1, count):
        x, y, w, h, area = stats[component]
        if max(w, h) < 12:
            continue
        rect = (x, y, x + w, y + h)
        touched = [i for i, n in enumerate(nodes) if _near(rect, n.rect, TOUCH_PX)]
        if not 2 <= len(touched) <= MAX_TOUCHED:
            continue   # a frame or a rule running past many boxes is no connector
        touched.sort(key=lambda i: (nodes[i].rect[1], nodes[i].rect[0]))
        source = touched[0]
        label = next((l.text for l in labels if _near(rect, tuple(int(v) for v in l.box), 3 * TOUCH_PX)), None)
        edges += [(source, target, label) for target in touched[1:]]
    if len(edges) < 2:
        return None
    used = sorted({i for e in edges for i in e[:2]}, key=lambda i: (nodes[i].rect[1], nodes[i].rect[0]))
    ids = {i: f"{tree_id}.n{k + 1}" for k, i in enumerate(used)}
    tree_edges = [TreeEdge(source=ids[s], target=ids[t], label=label) for s, t, label in dict.fromkeys(edges)]

    def points(rect):
        return tuple(round(offset[i % 2] + v * scale, 1) for i, v in enumerate(rect))

    tree_nodes = []
    for i in used:
        node = nodes[i]
        kind = _kind(_Framed(node.text), ids[i], tree_edges)
        tree_nodes.append(TreeNode(id=ids[i], text=node.text, kind=kind, page=page_number, bbox=points(node.rect)))
    return DecisionTree(id=tree_id, title=title, source="raster", pages=[page_number], nodes=tree_nodes,
                        edges=tree_edges)


@dataclass
class _Framed:
    """What ``_kind`` reads of a box: its text and whether it is a diamond (never, in a picture)."""
    text: str
    diamond: bool = False


def raster_trees(pdf_path, settings: Settings, first_id: int = 1) -> list[DecisionTree]:
    """Trees of the flowcharts drawn as pictures, on pages whose picture carries no text layer."""
    from .flowcharts import _title
    trees: list[DecisionTree] = []
    with pymupdf.open(pdf_path) as document:
        for page in document:
            area = abs(page.rect)
            for info in page.get_image_info():
                rect = pymupdf.Rect(info["bbox"]) & page.rect
                if abs(rect) < MIN_PICTURE_SHARE * area:
                    continue
                words_inside = [w for w in page.get_text("words") if pymupdf.Rect(w[:4]).intersects(rect)]
                if len(words_inside) > 5:
                    continue   # text drawn over the picture: the vector reading handles it
                pixmap = page.get_pixmap(dpi=RENDER_DPI, clip=rect, alpha=False)
                image = np.frombuffer(pixmap.samples, dtype=np.uint8).reshape(pixmap.height, pixmap.width, 3)
                tree = picture_tree(image, settings, f"t{first_id + len(trees)}", page.number + 1,
                                    72.0 / RENDER_DPI, (rect.x0, rect.y0), _title(page, rect.y0))
                if tree is not None:
                    trees.append(tree)
    return trees
