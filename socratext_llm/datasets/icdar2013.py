"""ICDAR 2013 table competition: born-digital PDFs with table regions (``-reg.xml``) and cell
structures (``-str.xml``). Boxes there are PDF points from the page's bottom-left corner."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from ..document import BBox
from ..settings import Settings
from . import dataset_dir


@dataclass(frozen=True)
class GoldRegion:
    page: int  # 0-based
    box_pt: tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points, y upwards

    def box_px(self, page_height_pt: float, dpi: float) -> BBox:
        """The region in page pixels from the top-left corner, as our documents hold boxes."""
        scale = dpi / 72.0
        x0, y0, x1, y1 = self.box_pt
        return BBox(x0=x0 * scale, y0=(page_height_pt - y1) * scale, x1=x1 * scale, y1=(page_height_pt - y0) * scale)


@dataclass(frozen=True)
class GoldTable:
    regions: list[GoldRegion]
    cells: list[tuple[int, int, int, int, str]]  # start row, end row, start col, end col, content


def _box(element: ElementTree.Element) -> tuple[float, float, float, float]:
    box = element.find("bounding-box")
    values = [float(box.get(name, "0")) for name in ("x1", "y1", "x2", "y2")] if box is not None else [0, 0, 0, 0]
    return min(values[0], values[2]), min(values[1], values[3]), max(values[0], values[2]), max(values[1], values[3])


def read_gold(pdf: Path) -> list[GoldTable]:
    """The tables of one competition PDF: regions from ``-reg.xml``, cells from ``-str.xml``."""
    region_root = ElementTree.parse(pdf.with_name(f"{pdf.stem}-reg.xml")).getroot()
    structure_root = ElementTree.parse(pdf.with_name(f"{pdf.stem}-str.xml")).getroot()
    region_tables = region_root.findall("table")
    tables = []
    for number, table in enumerate(structure_root.findall("table")):
        source = region_tables[number] if number < len(region_tables) else table
        regions = [GoldRegion(int(region.get("page", "1")) - 1, _box(region)) for region in source.findall("region")]
        cells = []
        row_offset = 0
        for region in table.findall("region"):
            rows = [int(cell.get("end-row", cell.get("start-row", "0"))) for cell in region.findall("cell")]
            for cell in region.findall("cell"):
                start_row, start_col = int(cell.get("start-row", "0")), int(cell.get("start-col", "0"))
                end_row = int(cell.get("end-row", start_row))
                end_col = int(cell.get("end-col", start_col))
                cells.append((start_row + row_offset, end_row + row_offset, start_col, end_col,
                              cell.findtext("content", "")))
            row_offset += max(rows, default=-1) + 1
        tables.append(GoldTable(regions, cells))
    return tables


def iter_documents(settings: Settings, limit: int | None = None) -> Iterator[Path]:
    folder = dataset_dir(settings, "icdar2013")
    pdfs = [pdf for pdf in sorted(folder.glob("*.pdf")) if pdf.with_name(f"{pdf.stem}-str.xml").exists()]
    yield from pdfs[:limit]
