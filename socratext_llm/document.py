"""The document model every stage takes and returns.

Document → Page → Block → Line → Word. Boxes are in page pixels (for a PDF
text layer: pixels at the page's nominal dpi) and also normalised to 0–1000
as LayoutLM expects, so downstream models need no page size.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1"  # 1.1: Page.codes (MRZ, 2D-Doc)


class Extent:
    """Width and height of a box given by ``x0, y0, x1, y1`` (the model's boxes, and the slotted ones of
    page sketches, ``layout/sketch.py``)."""

    __slots__ = ()

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


class BBox(BaseModel, Extent):
    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    def union(self, other: BBox) -> BBox:
        return BBox(x0=min(self.x0, other.x0), y0=min(self.y0, other.y0),
                    x1=max(self.x1, other.x1), y1=max(self.y1, other.y1))

    def iou(self, other: BBox) -> float:
        ix = max(0.0, min(self.x1, other.x1) - max(self.x0, other.x0))
        iy = max(0.0, min(self.y1, other.y1) - max(self.y0, other.y0))
        inter = ix * iy
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def normalised(self, page_width: float, page_height: float) -> BBox:
        """0–1000 integer grid, as LayoutLM-style models take."""
        def scale(value: float, size: float) -> float:
            return float(min(1000, max(0, round(1000 * value / size))))
        return BBox(x0=scale(self.x0, page_width), y0=scale(self.y0, page_height),
                    x1=scale(self.x1, page_width), y1=scale(self.y1, page_height))

    @classmethod
    def enclosing(cls, boxes: list[BBox]) -> BBox:
        return BBox(x0=min(b.x0 for b in boxes), y0=min(b.y0 for b in boxes),
                    x1=max(b.x1 for b in boxes), y1=max(b.y1 for b in boxes))


class Word(BaseModel):
    text: str
    bbox: BBox
    bbox_norm: BBox
    confidence: float = Field(ge=0.0, le=1.0)
    order: int = 0


class Line(BaseModel):
    text: str
    bbox: BBox
    bbox_norm: BBox
    confidence: float = Field(ge=0.0, le=1.0)
    order: int = 0
    words: list[Word] = Field(default_factory=list)
    font_size: float | None = Field(None, description="Largest font size in points (text layer only).")
    bold: bool = False


BlockKind = Literal["paragraph", "heading", "list_item", "table", "figure", "caption", "page_header",
                    "page_footer"]
FURNITURE: frozenset[str] = frozenset({"page_header", "page_footer"})


class Block(BaseModel):
    kind: BlockKind = "paragraph"
    heading_level: int | None = Field(None, ge=1, le=6)
    bbox: BBox
    bbox_norm: BBox
    order: int = 0
    lines: list[Line] = Field(default_factory=list)
    section: list[str] = Field(default_factory=list,
                               description="Headings enclosing the block, outermost first.")
    paragraph: int | None = Field(
        None, description="Document-wide index of the logical paragraph the block belongs to: blocks sharing it "
                          "are one paragraph cut by a column or page break (or a cell printed beside it).")

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


CodeKind = Literal["mrz", "2d-doc"]


class MachineReadable(BaseModel):
    """A machine-readable zone or barcode read on a page (MRZ, 2D-Doc): its text, where, and who read it.

    Kept apart from the lines: it is read by other means (check digits, a DataMatrix decoder) and
    carries more authority than the OCR text around it.
    """

    kind: CodeKind
    text: str = Field(description="MRZ: its lines joined by newlines; 2D-Doc: the raw message, control characters kept.")
    bbox: BBox
    line_boxes: list[BBox] = Field(default_factory=list, description="MRZ: one box per line, top to bottom.")
    reader: str = Field(description="e.g. 'ocr+tesseract-mrz' or 'zxing-cpp'.")


class Page(BaseModel):
    index: int = Field(ge=0, description="0-based position in the document.")
    width_pt: float
    height_pt: float
    width_px: int
    height_px: int
    dpi: float
    rotation: int = Field(0, description="Rotation applied to make the page upright (0, 90, 180, 270).")
    skew_angle: float = Field(0.0, description="Deskew angle applied, in degrees.")
    text_source: str = Field(description="'text-layer' or 'ocr:<engine>'.")
    blocks: list[Block] = Field(default_factory=list)
    codes: list[MachineReadable] = Field(default_factory=list, description="MRZ and 2D-Doc read on the page.")
    drawings: list[DrawnShape] = Field(default_factory=list, description="Vector shapes (born-digital pages).")
    tables: list[Table] = Field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [line for block in self.blocks for line in block.lines]

    @property
    def words(self) -> list[Word]:
        return [word for line in self.lines for word in line.words]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class SourceInfo(BaseModel):
    filename: str
    media_type: str
    sha256: str
    page_count: int


class Document(BaseModel):
    schema_version: str = SCHEMA_VERSION
    source: SourceInfo
    pages: list[Page] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\f".join(page.text for page in self.pages)


# --- Drawn regions and tables (layout stage: graphics and tables) ---------------------------------

DrawnShapeKind = Literal["rect", "line", "polyline", "curve"]


class DrawnShape(BaseModel):
    """A vector shape of a born-digital page, in page pixels (as words), coordinates to 0.1 px.

    Rules of ruled tables, cell shadings and boxes of forms come from these. Colours are
    ``#rrggbb`` (None: not filled / not stroked).
    """

    kind: DrawnShapeKind
    bbox: BBox
    points: list[tuple[float, float]] = Field(
        default_factory=list, description="Vertices of lines and polylines, control points of curves; "
                                          "empty for rectangles (the box says it all).")
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float | None = None


class TableCell(BaseModel):
    """One cell; ``row``/``col`` are 0-based grid positions of its top-left slot."""

    row: int = Field(ge=0)
    col: int = Field(ge=0)
    row_span: int = Field(1, ge=1)
    col_span: int = Field(1, ge=1)
    header: bool = False
    text: str = Field("", description="The cell's text as printed (raw).")
    value: float | None = Field(None, description="The number the text prints (French formats), if any.")
    bbox: BBox
    page: int = Field(ge=0, description="0-based page the cell is printed on.")
    words: list[int] = Field(default_factory=list,
                             description="Positions in Page.words of the cell's page: its provenance.")


class Table(BaseModel):
    page: int = Field(ge=0, description="0-based page where the table starts.")
    pages: list[int] = Field(default_factory=list, description="Every page it spans (stitched tables).")
    bbox: BBox = Field(description="Box on its first page.")
    n_rows: int = Field(ge=0)
    n_cols: int = Field(ge=0)
    header_rows: int = Field(0, ge=0)
    method: str = Field(description="How it was found: 'ruled', 'unruled', 'model:<name>'.")
    column_types: list[Literal["number", "text", "empty"]] = Field(default_factory=list)
    cells: list[TableCell] = Field(default_factory=list)

    def grid(self) -> list[list[str]]:
        """Rows of cell texts, a spanning cell's text in its top-left slot and '' in the others."""
        rows = [["" for _ in range(self.n_cols)] for _ in range(self.n_rows)]
        for cell in self.cells:
            if cell.row < self.n_rows and cell.col < self.n_cols:
                rows[cell.row][cell.col] = cell.text
        return rows


Page.model_rebuild()
Document.model_rebuild()
