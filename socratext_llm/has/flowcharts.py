"""Decision trees from flowcharts drawn as vector graphics in a PDF.

A page's drawings (PyMuPDF ``get_drawings``) give three kinds of marks:

- **boxes**: closed shapes (rectangles, rounded boxes, diamonds, pills) holding extractable text; a box
  holding other text boxes is a *container* (a panel around a block of the chart), not a node;
- **connectors**: stroked lines and polylines joined end to end or in T (a branching point feeding
  several boxes), with small filled triangles as **arrowheads**; or **block arrows** (one filled,
  elongated outline whose wide end is the head);
- **labels**: "Oui", "Non", "échec"… printed on or beside a connector, sometimes in a small box.

A connector network goes from the boxes it touches without an arrowhead to the boxes its arrowheads
touch; a label belongs to the edge whose head is nearest. A page is a flowchart when at least two
edges are found; a chart continued on the next page (its title says "suite", or it has none) is kept
as one tree over both pages.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

from ..errors import CorruptInputError
from .model import DecisionTree, TreeEdge, TreeNode

Rect = tuple[float, float, float, float]
Point = tuple[float, float]

LABEL_WORDS = {"oui", "non", "echec", "succes", "positif", "negatif", "normal", "anormal", "present",
               "absent", "favorable", "defavorable", "amelioration", "aggravation", "stable"}
MIN_BOX_WIDTH, MIN_BOX_HEIGHT = 14.0, 9.0
ARROWHEAD_MAX, ARROWHEAD_MIN = 13.0, 1.5
TOUCH = 3.5          # points: a line end or arrowhead this close to a box touches it
JOIN = 2.5           # points: line ends this close are one connector
LABEL_REACH = 30.0   # points: a label this close to a connector belongs to it
SHADOW_SHIFT = 10.0  # points: a drop shadow is the box shifted by less than this
BESIDE_CHART = 20.0  # points above or below a chart where a box without arrows still belongs to it
TITLE_REACH = 90.0   # points above the chart where its title is looked for
TITLE_START = re.compile(r"^(figure|algorithme|arbre|sch[ée]ma|logigramme|strat[ée]gie|prise en charge)", re.I)


@dataclass
class Box:
    rect: Rect
    diamond: bool = False
    words: list[tuple] = field(default_factory=list)
    children: int = 0
    label: bool = False   # a small box holding only an arrow label ("Oui", "Échec")

    @property
    def area(self) -> float:
        return (self.rect[2] - self.rect[0]) * (self.rect[3] - self.rect[1])

    @property
    def text(self) -> str:
        return words_text(self.words)


@dataclass
class Network:
    segments: list[tuple[Point, Point]] = field(default_factory=list)
    heads: list[Rect] = field(default_factory=list)
    block: tuple[Point, Point] | None = None   # tail and head of a block arrow


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


def words_text(words: list[tuple]) -> str:
    """Words in the order the PDF gives them (block, line, word), line-end hyphens joined."""
    ordered = sorted(words, key=lambda w: (w[5], w[6], w[7]))
    text = ""
    for word in ordered:
        piece = word[4]
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and piece[:1].islower():
            text = text[:-1] + piece
        else:
            text = f"{text} {piece}" if text else piece
    return " ".join(text.split())


def _distance_to_rect(point: Point, rect: Rect) -> float:
    dx = max(rect[0] - point[0], 0.0, point[0] - rect[2])
    dy = max(rect[1] - point[1], 0.0, point[1] - rect[3])
    return math.hypot(dx, dy)


def _segment_distance(point: Point, segment: tuple[Point, Point]) -> float:
    (x0, y0), (x1, y1) = segment
    dx, dy = x1 - x0, y1 - y0
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((point[0] - x0) * dx + (point[1] - y0) * dy) / length))
    return math.hypot(point[0] - (x0 + t * dx), point[1] - (y0 + t * dy))


def _segment_touches(segment: tuple[Point, Point], rect: Rect, margin: float) -> bool:
    """Whether a segment enters a rectangle grown by margin (sampled: segments are short and few)."""
    (x0, y0), (x1, y1) = segment
    steps = max(2, int(math.hypot(x1 - x0, y1 - y0) / 2))
    grown = (rect[0] - margin, rect[1] - margin, rect[2] + margin, rect[3] + margin)
    return any(grown[0] <= x0 + (x1 - x0) * k / steps <= grown[2] and grown[1] <= y0 + (y1 - y0) * k / steps <= grown[3]
               for k in range(steps + 1))


def _cross(a: tuple[Point, Point], b: tuple[Point, Point]) -> bool:
    """Whether two segments cross (a branch line drawn across the trunk it leaves)."""
    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return side(a[0], a[1], b[0]) * side(a[0], a[1], b[1]) < 0 and side(b[0], b[1], a[0]) * side(b[0], b[1], a[1]) < 0


def _inside(inner: Rect, outer: Rect, slack: float = 1.0) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def _iou(a: Rect, b: Rect) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _points(drawing: dict) -> list[Point]:
    points: list[Point] = []
    for item in drawing["items"]:
        if item[0] == "l":
            points += [(item[1].x, item[1].y), (item[2].x, item[2].y)]
        elif item[0] == "c":
            points += [(item[1].x, item[1].y), (item[4].x, item[4].y)]
        elif item[0] == "re":
            r = item[1]
            points += [(r.x0, r.y0), (r.x1, r.y0), (r.x1, r.y1), (r.x0, r.y1)]
        elif item[0] == "qu":
            q = item[1]
            points += [(q.ul.x, q.ul.y), (q.ur.x, q.ur.y), (q.lr.x, q.lr.y), (q.ll.x, q.ll.y)]
    return points


def _is_diamond(drawing: dict) -> bool:
    """Four corners at the middles of the bounding box's sides."""
    rect = drawing["rect"]
    corners = _points(drawing)
    if len(corners) < 4 or len(corners) > 10:
        return False
    cx, cy = (rect.x0 + rect.x1) / 2, (rect.y0 + rect.y1) / 2
    targets = [(cx, rect.y0), (rect.x1, cy), (cx, rect.y1), (rect.x0, cy)]
    tolerance = 0.15 * max(rect.width, rect.height)
    return all(min(math.hypot(p[0] - t[0], p[1] - t[1]) for p in corners) <= tolerance for t in targets) and \
        all(min(math.hypot(p[0] - c[0], p[1] - c[1]) for c in targets) <= tolerance for p in corners)


