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


def _vertical_overlap(a: BBox, b: BBox) -> float:
    return max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0)) / max(1e-6, min(a.height, b.height))


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


def text_rows(words: list[Word], indices: list[int], rules: list[Rule]) -> list[TextRow]:
    """The chosen words (positions in ``words``) as rows top to bottom, each cut into segments."""
    verticals = [rule for rule in rules if not rule.horizontal]
    rows: list[list[int]] = []
    row_boxes: list[BBox] = []
    for index in sorted(indices, key=lambda i: (words[i].bbox.y0 + words[i].bbox.y1) / 2):
        box = words[index].bbox
        for number in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            if _vertical_overlap(row_boxes[number], box) >= 0.5:
                rows[number].append(index)
                row_boxes[number] = row_boxes[number].union(box)
                break
        else:
            rows.append([index])
            row_boxes.append(box)
    result = []
    for members, box in zip(rows, row_boxes):
        members.sort(key=lambda i: words[i].bbox.x0)
        height = statistics.median(words[i].bbox.height for i in members)
        crossing = [rule for rule in verticals if rule.start - 1 <= box.y1 and box.y0 <= rule.end + 1]
        segments: list[list[int]] = [[members[0]]]
        for previous, current in itertools.pairwise(members):
            left, right = words[previous].bbox, words[current].bbox
            if _splits(words[previous], words[current], height) or _crosses_rule(left, right, crossing):
                segments.append([current])
            else:
                segments[-1].append(current)
        result.append(TextRow(box=box, segments=[
            Segment(words=segment, box=BBox.enclosing([words[i].bbox for i in segment]),
                    text=" ".join(words[i].text for i in segment)) for segment in segments]))
    result.sort(key=lambda row: row.box.y0)
    return result
