"""PDF backend (PyMuPDF): the embedded text layer when it is real text, a 300 dpi render otherwise."""
from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image

from ..errors import CorruptInputError, EmptyInputError, EncryptedInputError, InputTooLargeError, SocratextError
from ..settings import Settings
from .base import (OutlineEntry, PageInput, SourceFile, TextLayerBlock, TextLayerLine, TextSpanWord, VectorPath,
                   display_name, third_party_message)

pymupdf.TOOLS.mupdf_display_errors(False)  # errors reach the user as our one-line messages instead
pymupdf.TOOLS.mupdf_display_warnings(False)

BOLD_FLAG = 16
SUPERSCRIPT_FLAG = 1
FOOTNOTE_CALL = re.compile(r"\d{1,3}(?:[,\s]+\d{1,3})*")
POWER_BEFORE = re.compile(r"(?:^|[\s/\d(.])(?:[kcmdµ]?m|10)$")  # m², cm³, 10⁹ keep their exponent
MIN_REAL_TEXT_CHARS = 20
MIN_READABLE_RATIO = 0.85
LARGE_IMAGE_COVER = 0.5
MAX_BARCODE_IMAGE_PX = 8_000_000
LEADER_DOTS = re.compile(r"[.…·_]{3,}")  # a table of contents' dot leaders are text, not noise
MAX_VECTOR_PATHS = 20000  # a map or chart drawn in vectors: its strokes are no table rules
STORE_EMPTIED_EVERY = 50  # pages read between two emptyings of MuPDF's cache (see ``release_store``)


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


def has_real_text(text: str, image_cover: Callable[[], float]) -> bool:
    """Whether a page's text layer can be trusted instead of OCR (``image_cover`` is asked only of a page with
    a little text: placing its images costs a second text page)."""
    stripped = LEADER_DOTS.sub("", "".join(text.split()))
    if stripped and len(stripped) < MIN_REAL_TEXT_CHARS and image_cover() >= LARGE_IMAGE_COVER:
        return False  # a scan with a stamp or page number drawn as text
    if not stripped:
        return False
    if sum(ch.isalnum() for ch in stripped) / len(stripped) < 0.5:
        return False
    return readable_ratio(stripped) >= MIN_READABLE_RATIO


def image_cover_ratio(page: pymupdf.Page) -> float:
    """Largest share of the page covered by one embedded image (0 without image resources: placing the
    images needs a second text page of MuPDF's, as costly as reading the text)."""
    if not page.get_images():
        return 0.0
    page_area = abs(page.rect) or 1.0
    best = 0.0
    for info in page.get_image_info():
        rect = pymupdf.Rect(info["bbox"]) & page.rect
        best = max(best, abs(rect) / page_area)
    return best


def draws_nothing(page: pymupdf.Page) -> bool:
    """A page without images or vector paths holds nothing beyond its text layer (a blank page between
    chapters): OCR would find nothing there."""
    return not page.get_images() and not page.get_cdrawings()


def _word(chars: list[dict]) -> TextSpanWord:
    x0s, y0s, x1s, y1s = zip(*(c["bbox"] for c in chars), strict=True)
    return TextSpanWord(text="".join(c["c"] for c in chars), box=(min(x0s), min(y0s), max(x1s), max(y1s)))


def _add_word(words: list[TextSpanWord], word: TextSpanWord, glued: bool) -> None:
    if glued and words:
        last = words[-1]
        words[-1] = TextSpanWord(text=last.text + word.text, box=(last.box[0], min(last.box[1], word.box[1]),
                                                                  word.box[2], max(last.box[3], word.box[3])))
    else:
        words.append(word)


def is_footnote_call(text: str, superscript: bool, before: str) -> bool:
    """A superscript number glued to the word before it ('Méthadone⁴', 'ASA > 3²'), not a unit's power
    ('kg/m²', '10⁹')."""
    return superscript and bool(FOOTNOTE_CALL.fullmatch(text.strip())) and before[-1:].strip() != "" \
        and not POWER_BEFORE.search(before)


def _layer_line(line: dict) -> TextLayerLine | None:
    """One PyMuPDF line as words (split at spaces and span changes), its largest font size and weight;
    footnote calls are left out."""
    words: list[TextSpanWord] = []
    sizes: list[float] = []
    bold_chars = 0
    before = ""
    glue = False  # the text after a dropped footnote call continues the word it was glued to ('insuline⁸,')
    for span in line["spans"]:
        current: list[dict] = []
        text = "".join(char["c"] for char in span["chars"])
        if is_footnote_call(text, bool(span["flags"] & SUPERSCRIPT_FLAG), before):
            glue = bool(words) or glue
            continue
        before = (before + text)[-8:]
        glue = glue and bool(text[:1]) and not text[:1].isspace()
        for char in span["chars"]:
            if char["c"].isspace():
                if current:
                    _add_word(words, _word(current), glue)
                    glue = False
                current = []
                continue
            current.append(char)
            sizes.append(span["size"])
            bold_chars += bool(span["flags"] & BOLD_FLAG) or "bold" in span["font"].lower()
        if current:
            _add_word(words, _word(current), glue)
        glue = False
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


