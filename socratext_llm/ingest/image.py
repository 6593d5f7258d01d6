"""Image backend (Pillow): PNG, JPEG, WebP and multi-page TIFF."""
from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import CorruptInputError, InputTooLargeError
from ..settings import Settings
from .base import PageInput, SourceFile, display_name, third_party_message

DEFAULT_DPI = 300.0
EXIF_ORIENTATION = 0x0112  # transposing copies the page: done only when the tag asks for a turn
_STDERR_LOCK = threading.Lock()
PLAUSIBLE_DPI = (100.0, 1200.0)


def declared_dpi(image: Image.Image) -> float:
    """The resolution the file declares, or 300 when it declares none or nonsense (72 dpi photos)."""
    dpi = image.info.get("dpi")
    if dpi:
        value = float(dpi[0])
        if PLAUSIBLE_DPI[0] <= value <= PLAUSIBLE_DPI[1]:
            return value
    return DEFAULT_DPI


@contextmanager
def c_stderr_silenced() -> Iterator[None]:
    """libtiff prints its complaints ('ZIPDecode: Decoding error…') straight to file descriptor 2,
    beside our one-line error: while a TIFF is decoded, that descriptor points to /dev/null. One TIFF
    at a time (the descriptor is the process's), and only TIFFs, so other output is rarely held back."""
    with _STDERR_LOCK:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            with open(os.devnull, "wb") as sink:
                os.dup2(sink.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


@contextmanager
def open_image(path: Path):
    """Pillow's open, with its warnings silenced (bombs, corrupt EXIF): our own checks decide and say so."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(path) as image:
            yield image


class ImageSource(SourceFile):
    def __init__(self, path: Path, media_type: str, settings: Settings):
        self.path = path
        self.media_type = media_type
        self.settings = settings
        try:
            with open_image(path) as image:
                self.frames = getattr(image, "n_frames", 1)
                width, height = image.size
        except Image.DecompressionBombError as error:
            raise InputTooLargeError(f"{display_name(path)}: image too large to open safely (decompression bomb)") from error
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise CorruptInputError(f"{display_name(path)}: the image cannot be decoded ({third_party_message(error, path)})") from error
        self._check_pixels(width, height, 0)
        if self.frames > settings.max_pages:
            raise InputTooLargeError(f"{display_name(path)}: {self.frames} frames, over the limit of {settings.max_pages}")

    def _check_pixels(self, width: int, height: int, index: int) -> None:
        if width * height > self.settings.max_image_pixels:
            raise InputTooLargeError(
                f"{display_name(self.path)}: page {index + 1} is {width}x{height} pixels, over the limit of "
                f"{self.settings.max_image_pixels:,} (possible decompression bomb)")

    @property
    def page_count(self) -> int:
        return self.frames

    def iter_pages(self) -> Iterator[PageInput]:
        for index in range(self.frames):
            with open_image(self.path) as image:
                image.seek(index)
                self._check_pixels(*image.size, index)
                dpi = declared_dpi(image)
                width_px, height_px = image.size
            yield PageInput(index=index, width_pt=width_px * 72.0 / dpi, height_pt=height_px * 72.0 / dpi,
                            dpi=dpi, render=self._renderer(index))

    def _renderer(self, index: int):
        def render() -> np.ndarray:
            try:
                with open_image(self.path) as image, (c_stderr_silenced() if self.media_type == "image/tiff"
                                                      else nullcontext()):
                    image.seek(index)
                    image.load()
                    if image.getexif().get(EXIF_ORIENTATION, 1) != 1:
                        image = ImageOps.exif_transpose(image)
                    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
            except Image.DecompressionBombError as error:
                raise InputTooLargeError(f"{display_name(self.path)}: image too large to open safely") from error
            except (OSError, SyntaxError, EOFError) as error:
                raise CorruptInputError(
                    f"{display_name(self.path)}: page {index + 1} cannot be decoded (truncated or damaged: {third_party_message(error, self.path)})") from error
        return render
