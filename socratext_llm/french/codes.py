"""The machine-readable parts of a page image (MRZ, 2D-Doc), as the pipeline stores them on the Page."""
from __future__ import annotations

import shutil
from collections.abc import Callable

import numpy as np

from ..document import BBox, MachineReadable
from .mrz_reader import READERS, Box, read_mrz
from .twoddoc import find_datamatrix

DATAMATRIX_READER = "zxing-cpp"


def _bbox(box: Box) -> BBox:
    return BBox(x0=box[0], y0=box[1], x1=box[2], y1=box[3])


def read_page_codes(image: np.ndarray, lines: list[tuple[str, Box]] | None,
                    place: Callable[[Box], Box] = lambda box: box) -> list[MachineReadable]:
    """The MRZ (when the OCR lines hold one) and the 2D-Docs of a page image; ``place`` maps a box of
    ``image`` to page coordinates (the pipeline undoes its deskew)."""
    codes = []
    if lines:
        reading = read_mrz(image, lines, READERS, shutil.which("tesseract"))
        if reading is not None:
            used = "+".join(name for name in READERS if name in reading.readings)
            codes.append(MachineReadable(kind="mrz", text="\n".join(reading.data.lines), bbox=_bbox(place(reading.box)),
                                         line_boxes=[_bbox(place(row.box)) for row in reading.rows], reader=used))
    for found in find_datamatrix(image):
        if found.text.startswith("DC"):  # a 2D-Doc's marker; other DataMatrix codes are not ours to read
            codes.append(MachineReadable(kind="2d-doc", text=found.text, bbox=_bbox(place(found.box)),
                                         reader=DATAMATRIX_READER))
    return codes