def _block_arrow(drawing: dict) -> tuple[Point, Point] | None:
    """Tail and head points of a filled, elongated arrow outline (its head end is the wider one)."""
    rect = drawing["rect"]
    long_side, short_side = max(rect.width, rect.height), min(rect.width, rect.height)
    if drawing.get("fill") is None or long_side < 12 or short_side <= 0 or long_side < 1.4 * short_side:
        return None
    if len(drawing["items"]) < 5 or all(item[0] == "re" for item in drawing["items"]):
        return None
    points = _points(drawing)
    horizontal = rect.width >= rect.height
    along = (lambda p: p[0]) if horizontal else (lambda p: p[1])
    across = (lambda p: p[1]) if horizontal else (lambda p: p[0])
    low, high = (rect.x0, rect.x1) if horizontal else (rect.y0, rect.y1)
    half = (high - low) / 2

    def spread(end_points: list[Point]) -> float:
        values = [across(p) for p in end_points]
        return max(values) - min(values) if values else 0.0

    low_spread = spread([p for p in points if along(p) <= low + half])
    high_spread = spread([p for p in points if along(p) >= high - half])
    if abs(low_spread - high_spread) < 0.5:
        return None
    middle = (rect.y0 + rect.y1) / 2 if horizontal else (rect.x0 + rect.x1) / 2
    low_point = (low, middle) if horizontal else (middle, low)
    high_point = (high, middle) if horizontal else (middle, high)
    return (low_point, high_point) if high_spread > low_spread else (high_point, low_point)