def _path_items(path: dict) -> list[VectorPath]:
    """One PyMuPDF drawing (``get_cdrawings``: plain tuples) as shapes: each rectangle alone, connected line
    segments as one polyline."""
    fill, stroke = path.get("fill"), path.get("color")
    width = path.get("width") if stroke is not None else None
    shapes: list[VectorPath] = []
    run: list[tuple[float, float]] = []

    def close_run() -> None:
        if len(run) >= 2:
            shapes.append(VectorPath("line" if len(run) == 2 else "polyline", list(run), fill, stroke, width))
        run.clear()

    for item in path["items"]:
        op = item[0]
        if op == "l":
            start, end = tuple(item[1]), tuple(item[2])
            if run and run[-1] != start:
                close_run()
            if not run:
                run.append(start)
            run.append(end)
            continue
        close_run()
        if op == "re":
            x0, y0, x1, y1 = item[1]
            shapes.append(VectorPath("rect", [(min(x0, x1), min(y0, y1)), (max(x0, x1), max(y0, y1))], fill, stroke,
                                     width))
        elif op == "qu":
            quad = pymupdf.Quad(item[1])
            corners = [(quad.ul.x, quad.ul.y), (quad.ur.x, quad.ur.y), (quad.lr.x, quad.lr.y), (quad.ll.x, quad.ll.y)]
            if quad.is_rectangular and abs(quad.ul.y - quad.ur.y) < 0.01:
                rect = quad.rect
                shapes.append(VectorPath("rect", [(rect.x0, rect.y0), (rect.x1, rect.y1)], fill, stroke, width))
            else:
                shapes.append(VectorPath("polyline", [*corners, corners[0]], fill, stroke, width))
        elif op == "c":
            shapes.append(VectorPath("curve", [tuple(point) for point in item[1:5]], fill, stroke, width))
    close_run()
    return shapes


def vector_paths(page: pymupdf.Page) -> list[VectorPath]:
    """The page's visible vector drawings, none when there are too many to be rules and boxes."""
    shapes: list[VectorPath] = []
    for path in page.get_cdrawings():  # plain tuples: get_drawings wraps every point in an object
        if path.get("fill") is None and path.get("color") is None:
            continue
        shapes.extend(_path_items(path))
        if len(shapes) > MAX_VECTOR_PATHS:
            return []
    return shapes


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


def release_store() -> None:
    """Empty MuPDF's cache of decoded objects (fonts, page contents, images). It keeps up to 256 MB: a
    scanned page's decoded image (25 MB at A4 300 dpi, and more while it is rendered) stayed there after its
    page was read, and a born-digital PDF's objects piled up at about 0.1 MB a page. Emptied after each
    render and every ``STORE_EMPTIED_EVERY`` pages (after every page it cost born-digital pages 10 % more
    time, the fonts being decoded again)."""
    pymupdf.TOOLS.store_shrink(100)


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
                layer = text_layer_blocks(raw) if has_real_text(raw_text(raw), lambda: image_cover_ratio(page)) \
                    or draws_nothing(page) else None
                drawings = vector_paths(page) if layer else []
            except (*PYMUPDF_ERRORS, MemoryError) as error:
                raise translated(error, self.path, f"page {index + 1}") from error
            dpi = render_dpi(rect.width, rect.height, self.settings)
            if index % STORE_EMPTIED_EVERY == STORE_EMPTIED_EVERY - 1:
                release_store()
            yield PageInput(index=index, width_pt=rect.width, height_pt=rect.height, dpi=dpi,
                            text_layer=layer, render=self._renderer(index, dpi),
                            embedded_images=self._images(index) if layer else None, drawings=drawings)

    def outline(self) -> list[OutlineEntry]:
        try:
            toc = self.doc.get_toc(simple=True)
        except PYMUPDF_ERRORS:
            return []  # a broken outline is no reason to refuse the document
        return [OutlineEntry(level=int(level), title=" ".join(str(title).split()), page=int(page) - 1)
                for level, title, page in toc if int(page) >= 1 and str(title).strip()]

    def _renderer(self, index: int, dpi: int):
        def render() -> np.ndarray:
            try:
                pix = self.doc.load_page(index).get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB, alpha=False)
                image = np.frombuffer(pix.samples_mv, np.uint8).reshape(pix.height, pix.width, 3).copy()
                del pix
                release_store()
                return image
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
