"""Reading a document in bounded memory: each page goes to a spool on disk as soon as it is read.

A page of the document model costs about 1.6 MB of Python objects (every word with two boxes, a
born-digital page's vector drawings); a 2,000-page PDF held whole took 3.3 GB. Here a page is written to a
temporary file as its JSON once it is final (a table continued on the next page stitched first), leaving in
memory only its sketch (``layout.sketch``, its lines' texts and boxes) for the structure decided across
pages; the outputs are then written page by page from the spool (``export.streamed``). The JSON of a page
is stored without the four fields the cross-page structure decides (block kind, heading level, section,
paragraph), which are put in when it is read back: no page is parsed again for JSON output.
"""
from __future__ import annotations

import pickle
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic_core import to_json

from .document import Document, Page, SourceInfo
from .ingest import open_source
from .layout.sketch import BlockSketch, PageSketch
from .layout.structure import annotate_sketches
from .pipeline import OcrOptions, read_pages, source_info
from .settings import Settings

STRUCTURE_FIELDS = frozenset({"kind", "heading_level", "section", "paragraph"})
_EMPTY_BLOCKS = '\n  "blocks": [],\n'
_EMPTY_PAGES = '\n  "pages": []'


@dataclass(frozen=True)
class PageJson:
    """A page's JSON (``model_dump_json(indent=2)``) in pieces: before its blocks, each block without the
    structure fields, after its blocks."""

    head: str
    blocks: tuple[str, ...]
    tail: str

    @classmethod
    def of(cls, page: Page) -> PageJson:
        head, tail = page.model_copy(update={"blocks": []}).model_dump_json(indent=2).split(_EMPTY_BLOCKS, 1)
        return cls(head, tuple(block.model_dump_json(indent=2, exclude=STRUCTURE_FIELDS) for block in page.blocks),
                   tail)

    def text(self, sketch: PageSketch) -> str:
        """The page's JSON with the structure its sketch holds, as ``Page.model_dump_json(indent=2)`` writes it."""
        blocks = [_block_json(body, block) for body, block in zip(self.blocks, sketch.blocks, strict=True)]
        listed = "[\n    " + ",\n    ".join(block.replace("\n", "\n    ") for block in blocks) + "\n  ]" \
            if blocks else "[]"
        return f'{self.head}\n  "blocks": {listed},\n{self.tail}'


def _block_json(body: str, block: BlockSketch) -> str:
    """A block's JSON from its JSON without the structure fields, which open (kind, level) and close
    (section, paragraph) it, in the model's field order."""
    opening = to_json({"kind": block.kind, "heading_level": block.heading_level}, indent=2).decode()
    closing = to_json({"section": block.section, "paragraph": block.paragraph}, indent=2).decode()
    return f"{opening[:-2]},\n{body[2:-2]},{closing[1:]}"


def document_json(source: SourceInfo, pages: Iterator[str]) -> Iterator[str]:
    """A Document's JSON (``model_dump_json(indent=2)``) in pieces, from its pages' JSON."""
    head, tail = Document(source=source).model_dump_json(indent=2).split(_EMPTY_PAGES, 1)
    yield head + '\n  "pages": ['
    count = 0
    for count, page in enumerate(pages, 1):
        yield ("," if count > 1 else "") + "\n    " + page.replace("\n", "\n    ")
    yield ("\n  ]" if count else "]") + tail


class PageSpool:
    """Pages' JSON pieces in a temporary file, read back one at a time; compressed (a dense page's JSON is
    250 KB, 33 KB compressed in 1 ms: where the temporary folder is in memory, as a tmpfs, it counts)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - open while the document is written, closed by close()
        self._spans: list[tuple[int, int]] = []

    def append(self, page: Page) -> None:
        data = zlib.compress(pickle.dumps(PageJson.of(page), protocol=pickle.HIGHEST_PROTOCOL), 1)
        self._file.seek(0, 2)
        self._spans.append((self._file.tell(), len(data)))
        self._file.write(data)

    def __len__(self) -> int:
        return len(self._spans)

    def __getitem__(self, index: int) -> PageJson:
        start, size = self._spans[index]
        self._file.seek(start)
        return pickle.loads(zlib.decompress(self._file.read(size)))

    def close(self) -> None:
        self._file.close()


@dataclass
class StreamedDocument:
    """A document read into a spool: its source, its pages' sketches (structure decided), its pages' JSON."""

    source: SourceInfo
    sketches: list[PageSketch]
    spool: PageSpool

    def page_json(self) -> Iterator[str]:
        for index, sketch in enumerate(self.sketches):
            yield self.spool[index].text(sketch)

    def json(self) -> Iterator[str]:
        """The Document's JSON, as ``Document.model_dump_json(indent=2)``, in pieces."""
        return document_json(self.source, self.page_json())

    def pages(self) -> Iterator[Page]:
        """The full pages, one at a time (parsed back from the spool)."""
        for text in self.page_json():
            yield Page.model_validate_json(text)


@contextmanager
def read_document(path: Path, options: OcrOptions, settings: Settings,
                  on_page: Callable[[int, int], None] | None = None) -> Iterator[StreamedDocument]:
    """Read one file page by page into a spool (removed on leaving); the same pages as ``ocr_document``."""
    path = Path(path)
    spool = PageSpool()
    try:
        with open_source(path, settings, options.password) as source:
            info = source_info(path, source)
            sketches = read_pages(source, options, settings, spool.append, on_page)
            outline = source.outline()
        annotate_sketches(sketches, outline)
        yield StreamedDocument(info, sketches, spool)
    finally:
        spool.close()


__all__ = ["PageJson", "PageSpool", "StreamedDocument", "document_json", "read_document"]
