"""Pure metric functions: character/word error rates, word detection precision and recall, table
structure, and the calibration of confidences (ECE, reliability bins, precision above a threshold)."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from .document import BBox


def normalise_text(text: str) -> str:
    """NFC and single spaces: the form both sides of an OCR comparison are put in."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass
class ErrorCounts:
    edits: int = 0
    reference_length: int = 0

    def add(self, reference: str, hypothesis: str) -> None:
        self.edits += Levenshtein.distance(reference, hypothesis)
        self.reference_length += len(reference)

    @property
    def rate(self) -> float:
        return self.edits / self.reference_length if self.reference_length else 0.0


def cer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Character error rate over a corpus: total edits over total reference characters."""
    counts = ErrorCounts()
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        counts.add(normalise_text(reference), normalise_text(hypothesis))
    return counts.rate


def wer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Word error rate over a corpus."""
    edits = total = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        ref_words = normalise_text(reference).split()
        edits += Levenshtein.distance(ref_words, normalise_text(hypothesis).split())
        total += len(ref_words)
    return edits / total if total else 0.0


@dataclass
class WordMatch:
    matched: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0


def match_words(gold: Sequence[tuple[str, BBox]], predicted: Sequence[tuple[str, BBox]],
                min_iou: float = 0.5) -> WordMatch:
    """One-to-one matches: same text ignoring case and box IoU ≥ min_iou, best overlaps first."""
    candidates = []
    for i, (gold_text, gold_box) in enumerate(gold):
        for j, (text, box) in enumerate(predicted):
            if text.casefold() == gold_text.casefold():
                overlap = gold_box.iou(box)
                if overlap >= min_iou:
                    candidates.append((overlap, i, j))
    used_gold, used_pred = set(), set()
    for _, i, j in sorted(candidates, reverse=True):
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
    return WordMatch(len(used_gold), len(predicted), len(gold))


@dataclass
class LineErrors:
    """Character and word edits of an end-to-end reading against gold lines."""

    chars: ErrorCounts
    word_edits: int
    gold_words: int

    def as_dict(self) -> dict:
        return {"char_edits": self.chars.edits, "gold_chars": self.chars.reference_length,
                "word_edits": self.word_edits, "gold_words": self.gold_words}


def line_errors(gold_lines: Sequence[tuple[str, BBox]], words: Sequence[tuple[str, BBox]],
                ignore_case: bool = False) -> LineErrors:
    """Each predicted word goes to the gold line holding its centre (left to right), each gold line is
    compared with its words: reading order and line grouping of the engine do not matter, missed
    lines count as deleted and words outside every gold line are ignored (gold covers the text).
    ``ignore_case`` for gold transcribed in capitals whatever the print (SROIE)."""
    assigned: list[list[tuple[float, str]]] = [[] for _ in gold_lines]
    for text, box in words:
        cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
        for index, (_, line_box) in enumerate(gold_lines):
            if line_box.x0 <= cx <= line_box.x1 and line_box.y0 <= cy <= line_box.y1:
                assigned[index].append((box.x0, text))
                break
    chars = ErrorCounts()
    word_edits = gold_words = 0
    for (reference, _), line_words in zip(gold_lines, assigned):
        reference = normalise_text(reference)
        hypothesis = normalise_text(" ".join(text for _, text in sorted(line_words)))
        if ignore_case:
            reference, hypothesis = reference.casefold(), hypothesis.casefold()
        chars.add(reference, hypothesis)
        word_edits += Levenshtein.distance(reference.split(), hypothesis.split())
        gold_words += len(reference.split())
    return LineErrors(chars, word_edits, gold_words)


# --- Tables --------------------------------------------------------------------------------------

CellSpec = tuple[int, int, int, int, str]  # first row, last row, first column, last column, text


def _cell_key(text: str) -> str:
    """Cell content as the ICDAR 2013 comparison sees it: letters and digits only, case folded."""
    return "".join(char for char in unicodedata.normalize("NFKC", text).casefold() if char.isalnum())


def adjacency_relations(cells: Sequence[CellSpec]) -> list[tuple[str, str, str]]:
    """Each non-empty cell with its nearest non-empty neighbour to the right and below (ICDAR 2013).

    Empty cells are skipped over; a spanning cell has a neighbour for each row (column) it spans,
    each pair counted once.
    """
    slots: dict[tuple[int, int], int] = {}
    keys = [_cell_key(cell[4]) for cell in cells]
    for number, (row0, row1, col0, col1, _) in enumerate(cells):
        if keys[number]:
            for row in range(row0, row1 + 1):
                for col in range(col0, col1 + 1):
                    slots[(row, col)] = number
    max_row = max((cell[1] for cell in cells), default=0)
    max_col = max((cell[3] for cell in cells), default=0)
    pairs: set[tuple[int, int, str]] = set()
    for number, (row0, row1, col0, col1, _) in enumerate(cells):
        if not keys[number]:
            continue
        for row in range(row0, row1 + 1):
            for col in range(col1 + 1, max_col + 1):
                if (row, col) in slots:
                    pairs.add((number, slots[(row, col)], "h"))
                    break
        for col in range(col0, col1 + 1):
            for row in range(row1 + 1, max_row + 1):
                if (row, col) in slots:
                    pairs.add((number, slots[(row, col)], "v"))
                    break
    return [(keys[a], keys[b], direction) for a, b, direction in pairs]


def relation_counts(gold: Sequence[Sequence[CellSpec]], predicted: Sequence[Sequence[CellSpec]]) -> dict[str, int]:
    """Adjacency relations of all tables of a document: correct, predicted, gold (they add up)."""
    from collections import Counter
    gold_relations = Counter(r for table in gold for r in adjacency_relations(table))
    predicted_relations = Counter(r for table in predicted for r in adjacency_relations(table))
    return {"relations_correct": sum((gold_relations & predicted_relations).values()),
            "relations_predicted": sum(predicted_relations.values()), "relations_gold": sum(gold_relations.values())}


