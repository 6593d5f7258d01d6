"""A form's keys linked to their values: which piece of text names which.

Forms print a value beside its key ('DATE    12/1/89') or under it (a box whose caption sits on top), most of
them without a colon, and a value or a key may run over several lines. First, lines are joined into pieces of
text where a logistic model says the line under one continues it (``segments``). Then every piece is paired
with the few pieces that could be its value: the nearest to its right on its row, the nearest under it, and a
few more under it within its width (a column's cells under their header). Each candidate pair is described by
its geometry (gap, alignment, heights, a piece in between) and the shape of both texts (a colon, words,
letters, digits, capitals; never the words themselves), and a one-hidden-layer perceptron gives the
probability that the first names the second. Pairs are kept best first, down to the model's threshold: a
piece is a key or a value, a value has one key, a key may name several values. Both models are fitted on
annotated forms (`socratext eval fit-links`, FUNSD's 149 training forms read by our OCR for the shipped ones:
``evaluation/link_fitting.py``) and ship as ``data/form_links.json``, read with numpy (docs/forms.md).
"""
from __future__ import annotations

import bisect
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG

import numpy as np
from pydantic import BaseModel, Field, ValidationError, model_validator

from ..document import BBox, Line
from ..errors import EngineError
from .textmatch import PlacedLine, fold

LINK_MODEL_FILE = Path(__file__).with_name("data") / "form_links.json"
KEY_VALUE = re.compile(r"^\s*([^:]{2,60}?)\s*:\s*(.+)$")  # 'Key: value' on one line: a pair by itself
BESIDE_CANDIDATES = 2  # lines to the right of a key, on its row, that may be its value
BELOW_CANDIDATES = 3  # lines under it
COLUMN_CANDIDATES = 4  # lines further under it within its own width: a column's cells under their header
MAX_BESIDE_GAP = 40.0  # line heights
MAX_BELOW_GAP = 25.0
BELOW_LEFT_REACH = 3.0  # how far left of the key a value under it may start, in line heights
BELOW_RIGHT_REACH = 12.0  # how far right of the key's end
SHAPE_FEATURES = ("colon_end", "colon_inside", "words", "letters", "digits", "capitals", "sentence_end", "bracket")
TEXT_FEATURES = (*SHAPE_FEATURES, "confidence", "row_pieces")
PAIR_FEATURES = ("gap", "gap_near", "gap_far", "rank", "rank_back", "left_offset", "centre_offset", "overlap",
                 "height_ratio", "between", "other_kind", "key_beside_gap")
KINDS = ("beside", "below")
MAX_CONTINUATION_GAP = 1.5  # line heights between a line and the next line of the same piece of text
MAX_SEGMENT_LINES = 12
MAX_HIDDEN_UNITS = 256  # a linker's file is input: bounded in size, width and magnitude before use
MAX_WEIGHT = 1e6
MIN_SCALE = 1e-6
MAX_MODEL_BYTES = 16 * 2**20
CONTINUATION_FEATURES = ("bias", "gap", "left_offset", "right_offset", "height_ratio", "width_ratio", "upper_open",
                         "lower_lowercase",
                         *(f"upper_{f}" for f in TEXT_FEATURES), *(f"lower_{f}" for f in TEXT_FEATURES))
FEATURE_NAMES = tuple(f"{kind}:{name}" for kind in KINDS for name in
                      ("bias", *PAIR_FEATURES, *(f"key_{f}" for f in TEXT_FEATURES),
                       *(f"value_{f}" for f in TEXT_FEATURES)))


@dataclass(frozen=True)
class Candidate:
    """A piece of text that may name another: ``beside`` it on its row, or under it."""

    key: PlacedLine
    value: PlacedLine
    beside: bool
    gap: float  # in the key's line heights (of one of its printed lines)


def text_shape(text: str) -> list[float]:
    """What a text looks like, whatever it says: a key ends with a colon or is a few capitalised words; a
    value holds digits, or a sentence (``SHAPE_FEATURES``, each in 0..1)."""
    text = text.strip()
    packed = text.replace(" ", "")
    letters = sum(char.isalpha() for char in packed)
    return [float(text.endswith(":")), float(":" in text[:-1]), min(len(text.split()), 10) / 10,
            letters / max(1, len(packed)), sum(char.isdigit() for char in packed) / max(1, len(packed)),
            sum(char.isupper() for char in packed) / max(1, letters), float(text.endswith((".", ",", ";"))),
            float(any(char in text for char in "()[]"))]


