"""Words of a page as text rows cut into segments: the material both table finders work on.

A segment is a run of words with ordinary word spacing between them; a wider gap, or a
vertical rule between two words, starts a new segment (a new cell, when this is a table).
"""
from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass, field

from ...document import BBox, Word
from ..graphics import Rule

SEGMENT_GAP_EM = 0.75  # a gap wider than this share of the text height separates two cells
NUMBER_GAP_EM = 0.3  # two numbers side by side are two cells unless the second is a thousands group
NUMERIC = re.compile(r"[(+\-−]?[$€£]?\d[\d.,]*%?\)?")
BULLETS = frozenset("•◦▪▫‣⁃●○■□\uf0b7\uf0a7")
THOUSANDS_GROUP = re.compile(r"\d{3}(?:[.,]\d+)?\)?%?")


@dataclass
class Segment:
    words: list[int]  # positions in Page.words
    box: BBox
    text: str

    @property
    def center_x(self) -> float:
        return (self.box.x0 + self.box.x1) / 2


@dataclass
class TextRow:
    box: BBox
    segments: list[Segment] = field(default_factory=list)

    @property
    def height(self) -> float:
        return self.box.height


def _crosses_rule(left: BBox, right: BBox, verticals: list[Rule]) -> bool:
    middle = (min(left.y1, right.y1) + max(left.y0, right.y0)) / 2
    return any(left.x1 - 1 <= rule.position <= right.x0 + 1 and rule.start - 1 <= middle <= rule.end + 1
               for rule in verticals)


def _splits(left: Word, right: Word, height: float) -> bool:
    if left.text in BULLETS:
        return False  # a list item's bullet stays with its text
    gap = right.bbox.x0 - left.bbox.x1
    if gap > SEGMENT_GAP_EM * height:
        return True
    if gap > NUMBER_GAP_EM * height and NUMERIC.fullmatch(left.text) and NUMERIC.fullmatch(right.text):
        return not (THOUSANDS_GROUP.fullmatch(right.text) and left.text[-1].isdigit() and gap < 0.5 * height)
    return False


def _rows_of(words: list[Word], indices: list[int]) -> list[tuple[list[int], list[float]]]:
    """Words grouped in rows, by middle height: a word joins one of the last three rows when it overlaps that
    row's extent over half the lower height, else starts a row. Extents are plain
    lists: this runs over every word of a page, twice."""
    rows: list[tuple[list[int], list[float]]] = []
    for index in sorted(indices, key=lambda i: words[i].bbox.y0 + words[i].bbox.y1):
        box = words[index].bbox
        x0, y0, x1, y1 = box.x0, box.y0, box.x1, box.y1
        for members, extent in reversed(rows[-3:]):
            shared = min(extent[3], y1) - max(extent[1], y0)
            if max(0.0, shared) / max(1e-6, min(extent[3] - extent[1], y1 - y0)) >= 0.5:
                members.append(index)
                extent[:] = min(extent[0], x0), min(extent[1], y0), max(extent[2], x1), max(extent[3], y1)
                break
        else:
            rows.append(([index], [x0, y0, x1, y1]))
    return rows


def text_rows(words: list[Word], indices: list[int], rules: list[Rule]) -> list[TextRow]:
    """The chosen words (positions in ``words``) as rows top to bottom, each cut into segments."""
    verticals = [rule for rule in rules if not rule.horizontal]
    result = []
    for members, (x0, y0, x1, y1) in _rows_of(words, indices):
        members.sort(key=lambda i: words[i].bbox.x0)
        height = statistics.median(words[i].bbox.height for i in members)
        crossing = [rule for rule in verticals if rule.start - 1 <= y1 and y0 <= rule.end + 1]
        segments: list[list[int]] = [[members[0]]]
        for previous, current in itertools.pairwise(members):
            left, right = words[previous].bbox, words[current].bbox
            if _splits(words[previous], words[current], height) or (crossing and _crosses_rule(left, right, crossing)):
                segments.append([current])
            else:
                segments[-1].append(current)
        result.append(TextRow(box=BBox(x0=x0, y0=y0, x1=x1, y1=y1), segments=[
            Segment(words=segment, box=BBox.enclosing([words[i].bbox for i in segment]),
                    text=" ".join(words[i].text for i in segment)) for segment in segments]))
    result.sort(key=lambda row: row.box.y0)
    return result