def region_overlap(gold: Sequence[BBox], predicted: Sequence[BBox]) -> dict[str, float]:
    """Areas of gold and predicted table regions of one page and their overlap (they add up)."""
    overlap = sum(BBox(x0=max(g.x0, p.x0), y0=max(g.y0, p.y0), x1=min(g.x1, p.x1), y1=min(g.y1, p.y1)).area
                  for g in gold for p in predicted if min(g.x1, p.x1) > max(g.x0, p.x0) and min(g.y1, p.y1) > max(g.y0, p.y0))
    return {"area_overlap": overlap, "area_predicted": sum(p.area for p in predicted),
            "area_gold": sum(g.area for g in gold)}


def document_mean_prf(per_document: Sequence[dict], correct: str, predicted: str, gold: str) -> dict[str, float]:
    """Precision and recall of each document (that has gold or predictions) averaged, and their F1,
    as the ICDAR 2013 competition reports beside the pooled figures."""
    scores = [precision_recall_f1(d[correct], d[predicted], d[gold]) for d in per_document if d[gold] or d[predicted]]
    precision = sum(s["precision"] for s in scores) / len(scores) if scores else 0.0
    recall = sum(s["recall"] for s in scores) / len(scores) if scores else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def precision_recall_f1(correct: float, predicted: float, gold: float) -> dict[str, float]:
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


@dataclass
class TableNode:
    """A node of a table's tree for TEDS: table, thead, tbody, tr or td (with spans and content)."""

    tag: str
    colspan: int = 1
    rowspan: int = 1
    content: str = ""
    children: list[TableNode] = field(default_factory=list)

    def size(self) -> int:
        return 1 + sum(child.size() for child in self.children)


def table_tree_from_html(html_text: str) -> TableNode:
    """The first table of an HTML text as a tree; formatting tags inside cells are dropped."""
    from html.parser import HTMLParser

    root = TableNode("table")
    stack: list[TableNode] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "table" and not stack:
                stack.append(root)
            elif stack and tag in ("thead", "tbody", "tr", "td", "th"):
                values = dict(attrs)
                node = TableNode("td" if tag == "th" else tag, int(values.get("colspan") or 1),
                                 int(values.get("rowspan") or 1))
                stack[-1].children.append(node)
                stack.append(node)

        def handle_endtag(self, tag):
            tag = "td" if tag == "th" else tag
            if stack and stack[-1].tag == tag and tag != "table":
                stack.pop()

        def handle_data(self, data):
            if stack and stack[-1].tag == "td":
                stack[-1].content += data

    Parser().feed(html_text)
    return root


def teds(gold: TableNode, predicted: TableNode, structure_only: bool = False) -> float:
    """Tree-edit-distance similarity (PubTabNet): 1 − distance / size of the larger tree; renaming a
    cell costs the normalised edit distance of its content (whitespace-collapsed), or 1 when spans differ."""
    from apted import APTED, Config

    def key(text: str) -> str:
        return " ".join(text.split())

    class Costs(Config):
        def rename(self, first, second):
            if first.tag != second.tag or first.colspan != second.colspan or first.rowspan != second.rowspan:
                return 1.0
            if first.tag == "td" and not structure_only:
                return Levenshtein.normalized_distance(key(first.content), key(second.content))
            return 0.0

        def children(self, node):
            return node.children

    distance = APTED(gold, predicted, Costs()).compute_edit_distance()
    return 1.0 - distance / max(gold.size(), predicted.size(), 1)


@dataclass(frozen=True)
class ReliabilityBin:
    """Values whose confidence falls in [low, high): how many, their mean confidence, the share right."""

    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float

    def as_dict(self) -> dict:
        return {"low": self.low, "high": self.high, "count": self.count,
                "mean_confidence": round(self.mean_confidence, 4), "accuracy": round(self.accuracy, 4)}


def reliability_bins(confidences: Sequence[float], outcomes: Sequence[bool], bins: int = 10) -> list[ReliabilityBin]:
    """Equal-width confidence bins (the last one closed at 1), empty bins left out."""
    if len(confidences) != len(outcomes):
        raise ValueError("as many confidences as outcomes")
    sums: list[list[float]] = [[0, 0.0, 0.0] for _ in range(bins)]
    for confidence, outcome in zip(confidences, outcomes):
        index = min(bins - 1, max(0, int(float(confidence) * bins)))
        sums[index][0] += 1
        sums[index][1] += float(confidence)
        sums[index][2] += bool(outcome)
    return [ReliabilityBin(round(i / bins, 4), round((i + 1) / bins, 4), int(n), total / n, right / n)
            for i, (n, total, right) in enumerate(sums) if n]


def expected_calibration_error(confidences: Sequence[float], outcomes: Sequence[bool], bins: int = 10) -> float:
    """ECE: the mean gap between confidence and accuracy over equal-width bins, weighted by their counts."""
    found = reliability_bins(confidences, outcomes, bins)
    total = sum(b.count for b in found)
    return sum(b.count * abs(b.mean_confidence - b.accuracy) for b in found) / total if total else 0.0


def precision_above(confidences: Sequence[float], outcomes: Sequence[bool], threshold: float) -> dict:
    """Of the values at or above the threshold (those shown as confident): how many, their share, the share right."""
    kept = [bool(o) for c, o in zip(confidences, outcomes, strict=True) if c >= threshold]
    return {"threshold": threshold, "values": len(kept), "share": round(len(kept) / len(outcomes), 4) if outcomes else None,
            "precision": round(sum(kept) / len(kept), 4) if kept else None}