def line_features(placed: PlacedLine, pieces_beside: int) -> list[float]:
    """``TEXT_FEATURES`` of a line: its text's shape, its OCR confidence, the pieces beside it on its row."""
    return [*text_shape(placed.text), placed.line.confidence, min(pieces_beside, 4) / 4]


def linkable_lines(lines: list[PlacedLine]) -> list[PlacedLine]:
    """The lines that may be a key or a value of another line: not those that hold a pair themselves."""
    return [placed for placed in lines if not KEY_VALUE.match(placed.text.strip())]


def _height(line: PlacedLine) -> float:
    """The height of one printed line of it (a piece joined from three lines reaches as far as one line)."""
    return max(1.0, (line.bbox.y1 - line.bbox.y0) / line.line_count)


def _beside(key: PlacedLine, other: PlacedLine) -> float | None:
    """Gap in line heights from the key to a line to its right on its row, else None."""
    a, b, height = key.bbox, other.bbox, _height(key)
    shared = min(a.y1, b.y1) - max(a.y0, b.y0)
    gap = (b.x0 - a.x1) / height
    if shared > 0.5 * min(a.y1 - a.y0, b.y1 - b.y0) and -0.2 < gap < MAX_BESIDE_GAP:
        return gap
    return None


def _below(key: PlacedLine, other: PlacedLine) -> float | None:
    """Gap in line heights from the key down to a line under it, within reach left and right, else None."""
    a, b, height = key.bbox, other.bbox, _height(key)
    gap = (b.y0 - a.y1) / height
    if -0.3 < gap < MAX_BELOW_GAP and b.x0 < a.x1 + BELOW_RIGHT_REACH * height and \
            b.x1 > a.x0 - BELOW_LEFT_REACH * height:
        return gap
    return None


class PageLines:
    """A page's lines sorted by their top, to visit only those starting within a band of heights (a page of
    2,000 lines is not compared line against line)."""

    def __init__(self, lines: list[PlacedLine]):
        self.lines = sorted(lines, key=lambda placed: placed.bbox.y0)
        self.tops = [placed.bbox.y0 for placed in self.lines]
        self.tallest = max((placed.bbox.y1 - placed.bbox.y0 for placed in lines), default=0.0)

    def starting_within(self, low: float, high: float) -> list[PlacedLine]:
        """The lines whose top lies in [low, high]."""
        return self.lines[bisect.bisect_left(self.tops, low):bisect.bisect_right(self.tops, high)]

    def on_row_of(self, line: PlacedLine) -> list[PlacedLine]:
        """The lines that may share the line's row (they start before it ends and end after it starts)."""
        return self.starting_within(line.bbox.y0 - self.tallest, line.bbox.y1)


def by_page(lines: list[PlacedLine]) -> dict[int, PageLines]:
    pages: dict[int, list[PlacedLine]] = {}
    for placed in lines:
        pages.setdefault(placed.page, []).append(placed)
    return {page: PageLines(page_lines) for page, page_lines in pages.items()}


def continuation_candidates(lines: list[PlacedLine]) -> list[tuple[PlacedLine, PlacedLine]]:
    """Each line with the nearest line under it that overlaps it or starts near it (a value, a key or a
    paragraph printed over several lines continues there)."""
    found = []
    pages = by_page(lines)
    for upper in lines:
        a, height = upper.bbox, _height(upper)
        nearest = None
        for lower in pages[upper.page].starting_within(a.y1 - 0.5 * height, a.y1 + MAX_CONTINUATION_GAP * height):
            b = lower.bbox
            gap = (b.y0 - a.y1) / height
            if lower is upper or b.y0 <= a.y0 or not -0.5 < gap < MAX_CONTINUATION_GAP:
                continue  # strictly lower: no two lines continue each other
            if min(a.x1, b.x1) - max(a.x0, b.x0) <= 0 and abs(b.x0 - a.x0) > height:
                continue
            rank = (gap, abs(b.x0 - a.x0), lower.position)
            if nearest is None or rank < nearest[0]:
                nearest = (rank, lower)
        if nearest is not None:
            found.append((upper, nearest[1]))
    return found


