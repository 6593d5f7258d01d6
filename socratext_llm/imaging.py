"""Grey copies and resizing of page images, shared by pre-processing, orientation, OCR, tables and the code
readers (pre-processing itself imports the OCR package, so they live below it)."""
from __future__ import annotations

import cv2
import numpy as np


def grey(image: np.ndarray) -> np.ndarray:
    """An RGB page as grey levels; a grey one as it is."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def resize(image: np.ndarray, scale: float) -> np.ndarray:
    """``image`` scaled by ``scale``: area averaging to shrink, bicubic to enlarge.

    A shrink to half size or less first halves the image (OpenCV averages whole 2 × 2 blocks several times
    faster than arbitrary areas; an odd last row or column is dropped), then averages the rest: half the CPU
    for a 300 dpi page brought to an analysis size (deskew, orientation), within one or two grey levels on
    average of a single area average.
    """
    if scale == 1.0:
        return image
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if scale > 1:
        return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)
    if scale <= 0.5 and height >= 4 and width >= 4:
        image = cv2.resize(image[:height // 2 * 2, :width // 2 * 2], (width // 2, height // 2),
                           interpolation=cv2.INTER_AREA)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
