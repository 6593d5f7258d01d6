"""Drawn regions: PDF vector paths as the document model's ``DrawnShape`` items, and the rules in them.

Coordinates move from PDF points to page pixels (the words' space) and are rounded to 0.1 px
to keep the JSON compact.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..document import BBox, DrawnShape
from ..ingest.base import VectorPath

RULE_MAX_THICKNESS_PX = 6.0  # thicker than this, a filled rectangle is a shading, not a rule
MIN_RULE_LENGTH_PX = 4.0
AXIS_TOLERANCE_PX = 1.5


@lru_cache(maxsize=1024)  # a page repeats a handful of colours over thousands of paths
def hex_colour(colour: tuple[float, ...] | None) -> str | None:
    """``#rrggbb`` of a PDF colour (gray, RGB or CMYK components in 0–1)."""
    if colour is None:
        return None
    if len(colour) == 1:
        colour = (colour[0],) * 3
    elif len(colour) == 4:
        c, m, y, k = colour
        colour = ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return "#" + "".join(f"{round(255 * min(1.0, max(0.0, v))):02x}" for v in colour[:3])


def _round(value: float) -> float:
    return round(value, 1)


def drawn_shapes(paths: list[VectorPath], scale: float) -> list[DrawnShape]:
    """Vector paths in points as shapes in pixels (``scale`` = dpi / 72)."""
    shapes = []
    for path in paths:
        points = [(_round(x * scale), _round(y * scale)) for x, y in path.points]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        box = BBox(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys))
        shapes.append(DrawnShape(
            kind=path.kind, bbox=box, points=[] if path.kind == "rect" else points,
            fill=hex_colour(path.fill), stroke=hex_colour(path.stroke),
            stroke_width=_round(path.width * scale) if path.width is not None else None))
    return shapes


@dataclass(frozen=True)
class Rule:
    """An axis-aligned ruling segment: horizontal (``y`` fixed, ``a``→``b`` along x) or vertical."""

    horizontal: bool
    position: float
    start: float
    end: float


def _is_light(colour: str | None) -> bool:
    if colour is None:
        return True
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return min(red, green, blue) > 235


def rules_of(shapes: list[DrawnShape]) -> list[Rule]:
    """Horizontal and vertical rules: stroked lines, thin filled bars, and the edges of stroked rectangles,
    collinear pieces joined (a grid drawn cell by cell gives whole rules).

    Edges of shadings are left out: a highlight behind a cell's text would cut the cell.
    """
    rules: list[Rule] = []

    def segment(x0: float, y0: float, x1: float, y1: float) -> None:
        if abs(y1 - y0) <= AXIS_TOLERANCE_PX and abs(x1 - x0) >= MIN_RULE_LENGTH_PX:
            rules.append(Rule(True, (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
        elif abs(x1 - x0) <= AXIS_TOLERANCE_PX and abs(y1 - y0) >= MIN_RULE_LENGTH_PX:
            rules.append(Rule(False, (x0 + x1) / 2, min(y0, y1), max(y0, y1)))

    for shape in shapes:
        if shape.kind in ("line", "polyline"):
            if shape.stroke is None or _is_light(shape.stroke):
                continue
            for (x0, y0), (x1, y1) in zip(shape.points, shape.points[1:]):
                segment(x0, y0, x1, y1)
        elif shape.kind == "rect":
            box = shape.bbox
            thin_bar = min(box.width, box.height) <= RULE_MAX_THICKNESS_PX
            if thin_bar and not (shape.fill is None and shape.stroke is None):
                if box.width >= box.height:
                    segment(box.x0, (box.y0 + box.y1) / 2, box.x1, (box.y0 + box.y1) / 2)
                else:
                    segment((box.x0 + box.x1) / 2, box.y0, (box.x0 + box.x1) / 2, box.y1)
                continue
            if shape.stroke is not None and not _is_light(shape.stroke):
                segment(box.x0, box.y0, box.x1, box.y0)
                segment(box.x0, box.y1, box.x1, box.y1)
                segment(box.x0, box.y0, box.x0, box.y1)
                segment(box.x1, box.y0, box.x1, box.y1)
    return joined_rules(rules)


def joined_rules(rules: list[Rule]) -> list[Rule]:
    """Collinear rules that touch or overlap, as one."""
    joined: list[Rule] = []
    lines: list[list[Rule]] = []
    for rule in sorted(rules, key=lambda r: (r.horizontal, r.position)):
        if lines and lines[-1][0].horizontal == rule.horizontal and rule.position - lines[-1][-1].position <= AXIS_TOLERANCE_PX:
            lines[-1].append(rule)
        else:
            lines.append([rule])
    for line in lines:
        position = sum(rule.position for rule in line) / len(line)
        pieces = sorted(line, key=lambda r: r.start)
        start, end = pieces[0].start, pieces[0].end
        for piece in pieces[1:]:
            if piece.start <= end + 2 * AXIS_TOLERANCE_PX:
                end = max(end, piece.end)
            else:
                joined.append(Rule(line[0].horizontal, position, start, end))
                start, end = piece.start, piece.end
        joined.append(Rule(line[0].horizontal, position, start, end))
    return joined