def continuation_features(found: list[tuple[PlacedLine, PlacedLine]], lines: list[PlacedLine]) -> np.ndarray:
    """One row of ``CONTINUATION_FEATURES`` per pair of a line and the one under it."""
    beside = row_pieces(candidates(lines, below_too=False))
    rows = np.zeros((len(found), len(CONTINUATION_FEATURES)), dtype=np.float64)
    for index, (upper, lower) in enumerate(found):
        a, b, height = upper.bbox, lower.bbox, _height(upper)
        upper_text, lower_text = upper.text.strip(), lower.text.strip()
        rows[index] = [
            1.0, (b.y0 - a.y1) / height, math.log1p(abs(b.x0 - a.x0) / height), math.log1p(abs(b.x1 - a.x1) / height),
            math.log(_height(lower) / height), (b.x1 - b.x0) / max(1.0, a.x1 - a.x0),
            float(upper_text.endswith(("-", ",", "&", "/"))), float(lower_text[:1].islower()),
            *line_features(upper, beside[id(upper)]), *line_features(lower, beside[id(lower)])]
    return rows


def merged(pieces: list[PlacedLine]) -> PlacedLine:
    """Lines printed one under the other as one piece of text: their words in order, one box."""
    if len(pieces) == 1:
        return pieces[0]
    text = " ".join(piece.text.strip() for piece in pieces)
    line = Line(text=text, bbox=BBox.enclosing([piece.bbox for piece in pieces]),
                bbox_norm=BBox.enclosing([piece.line.bbox_norm for piece in pieces]),
                confidence=min(piece.line.confidence for piece in pieces),
                words=[word for piece in pieces for word in piece.line.words])
    return PlacedLine(pieces[0].position, pieces[0].page, line, fold(text), sum(piece.line_count for piece in pieces))


def segments(lines: list[PlacedLine], model: Scorer) -> list[PlacedLine]:
    """The lines joined where the model says the one under continues the one above (each line joined to one
    above and one below at most, likeliest joins first; a piece holds ``MAX_SEGMENT_LINES`` at most, the rest
    of a longer run starts the next), in reading order."""
    found = continuation_candidates(lines)
    below: dict[int, PlacedLine] = {}
    above: set[int] = set()
    if found:
        scores = model.probabilities(continuation_features(found, lines))
        for index in np.argsort(-scores, kind="stable"):
            if not scores[index] >= model.threshold:
                break
            upper, lower = found[index]
            if id(upper) not in below and id(lower) not in above:
                below[id(upper)] = lower
                above.add(id(lower))
    pieces = []
    for head in lines:
        if id(head) in above:
            continue
        chain = [head]
        while id(chain[-1]) in below:
            chain.append(below[id(chain[-1])])
        pieces += [merged(chain[start:start + MAX_SEGMENT_LINES]) for start in range(0, len(chain), MAX_SEGMENT_LINES)]
    return sorted(pieces, key=lambda piece: piece.position)


def candidates(lines: list[PlacedLine], below_too: bool = True) -> list[Candidate]:
    """Every line with the nearest lines beside it and under it (unless not ``below_too``) on its page, nearest
    first; then up to ``COLUMN_CANDIDATES`` lines further under it that overlap its width."""
    found: list[Candidate] = []
    pages = by_page(lines)
    for key in lines:
        page, height = pages[key.page], _height(key)
        beside, below = [], []
        for other in page.starting_within(key.bbox.y0 - page.tallest, key.bbox.y1 + MAX_BELOW_GAP * height):
            if other is key:
                continue
            gap = _beside(key, other)
            if gap is not None:
                beside.append((gap, other.position, other))
                continue
            gap = _below(key, other) if below_too else None
            if gap is not None:
                below.append((gap, abs(other.bbox.x0 - key.bbox.x0), other.position, other))
        beside.sort(key=lambda item: item[:2])
        below.sort(key=lambda item: item[:3])
        found += [Candidate(key, other, True, gap) for gap, _, other in beside[:BESIDE_CANDIDATES]]
        if below_too:
            column = [item for item in below[BELOW_CANDIDATES:]  # under the key, within its width
                      if min(key.bbox.x1, item[-1].bbox.x1) > max(key.bbox.x0, item[-1].bbox.x0)]
            found += [Candidate(key, other, False, gap)
                      for gap, _, _, other in below[:BELOW_CANDIDATES] + column[:COLUMN_CANDIDATES]]
    return found