def _is_arrowhead(drawing: dict) -> bool:
    rect = drawing["rect"]
    return (drawing.get("fill") is not None and ARROWHEAD_MIN <= rect.width <= ARROWHEAD_MAX
            and ARROWHEAD_MIN <= rect.height <= ARROWHEAD_MAX and 2 <= len(drawing["items"]) <= 4
            and all(item[0] in ("l", "c") for item in drawing["items"])
            and sum(item[0] == "l" for item in drawing["items"]) >= 2)


def _arrowheads_in_one_path(drawing: dict) -> list[Rect]:
    """The triangles of a filled path drawing the heads of a line at both ends (three segments each)."""
    items = drawing["items"]
    if drawing.get("fill") is None or len(items) not in (6, 9) or any(item[0] != "l" for item in items):
        return []
    heads = []
    for start in range(0, len(items), 3):
        xs = [p.x for item in items[start:start + 3] for p in item[1:3]]
        ys = [p.y for item in items[start:start + 3] for p in item[1:3]]
        head = (min(xs), min(ys), max(xs), max(ys))
        if not (ARROWHEAD_MIN <= head[2] - head[0] <= ARROWHEAD_MAX and ARROWHEAD_MIN <= head[3] - head[1] <= ARROWHEAD_MAX):
            return []
        heads.append(head)
    return heads


def _shadow(a: Rect, b: Rect) -> bool:
    """Two boxes of one size, shifted by a few points: a box and its drop shadow."""
    same_size = abs((a[2] - a[0]) - (b[2] - b[0])) <= 1.5 and abs((a[3] - a[1]) - (b[3] - b[1])) <= 1.5
    shift = max(abs(a[0] - b[0]), abs(a[1] - b[1]))
    return same_size and 0 < shift <= SHADOW_SHIFT and _iou(a, b) >= 0.4


def _strokes(drawing: dict) -> list[tuple[Point, Point]]:
    return [((item[1].x, item[1].y), (item[2].x, item[2].y)) for item in drawing["items"] if item[0] == "l"]


def _is_box(drawing: dict) -> bool:
    rect = drawing["rect"]
    if rect.width < MIN_BOX_WIDTH or rect.height < MIN_BOX_HEIGHT:
        return False
    kinds = {item[0] for item in drawing["items"]}
    if kinds == {"l"} and drawing.get("fill") is None and not drawing.get("closePath") and len(drawing["items"]) < 4:
        return False
    return drawing.get("fill") is not None or drawing.get("closePath") or "re" in kinds or "qu" in kinds or \
        (len(drawing["items"]) >= 4 and _closed(drawing))


def _closed(drawing: dict) -> bool:
    points = _points(drawing)
    return len(points) >= 2 and math.hypot(points[0][0] - points[-1][0], points[0][1] - points[-1][1]) < 1.5


@dataclass
class PageMarks:
    boxes: list[Box]
    networks: list[Network]
    free_words: list[tuple]


def page_marks(page: pymupdf.Page) -> PageMarks | None:
    """Boxes with their words, connector networks and the words outside any box, for one page; None
    (before reading its words) when fewer than two arrowheads are drawn on it."""
    boxes: list[Box] = []
    segments: list[tuple[Point, Point]] = []
    heads: list[Rect] = []
    blocks: list[tuple[Point, Point]] = []
    for drawing in page.get_drawings():
        rect = drawing["rect"]
        as_tuple = (rect.x0, rect.y0, rect.x1, rect.y1)
        if _is_arrowhead(drawing):
            heads.append(as_tuple)
            continue
        several = _arrowheads_in_one_path(drawing)
        if several:
            heads += several
            continue
        block = _block_arrow(drawing)
        if block is not None:
            blocks.append(block)
            continue
        if _is_box(drawing):
            diamond = _is_diamond(drawing)
            duplicate = next((b for b in boxes if _iou(b.rect, as_tuple) > 0.9), None)
            shadowed = next((b for b in boxes if _shadow(b.rect, as_tuple)), None)
            if duplicate is not None:   # the same box drawn twice (fill, then outline)
                duplicate.diamond = duplicate.diamond or diamond
            elif shadowed is not None:   # a box and its drop shadow: one box over both
                shadowed.rect = (min(shadowed.rect[0], rect.x0), min(shadowed.rect[1], rect.y0),
                                 max(shadowed.rect[2], rect.x1), max(shadowed.rect[3], rect.y1))
            else:
                boxes.append(Box(as_tuple, diamond))
            continue
        if drawing.get("color") is not None or drawing["type"] in ("s", "fs"):
            segments += _strokes(drawing)
    if len(heads) + len(blocks) < 2:
        return None
    free_words = _place_words(page, boxes)
    networks = _networks(segments, heads) + [Network(block=block) for block in blocks]
    return PageMarks(boxes, networks, free_words)


