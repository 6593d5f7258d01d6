"""Pre-processing of scanned pages before OCR: orientation, deskew, size, binarisation.

Each step is a pure function on an RGB array; ``prepare_scan`` chains the ones
the settings enable and records what it did. Which steps are on by default is
decided by the OCR benchmark (see README).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .imaging import grey, resize
from .ocr.orientation import upright_turn
from .settings import Settings

SKEW_SEARCH_DEG = 5.0
SKEW_ANALYSIS_SIDE = 1200
# a page this little over the OCR bound keeps its size: resizing it would cost more than the pixels it saves
# (PDF's A4 at 300 dpi renders 3,509 pixels high against the 3,508 bound; its resize cost 0.08 CPU-s a page)
DOWNSCALE_SLACK = 1.02


@dataclass
class PreparedScan:
    image: np.ndarray
    rotation: int = 0
    skew_angle: float = 0.0
    scale: float = 1.0


def downscale_factor(image: np.ndarray, max_side: int) -> float:
    """Factor that brings the longer side down to max_side (1.0 when it already fits)."""
    longest = max(image.shape[:2])
    return min(1.0, max_side / longest)


def rotate_quarter(image: np.ndarray, clockwise_degrees: int) -> np.ndarray:
    turns = {0: None, 90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    code = turns[clockwise_degrees % 360]
    return image if code is None else cv2.rotate(image, code)


def small_grey(image: np.ndarray, max_side: int) -> np.ndarray:
    """A grey copy whose longer side is at most max_side: made grey first, a third of the pixels to average."""
    grey_image = grey(image)
    return resize(grey_image, downscale_factor(grey_image, max_side))


def ink_mask(image: np.ndarray) -> np.ndarray:
    """Dark pixels (text) as 1, by Otsu's threshold on the grey image."""
    _, mask = cv2.threshold(grey(image), 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return mask


def ink_ratio(image: np.ndarray) -> float:
    """Share of dark pixels, measured on a small copy (blank pages have almost none)."""
    return float((small_grey(image, 800) < 128).mean())


def estimate_skew(image: np.ndarray) -> float:
    """Angle (degrees, counter-clockwise positive) that makes text lines horizontal.

    Projection-profile search: rows of an upright page alternate between ink and paper, so the row sums are
    most uneven at the right angle. Each angle's profile counts the ink pixels by the row the rotation takes
    them to (the rotation of the whole mask, as ``rotate_small`` would turn it, cost twice as much).
    """
    mask = ink_mask(small_grey(image, SKEW_ANALYSIS_SIDE))
    if mask.mean() < 0.002:
        return 0.0
    height, width = mask.shape
    rows, columns = np.nonzero(mask)
    across, down = columns.astype(np.float32) - width / 2, rows.astype(np.float32) - height / 2

    def score(angle: float) -> float:
        radians = np.deg2rad(angle)
        turned = np.floor(np.cos(radians) * down - np.sin(radians) * across + height / 2 + 0.5).astype(np.int64)
        profile = np.bincount(turned[(turned >= 0) & (turned < height)], minlength=height)
        return float(np.square(np.diff(profile.astype(np.float64))).sum())

    coarse = np.arange(-SKEW_SEARCH_DEG, SKEW_SEARCH_DEG + 1e-6, 0.5)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.5, best + 0.5 + 1e-6, 0.1)
    best = max(fine, key=score)
    return round(float(best), 2)


def unrotate_box(box: tuple[float, float, float, float], angle: float, width: int,
                 height: int) -> tuple[float, float, float, float]:
    """A box found on the deskewed image, as the envelope of its corners on the page before deskew.

    Deskew helps recognition; boxes are reported on the page as it was scanned, so that they line up
    with the page image a user sees.
    """
    if abs(angle) < 0.05:
        return box
    matrix = cv2.invertAffineTransform(cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0))
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=np.float64)
    moved = corners @ matrix.T
    return (max(0.0, float(moved[:, 0].min())), max(0.0, float(moved[:, 1].min())),
            min(float(width), float(moved[:, 0].max())), min(float(height), float(moved[:, 1].max())))


def rotate_small(image: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by a small angle about the centre, filling the corners with white."""
    if abs(angle) < 0.05:
        return image
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))


def binarize(image: np.ndarray) -> np.ndarray:
    """Adaptive threshold, for uneven lighting on phone photos; returned as RGB."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 15)
    return cv2.cvtColor(binary, cv2.COLOR_GRAY2RGB)


def prepare_scan(image: np.ndarray, settings: Settings) -> PreparedScan:
    """Apply the enabled steps in order: downscale, orientation, deskew, binarisation."""
    scale = downscale_factor(image, settings.max_ocr_side_px)
    if scale * DOWNSCALE_SLACK >= 1.0:
        scale = 1.0
    prepared = PreparedScan(image=resize(image, scale), scale=scale)
    if settings.detect_orientation:
        prepared.rotation = upright_turn(prepared.image)
        prepared.image = rotate_quarter(prepared.image, prepared.rotation)
    if settings.deskew:
        prepared.skew_angle = estimate_skew(prepared.image)
        prepared.image = rotate_small(prepared.image, prepared.skew_angle)
    if settings.binarize:
        prepared.image = binarize(prepared.image)
    return prepared