def _between(candidate: Candidate, page: PageLines) -> bool:
    """Whether another line stands between the key and the value (a value under a key is hidden by a line
    across both; one beside it, by a line on the row in the gap)."""
    a, b = candidate.key.bbox, candidate.value.bbox
    nearby = page.on_row_of(candidate.key) if candidate.beside else page.starting_within(a.y1 - 1, b.y0 + 1)
    for other in nearby:
        if other is candidate.key or other is candidate.value:
            continue
        c = other.bbox
        if candidate.beside:
            if c.x0 >= a.x1 - 1 and c.x1 <= b.x0 + 1 and min(c.y1, a.y1) - max(c.y0, a.y0) > 0:
                return True
        elif c.y0 >= a.y1 - 1 and c.y1 <= b.y0 + 1 and min(c.x1, b.x1) - max(c.x0, b.x0) > 0:
            return True
    return False


def row_pieces(found: list[Candidate]) -> Counter[int]:
    """id() of each line -> how many candidates beside it, as key or value, name it (the pieces on its row)."""
    counts: Counter[int] = Counter()
    for candidate in found:
        if candidate.beside:
            counts[id(candidate.key)] += 1
            counts[id(candidate.value)] += 1
    return counts


def _ranks(found: list[Candidate], group_of) -> list[int]:
    """Each candidate's rank by gap among those of its group (0 for the nearest)."""
    ranks = [0] * len(found)
    previous, count = None, 0
    for index in sorted(range(len(found)), key=lambda i: (group_of(found[i]), found[i].gap)):
        group = group_of(found[index])
        count = count + 1 if group == previous else 0
        previous, ranks[index] = group, count
    return ranks


def features(found: list[Candidate], lines: list[PlacedLine]) -> np.ndarray:
    """One row of ``FEATURE_NAMES`` per candidate: its features where its kind's columns are, zeros in the
    other kind's (two models in one)."""
    pages = by_page(lines)
    rank = _ranks(found, lambda c: (id(c.key), c.beside))
    rank_back = _ranks(found, lambda c: (id(c.value), c.beside))
    kinds_back: dict[int, set[bool]] = {}
    pieces_on_row = row_pieces(found)
    beside_gap: dict[int, float] = {}  # the nearest line to the right of a key (a value under it has none near)
    for candidate in found:
        kinds_back.setdefault(id(candidate.value), set()).add(candidate.beside)
        if candidate.beside:
            beside_gap[id(candidate.key)] = min(candidate.gap, beside_gap.get(id(candidate.key), MAX_BESIDE_GAP))
    rows = np.zeros((len(found), len(FEATURE_NAMES)), dtype=np.float64)
    half = len(FEATURE_NAMES) // 2
    for index, candidate in enumerate(found):
        key, value = candidate.key.bbox, candidate.value.bbox
        height = _height(candidate.key)
        overlap = max(0.0, min(key.x1, value.x1) - max(key.x0, value.x0))
        centre = abs((value.x0 + value.x1) - (key.x0 + key.x1)) / 2 if not candidate.beside else \
            abs((value.y0 + value.y1) - (key.y0 + key.y1)) / 2
        pair = [math.log1p(max(0.0, candidate.gap)), float(candidate.gap < 1.5), float(candidate.gap > 6),
                min(rank[index], 3) / 3, min(rank_back[index], 3) / 3, math.log1p(abs(value.x0 - key.x0) / height),
                math.log1p(centre / height), overlap / max(1.0, min(key.x1 - key.x0, value.x1 - value.x0)),
                math.log(_height(candidate.value) / height), float(_between(candidate, pages[candidate.key.page])),
                float(len(kinds_back[id(candidate.value)]) > 1),
                math.log1p(max(0.0, beside_gap.get(id(candidate.key), MAX_BESIDE_GAP)))]
        offset = 0 if candidate.beside else half
        rows[index, offset:offset + half] = [1.0, *pair, *line_features(candidate.key, pieces_on_row[id(candidate.key)]),
                                             *line_features(candidate.value, pieces_on_row[id(candidate.value)])]
    return rows