def _place_words(page: pymupdf.Page, boxes: list[Box]) -> list[tuple]:
    """Each word goes to the smallest box holding its centre; the words outside any node box are returned."""
    by_area = sorted(boxes, key=lambda b: b.area)
    free = []
    for word in page.get_text("words"):
        cx, cy = (word[0] + word[2]) / 2, (word[1] + word[3]) / 2
        holder = next((b for b in by_area if b.rect[0] <= cx <= b.rect[2] and b.rect[1] <= cy <= b.rect[3]), None)
        if holder is None:
            free.append(word)
        else:
            holder.words.append(word)
    for box in boxes:
        box.children = sum(1 for other in boxes if other is not box and other.words and other.area < box.area
                           and _inside(other.rect, box.rect))
        if box.children:   # a panel's own words (its title, the labels on its arrows) are free
            free += box.words
            box.words = []
    return free


def _networks(segments: list[tuple[Point, Point]], heads: list[Rect]) -> list[Network]:
    """Segments joined end to end or in T, each with the arrowheads at its ends; networks without a head dropped."""
    segments = [s for s in segments if math.hypot(s[1][0] - s[0][0], s[1][1] - s[0][1]) > 0.5]
    parent = list(range(len(segments)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(segments):
        for j in range(i + 1, len(segments)):
            b = segments[j]
            if any(_segment_distance(p, b) <= JOIN for p in a) or any(_segment_distance(p, a) <= JOIN for p in b) \
                    or _cross(a, b):
                parent[root(i)] = root(j)
    groups: dict[int, Network] = {}
    for i, segment in enumerate(segments):
        groups.setdefault(root(i), Network()).segments.append(segment)
    for head in heads:
        near = [(min(_distance_to_rect(p, head) for s in n.segments for p in s), n) for n in groups.values()]
        near = [(d, n) for d, n in near if d <= JOIN + 1.5]
        if near:
            min(near, key=lambda item: item[0])[1].heads.append(head)
    return [n for n in groups.values() if n.heads]


def _nodes_of(boxes: list[Box], free_words: list[tuple]) -> tuple[list[Box], list[tuple[str, Point]]]:
    """Leaf boxes with text (label boxes flagged: an arrow may pass through them) and the free label words."""
    nodes = []
    for box in boxes:
        if box.words and not box.children:
            box.label = _is_label(box.text)
            nodes.append(box)
    labels = [(w[4], ((w[0] + w[2]) / 2, (w[1] + w[3]) / 2)) for w in free_words if _is_label(w[4])]
    return nodes, labels


def _is_label(text: str) -> bool:
    words = re.findall(r"\w+", fold(text))
    return 0 < len(words) <= 2 and all(w in LABEL_WORDS for w in words)


def _boxes_at(point: Point, nodes: list[Box], containers: list[Box], reach: float = TOUCH + 3) -> list[Box]:
    """The node box at a connector end. An end on a container panel goes to the boxes inside it: all of
    them when they sit side by side (a group the arrow enters or leaves as one), else the nearest."""
    near = [(_distance_to_rect(point, b.rect), b.area, i) for i, b in enumerate(nodes)]
    near = [item for item in near if item[0] <= reach]
    if near:
        return [nodes[min(near)[2]]]
    holders = [c for c in containers if _distance_to_rect(point, c.rect) <= reach]
    for container in sorted(holders, key=lambda c: c.area):
        inside = [b for b in nodes if _inside(b.rect, container.rect)]
        if len(inside) > 1 and all(a.rect[1] < b.rect[3] and b.rect[1] < a.rect[3] for a in inside for b in inside):
            return inside
        if inside:
            return [min(inside, key=lambda b: _distance_to_rect(point, b.rect))]
    return []


def _enters(point: Point, box: Box, network: Network) -> bool:
    """A line end without an arrowhead that comes down into a box, or into it from the left (the
    reading direction of a chart), is a head too; a line leaving a box's side is not."""
    x0, y0, x1, y1 = box.rect
    if not (x0 - TOUCH <= point[0] <= x1 + TOUCH and y0 - TOUCH <= point[1] <= y1 + TOUCH):
        return False
    deep = x0 + 3 < point[0] < x1 - 3 and y0 + 3 < point[1] < (y0 + y1) / 2
    if deep and min(min(a[1], b[1]) for a, b in network.segments) < y0 - 2:
        return True   # a line ending well inside a box's upper half, coming from above (a hooked end)
    for a, b in network.segments:
        other = b if math.hypot(a[0] - point[0], a[1] - point[1]) <= 1.0 else a if math.hypot(b[0] - point[0], b[1] - point[1]) <= 1.0 else None
        if other is None:
            continue
        down = abs(other[0] - point[0]) < 1.0 and other[1] < y0 - 1 and point[1] <= (y0 + y1) / 2
        rightwards = abs(other[1] - point[1]) < 1.0 and other[0] < x0 - 1 and point[0] <= (x0 + x1) / 2
        return down or rightwards
    return False


def _free_ends(network: Network) -> list[Point]:
    ends = [p for s in network.segments for p in s]
    return [p for p in ends if sum(1 for q in ends if math.hypot(p[0] - q[0], p[1] - q[1]) <= 1.0) == 1
            and sum(1 for s in network.segments if _segment_distance(p, s) <= 1.0) == 1]


def _edges_of(network: Network, nodes: list[Box], containers: list[Box]) -> list[tuple[Box, Box, Point]]:
    """(source, target, head point) for each arrow of a network."""
    if network.block is not None:
        tail, head = network.block
        sources, targets = _boxes_at(tail, nodes, containers, 8.0), _boxes_at(head, nodes, containers, 8.0)
        return [(s, t, head) for s in sources for t in targets if s is not t]
    targets: list[tuple[Box, Point]] = []
    for head in network.heads:
        centre = ((head[0] + head[2]) / 2, (head[1] + head[3]) / 2)
        near = [(_distance_to_rect(centre, b.rect), b.area, i) for i, b in enumerate(nodes)]
        near = [item for item in near if item[0] <= ARROWHEAD_MAX / 2 + TOUCH]
        found = [nodes[min(near)[2]]] if near else _boxes_at(centre, nodes, containers, ARROWHEAD_MAX / 2 + TOUCH)
        targets += [(t, centre) for t in found if all(t is not known for known, _ in targets)]
    headless = [end for end in _free_ends(network) if all(_distance_to_rect(end, h) > JOIN + 1.5 for h in network.heads)]
    for end in headless if len(headless) > 1 else []:   # a single end without an arrowhead is the tail
        for box in _boxes_at(end, nodes, containers, TOUCH):
            if _enters(end, box, network) and all(box is not known for known, _ in targets):
                targets.append((box, end))
    target_boxes = [t for t, _ in targets]
    sources = [b for b in nodes if all(b is not t for t in target_boxes)
               and (any(_distance_to_rect(end, b.rect) <= TOUCH for end in headless) if b.label
                    else any(_segment_touches(s, b.rect, TOUCH) for s in network.segments))]
    if not sources:
        found = [b for p in _free_ends(network) for b in _boxes_at(p, nodes, containers)]
        sources = [b for b in found if all(b is not t for t in target_boxes)]
        sources = [b for i, b in enumerate(sources) if all(b is not other for other in sources[:i])]
    return [(s, t, head) for s in sources for t, head in targets]


def _network_distance(point: Point, network: Network) -> float:
    if network.block is not None:
        return _segment_distance(point, network.block)
    return min([_segment_distance(point, s) for s in network.segments]
               + [_distance_to_rect(point, h) for h in network.heads])


def _title(page: pymupdf.Page, top: float) -> str | None:
    """The nearest line above the chart that names a figure or an algorithm, else the line just above it."""
    above = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            text = " ".join("".join(span["text"] for span in line["spans"]).split())
            if text and line["bbox"][3] <= top + 2:
                above.append((line["bbox"][3], text))
    named = [item for item in above if TITLE_START.match(item[1])]
    near = [item for item in above if item[0] >= top - TITLE_REACH]
    return max(named or near)[1][:300] if named or near else None


Arrow = tuple[Box, Box, Point, Network]


def _through_label_boxes(arrows: list[Arrow]) -> tuple[list[Arrow], dict[int, str]]:
    """An arrow into a label box and one out of it become one arrow carrying the label."""
    kept = [a for a in arrows if not a[0].label and not a[1].label]
    labels: dict[int, str] = {}
    for box in {id(a[1]): a[1] for a in arrows if a[1].label}.values():
        for into in (a for a in arrows if a[1] is box and not a[0].label):
            for out in (a for a in arrows if a[0] is box and not a[1].label):
                labels[len(kept)] = box.text
                kept.append((into[0], out[1], out[2], out[3]))
    return kept, labels


def _spread_labels(arrows: list[Arrow], labels: dict[int, str], places: dict[int, Point]) -> None:
    """A label on the trunk of a branching connector (one source, one label) holds for every branch; where
    a connector carries several labels, an unlabelled branch takes the one nearest its head."""
    for network in {id(a[3]): a[3] for a in arrows}.values():
        members = [i for i, a in enumerate(arrows) if a[3] is network]
        given = {labels[i] for i in members if i in labels}
        if len(given) == 1 and len({id(arrows[i][0]) for i in members}) == 1:
            for i in members:
                labels.setdefault(i, next(iter(given)))
        elif len(given) > 1:
            placed = [i for i in members if i in places]
            for i in members:
                if i not in labels:
                    head = arrows[i][2]
                    nearest = min(placed, key=lambda j: math.hypot(places[j][0] - head[0], places[j][1] - head[1]))
                    labels[i] = labels[nearest]


def page_tree(page: pymupdf.Page, tree_id: str) -> DecisionTree | None:
    """The flowchart drawn on a page as a tree, or None when the page holds none."""
    marks = page_marks(page)
    if marks is None:
        return None
    containers = [b for b in marks.boxes if b.children]
    nodes, labels = _nodes_of(marks.boxes, marks.free_words)
    arrows: list[Arrow] = []
    for network in marks.networks:
        arrows += [(s, t, h, network) for s, t, h in _edges_of(network, nodes, containers)]
    if len(arrows) < 2:
        return None
    arrows, edge_labels = _through_label_boxes(arrows)
    places: dict[int, Point] = {}
    labels += [(b.text, ((b.rect[0] + b.rect[2]) / 2, (b.rect[1] + b.rect[3]) / 2)) for b in nodes
               if b.label and all(b is not a[0] and b is not a[1] for a in arrows)]
    for text, point in labels:
        near = [(_network_distance(point, n), n) for n in {id(a[3]): a[3] for a in arrows}.values()]
        near = [item for item in near if item[0] <= LABEL_REACH]
        if not near:
            continue
        network = min(near, key=lambda item: item[0])[1]
        candidates = [i for i, a in enumerate(arrows) if a[3] is network and i not in edge_labels]
        if candidates:
            best = min(candidates, key=lambda i: math.hypot(arrows[i][2][0] - point[0], arrows[i][2][1] - point[1]))
            edge_labels[best] = text
            places[best] = point
    _spread_labels(arrows, edge_labels, places)
    used = {id(a[0]) for a in arrows} | {id(a[1]) for a in arrows}
    chart = [b for b in nodes if id(b) in used]
    top = min(b.rect[1] for b in chart)
    bottom = max(b.rect[3] for b in chart)
    left, right = min(b.rect[0] for b in chart), max(b.rect[2] for b in chart)
    # boxes without arrows within the chart's width that reach into it or end just above or below it
    # (a prerequisite panel, a note) are nodes too
    chart += [b for b in nodes if id(b) not in used and not b.label and left - 2 <= b.rect[0] and b.rect[2] <= right + 2
              and b.rect[3] >= top - BESIDE_CHART and b.rect[1] <= bottom + BESIDE_CHART]
    chart.sort(key=lambda b: (round(b.rect[1] / 4), b.rect[0]))
    ids = {id(b): f"{tree_id}.n{i + 1}" for i, b in enumerate(chart)}
    edges, seen = [], set()
    for index, (source, target, _, _) in enumerate(arrows):
        key = (ids[id(source)], ids[id(target)])
        if key not in seen:
            seen.add(key)
            edges.append(TreeEdge(source=key[0], target=key[1], label=edge_labels.get(index)))
    number = page.number + 1
    tree_nodes = [TreeNode(id=ids[id(b)], text=b.text, kind=_kind(b, ids[id(b)], edges), page=number,
                           bbox=tuple(round(v, 1) for v in b.rect)) for b in chart]
    return DecisionTree(id=tree_id, title=_title(page, top), source="vector", pages=[number],
                        nodes=tree_nodes, edges=edges)


def _kind(box: Box, node_id: str, edges: list[TreeEdge]) -> str:
    incoming = [e for e in edges if e.target == node_id]
    outgoing = [e for e in edges if e.source == node_id]
    labelled = any(e.label and _is_label(e.label) for e in outgoing)
    if box.diamond or box.text.rstrip().endswith("?") or labelled or len(outgoing) >= 2:
        return "question"
    if not incoming and outgoing:
        return "start"
    if incoming and not outgoing:
        return "end"
    return "action"


def _continues(previous: DecisionTree, tree: DecisionTree) -> bool:
    return previous.pages[-1] + 1 == tree.pages[0] and (tree.title is None or "suite" in fold(tree.title))


def drawn_trees(pdf_path: Path) -> list[DecisionTree]:
    """Every drawn flowchart of a PDF, a chart continued on the next page merged into one tree."""
    try:
        document = pymupdf.open(pdf_path)
    except (pymupdf.FileDataError, RuntimeError) as error:
        raise CorruptInputError(f"{Path(pdf_path).name}: not a readable PDF ({error})") from error
    trees: list[DecisionTree] = []
    with document:
        for page in document:
            tree = page_tree(page, f"t{len(trees) + 1}")
            if tree is None:
                continue
            if trees and _continues(trees[-1], tree):
                trees[-1] = _merged(trees[-1], tree)
            else:
                trees.append(tree)
    return trees


def _merged(first: DecisionTree, second: DecisionTree) -> DecisionTree:
    """One tree over both pages; the second page's nodes renamed under the first tree's id."""
    offset = len(first.nodes)
    rename = {n.id: f"{first.id}.n{offset + i + 1}" for i, n in enumerate(second.nodes)}
    nodes = first.nodes + [n.model_copy(update={"id": rename[n.id]}) for n in second.nodes]
    edges = first.edges + [e.model_copy(update={"source": rename[e.source], "target": rename[e.target]})
                           for e in second.edges]
    starts = [n for n in second.nodes if n.kind == "start"]
    ends = [n for n in first.nodes if n.kind == "end"]
    if starts and ends:   # the link between pages: the last end of the first part to the first start of the next
        edges.append(TreeEdge(source=ends[-1].id, target=rename[starts[0].id], label="suite"))
    return first.model_copy(update={"pages": first.pages + second.pages, "nodes": nodes, "edges": edges})
