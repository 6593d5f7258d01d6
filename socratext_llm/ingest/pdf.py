"""PDF backend (PyMuPDF): the embedded text layer when it is real text, a 300 dpi render otherwise."""
from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pymupdf
from PIL import Image

from ..errors import CorruptInputError, EmptyInputError, EncryptedInputError, InputTooLargeError, SocratextError
from ..settings import Settings
from .base import PageInput, SourceFile, TextLayerBlock, TextLayerLine, TextSpanWord, display_name, third_party_message

pymupdf.TOOLS.mupdf_display_errors(False)  # errors reach the user as our one-line messages instead
pymupdf.TOOLS.mupdf_display_warnings(False)

BOLD_FLAG = 16
MIN_REAL_TEXT_CHARS = 20
MIN_READABLE_RATIO = 0.85
LARGE_IMAGE_COVER = 0.5
MAX_BARCODE_IMAGE_PX = 8_000_000


def readable_ratio(text: str) -> float:
    """Share of characters that are letters, digits, punctuation or spaces of ordinary scripts.

    Fonts without a Unicode map yield control characters, U+FFFD or private-use
    code points; such a text layer is garbage and the page must be OCR'd.
    """
    if not text:
        return 0.0
    good = 0
    for char in text:
        category = unicodedata.category(char)
        if char == "\ufffd" or category in ("Cc", "Co", "Cs", "Cn") and char not in "\n\t":
            continue
        good += 1
    return good / len(text)


def has_real_text(text: str, image_cover: float) -> bool:
    """Whether a page's text layer can be trusted instead of OCR."""
    stripped = "".join(text.split())
    if len(stripped) < MIN_REAL_TEXT_CHARS and image_cover >= LARGE_IMAGE_COVER:
        return False  # a scan with a stamp or page number drawn as text
    if not stripped:
        return False
    if sum(ch.isalnum() for ch in stripped) / len(stripped) < 0.5:
        return False
    return readable_ratio(stripped) >= MIN_READABLE_RATIO


def image_cover_ratio(page: pymupdf.Page) -> float:
    """Largest share of the page covered by one embedded image."""
    page_area = abs(page.rect) or 1.0
    best = 0.0
    for info in page.get_image_info():
        rect = pymupdf.Rect(info["bbox"]) & page.rect
        best = max(best, abs(rect) / page_area)
    return best


def _word(chars: list[dict]) -> TextSpanWord:
    return TextSpanWord(text="".join(c["c"] for c in chars),
                        box=(min(c["bbox"][0] for c in chars), min(c["bbox"][1] for c in chars),
                             max(c["bbox"][2] for c in chars), max(c["bbox"][3] for c in chars)))


def _layer_line(line: dict) -> TextLayerLine | None:
    """One PyMuPDF line as words (split at spaces and span changes), its largest font size and weight."""
    words: list[TextSpanWord] = []
    sizes: list[float] = []
    bold_chars = 0
    for span in line["spans"]:
        current: list[dict] = []
        for char in span["chars"]:
            if char["c"].isspace():
                if current:
                    words.append(_word(current))
                current = []
                continue
            current.append(char)
            sizes.append(span["size"])
            bold_chars += bool(span["flags"] & BOLD_FLAG) or "bold" in span["font"].lower()
        if current:
            words.append(_word(current))
    if not words:
        return None
    return TextLayerLine(words=_merge_touching(words), font_size=max(sizes), bold=bold_chars > len(sizes) / 2)


def raw_text_layer(page: pymupdf.Page) -> dict:
    return page.get_text("rawdict", flags=pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP)


def raw_text(raw: dict) -> str:
    """The characters of a rawdict, for judging whether the text layer is real."""
    return "".join(char["c"] for block in raw["blocks"] if block.get("type") == 0 for line in block["lines"]
                   for span in line["spans"] for char in span["chars"])


def text_layer_blocks(raw: dict) -> list[TextLayerBlock]:
    """Words with exact boxes, grouped in PyMuPDF's lines and blocks, with font size and weight."""
    blocks: list[TextLayerBlock] = []
    for block in raw["blocks"]:
        if block.get("type") != 0:
            continue
        lines = [layer for layer in (_layer_line(line) for line in block["lines"]) if layer is not None]
        if lines:
            blocks.append(TextLayerBlock(lines=lines))
    return blocks


def _merge_touching(words: list[TextSpanWord]) -> list[TextSpanWord]:
    """Join pieces split at a span change with no space between them (a bold letter inside a word)."""
    merged: list[TextSpanWord] = []
    for word in words:
        if merged:
            last = merged[-1]
            gap = word.box[0] - last.box[2]
            height = max(1.0, last.box[3] - last.box[1])
            if -0.05 * height <= gap <= 0.05 * height:
                merged[-1] = TextSpanWord(
                    text=last.text + word.text,
                    box=(last.box[0], min(last.box[1], word.box[1]), word.box[2], max(last.box[3], word.box[3])),
                )
                continue
        merged.append(word)
    return merged


PYMUPDF_ERRORS = (pymupdf.mupdf.FzErrorBase, RuntimeError, ValueError, TypeError, IndexError, KeyError)