class Scorer(BaseModel):
    """A fitted scorer of candidates: standardisation per feature, an optional hidden layer (rectified), the
    output weights, and the probability a candidate must reach. Without a hidden layer it is a logistic model."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    hidden: list[list[float]] = Field(default_factory=list, description="One row of weights per hidden unit.")
    hidden_bias: list[float] = Field(default_factory=list)
    weights: list[float]
    bias: float = 0.0
    threshold: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _consistent(self) -> Scorer:
        width = len(self.features)
        if not len(self.mean) == len(self.scale) == width or len(self.hidden) != len(self.hidden_bias) or \
                any(len(row) != width for row in self.hidden) or len(self.weights) != (len(self.hidden) or width):
            raise ValueError("its weights do not match its features")
        if len(self.hidden) > MAX_HIDDEN_UNITS:
            raise ValueError(f"its hidden layer has {len(self.hidden)} units, over {MAX_HIDDEN_UNITS}")
        numbers = (*self.mean, *self.scale, *(v for row in self.hidden for v in row), *self.hidden_bias,
                   *self.weights, self.bias)
        if not all(math.isfinite(v) and abs(v) <= MAX_WEIGHT for v in numbers) or min(self.scale) < MIN_SCALE:
            raise ValueError(f"its numbers must be finite and at most {MAX_WEIGHT:g} in size, its scales at least "
                             f"{MIN_SCALE:g}")
        return self

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        standard = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        if self.hidden:
            standard = np.maximum(0.0, standard @ np.asarray(self.hidden).T + np.asarray(self.hidden_bias))
        z = standard @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


class LinkModel(BaseModel):
    """A fitted linker: which line continues the one above it (``CONTINUATION_FEATURES``), which names which
    (``FEATURE_NAMES``)."""

    continuation: Scorer
    link: Scorer
    fitted_on: str = ""
    figures: dict = Field(default_factory=dict)

    @model_validator(mode="after")
    def _matches_code(self) -> LinkModel:
        if tuple(self.link.features) != FEATURE_NAMES or \
                tuple(self.continuation.features) != CONTINUATION_FEATURES:
            raise ValueError("its features are not the ones this version computes; fit it again")
        return self


def load_link_model(path: Path | None = None) -> LinkModel:
    """A linker's file (the shipped one by default), checked and parsed once per version of the file."""
    path = Path(path or LINK_MODEL_FILE)
    try:
        stat = path.stat()
    except OSError as error:
        raise _refused(path, f"cannot be read ({error.strerror})") from error
    if not S_ISREG(stat.st_mode) or stat.st_size > MAX_MODEL_BYTES:
        raise _refused(path, f"not a file of at most {MAX_MODEL_BYTES // 2**20} MB")
    return _parsed_link_model(path.resolve(), stat.st_mtime_ns, stat.st_size)


def _refused(path: Path, reason: str) -> EngineError:
    return EngineError(f"form link model {path.name}: {reason}",
                       hint="give a file written by `socratext eval fit-links`, or none for the shipped one")


@lru_cache(maxsize=4)
def _parsed_link_model(path: Path, mtime_ns: int, size: int) -> LinkModel:
    try:
        return LinkModel.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except ValidationError as error:
        raise _refused(path, error.errors()[0]["msg"]) from error
    except (OSError, ValueError, RecursionError, MemoryError) as error:  # not JSON, nested past the parser's depth
        raise _refused(path, str(error).splitlines()[0] or type(error).__name__) from error


def link(lines: list[PlacedLine], model: LinkModel) -> list[tuple[PlacedLine, PlacedLine, bool, float]]:
    """(key, value, beside, probability) for each pair kept, in the keys' reading order. The lines are first
    joined into the form's pieces of text (``segments``); pairs are kept best first while the probability
    reaches the model's threshold (``keep_pairs``)."""
    pieces = segments(lines, model.continuation)
    found = candidates(pieces)
    return keep_pairs(found, model.link.probabilities(features(found, pieces)), model.link.threshold) if found else []


def keep_pairs(found: list[Candidate], scores: np.ndarray, threshold: float
               ) -> list[tuple[PlacedLine, PlacedLine, bool, float]]:
    """Candidates kept best first while their score reaches the threshold. A piece is a key or a value, never
    both, and a value has one key; a key may name several values (a column's header over its cells, 'cc:' over
    a list of names)."""
    keys: set[int] = set()
    values: set[int] = set()
    kept = []
    for index in np.argsort(-scores, kind="stable"):
        candidate, score = found[index], float(scores[index])
        if not score >= threshold:  # a score that is no number stops it too
            break
        key, value = id(candidate.key), id(candidate.value)
        if key in values or value in values or value in keys:
            continue
        keys.add(key)
        values.add(value)
        kept.append((candidate.key, candidate.value, candidate.beside, score))
    return sorted(kept, key=lambda pair: (pair[0].position, pair[1].position))