def translated(error: BaseException, path: Path, where: str) -> SocratextError:
    """A PyMuPDF error as ours: too large when MuPDF hit one of its limits, else a damaged file."""
    if isinstance(error, (pymupdf.mupdf.FzErrorLimit, MemoryError)):
        return InputTooLargeError(f"{display_name(path)}: {where} is too large to process ({third_party_message(error, path)})")
    return CorruptInputError(f"{display_name(path)}: {where} cannot be read ({third_party_message(error, path)})")


def render_dpi(width_pt: float, height_pt: float, settings: Settings) -> int:
    """The configured resolution, lowered so that a huge page renders within the pixel limit."""
    pixels_at_72 = max(1.0, width_pt * height_pt)
    bounded = math.floor(72.0 * math.sqrt(settings.max_render_pixels / pixels_at_72))
    return max(1, min(settings.render_dpi, bounded))


class PdfSource(SourceFile):
    media_type = "application/pdf"

    def __init__(self, path: Path, settings: Settings, password: str | None = None):
        self.path = path
        self.settings = settings
        self._descriptor: int | None = None
        try:
            self.doc = pymupdf.open(self._openable(path), filetype="pdf")
        except (*PYMUPDF_ERRORS, MemoryError) as error:
            self.close()
            raise CorruptInputError(f"{display_name(path)}: not a readable PDF ({third_party_message(error, path)})") from error
        try:
            self._check(password)
        except BaseException:
            self.close()
            raise

    def _openable(self, path: Path) -> str:
        """MuPDF opens paths as UTF-8: a name that is not (a Latin-1 file name on a Linux disk) is
        opened through its descriptor instead."""
        try:
            str(path).encode("utf-8")
            return str(path)
        except UnicodeEncodeError:
            self._descriptor = os.open(path, os.O_RDONLY)
            return f"/proc/self/fd/{self._descriptor}"

    def _check(self, password: str | None) -> None:
        name = display_name(self.path)
        try:
            if self.doc.needs_pass:
                if not password:
                    raise EncryptedInputError(f"{name}: the PDF is encrypted")
                if not self.doc.authenticate(password):
                    raise EncryptedInputError(f"{name}: wrong password for the encrypted PDF",
                                              hint="check the value given with --password")
            count = self.doc.page_count
        except PYMUPDF_ERRORS as error:
            raise translated(error, self.path, "the page tree") from error
        if count == 0:
            raise EmptyInputError(f"{name}: the PDF has no page")
        if count > self.settings.max_pages:
            raise InputTooLargeError(f"{name}: {count} pages, over the limit of {self.settings.max_pages}")
        self._page_count = count

    @property
    def page_count(self) -> int:
        return self._page_count

    def iter_pages(self) -> Iterator[PageInput]:
        for index in range(self._page_count):
            try:
                page = self.doc.load_page(index)
                rect = page.rect
                if max(rect.width, rect.height) > self.settings.max_page_side_pt:
                    raise InputTooLargeError(
                        f"{display_name(self.path)}: page {index + 1} is {rect.width:.0f}x{rect.height:.0f} pt, "
                        f"over the limit of {self.settings.max_page_side_pt:.0f} pt")
                raw = raw_text_layer(page)
                layer = text_layer_blocks(raw) if has_real_text(raw_text(raw), image_cover_ratio(page)) else None
            except (*PYMUPDF_ERRORS, MemoryError) as error:
                raise translated(error, self.path, f"page {index + 1}") from error
            dpi = render_dpi(rect.width, rect.height, self.settings)
            yield PageInput(index=index, width_pt=rect.width, height_pt=rect.height, dpi=dpi,
                            text_layer=layer, render=self._renderer(index, dpi),
                            embedded_images=self._images(index) if layer else None)

    def _renderer(self, index: int, dpi: int):
        def render() -> Image.Image:
            try:
                pix = self.doc.load_page(index).get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB, alpha=False)
                return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
            except (*PYMUPDF_ERRORS, MemoryError) as error:
                raise translated(error, self.path, f"page {index + 1}") from error
        return render

    def _images(self, index: int):
        def images() -> list[tuple[Image.Image, tuple[float, float, float, float]]]:
            """The page's raster images that could hold a barcode (40 px to MAX_BARCODE_IMAGE_PX), grey."""
            page, found = self.doc.load_page(index), []
            for info in page.get_images(full=True):
                xref = info[0]
                try:
                    pixmap = pymupdf.Pixmap(self.doc, xref)
                    if pixmap.n - pixmap.alpha != 1:
                        pixmap = pymupdf.Pixmap(pymupdf.csGRAY, pixmap)
                    rects = page.get_image_rects(xref)
                except PYMUPDF_ERRORS:
                    continue  # an image MuPDF cannot decode holds no code we could read
                if not rects or min(pixmap.width, pixmap.height) < 40 or \
                        pixmap.width * pixmap.height > MAX_BARCODE_IMAGE_PX:
                    continue
                image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
                found += [(image, tuple(rect)) for rect in rects]
            return found
        return images

    def close(self) -> None:
        if getattr(self, "doc", None) is not None:
            self.doc.close()
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
