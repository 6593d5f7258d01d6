"""Tables out: Markdown, HTML, CSV, XLSX, JSON; and a page's blocks with its tables in reading order,
for the Markdown and HTML renderings of whole documents."""
from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator

from pydantic import BaseModel

from ..document import Block, Document, Page, Table


def page_items(page: Page) -> Iterator[Block | Table]:
    """The page's blocks, without the lines its tables took, and each table where it starts."""
    table_words = {index for table in page.tables for cell in table.cells if cell.page == page.index
                   for index in cell.words}
    tables = sorted(page.tables, key=lambda table: table.bbox.y0)
    position = 0
    for block in page.blocks:
        lines = []
        for line in block.lines:
            indices = range(position, position + len(line.words))
            position += len(line.words)
            if not line.words or not all(index in table_words for index in indices):
                lines.append(line)
        while tables and tables[0].bbox.y0 <= block.bbox.y0:
            yield tables.pop(0)
        if lines:
            yield block if len(lines) == len(block.lines) else block.model_copy(update={"lines": lines})
    yield from tables


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>").strip()


def table_markdown(table: Table) -> str:
    """A pipe table; the header rows joined into the one Markdown allows, spanned cells left blank."""
    grid = table.grid()
    if not grid:
        return ""
    header_rows = max(1, table.header_rows)
    header = [" ".join(filter(None, (grid[row][col] for row in range(min(header_rows, len(grid))))))
              for col in range(table.n_cols)] if table.header_rows else [""] * table.n_cols
    body = grid[table.header_rows:]
    lines = ["| " + " | ".join(_markdown_cell(text) for text in header) + " |",
             "|" + "|".join("---:" if kind == "number" else "---" for kind in table.column_types or
                            ["text"] * table.n_cols) + "|"]
    lines += ["| " + " | ".join(_markdown_cell(text) for text in row) + " |" for row in body]
    return "\n".join(lines)


def table_html(table: Table) -> str:
    """A <table> with row and column spans, header cells as <th>."""
    rows: list[list[str]] = [[] for _ in range(table.n_rows)]
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        tag = "th" if cell.header else "td"
        spans = (f' rowspan="{cell.row_span}"' if cell.row_span > 1 else "") + \
                (f' colspan="{cell.col_span}"' if cell.col_span > 1 else "")
        rows[cell.row].append(f"<{tag}{spans}>{html.escape(cell.text).replace(chr(10), '<br>')}</{tag}>")
    body = "\n".join(f"<tr>{''.join(row)}</tr>" for row in rows)
    return f"<table>\n{body}\n</table>"


def table_csv(table: Table) -> str:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(table.grid())
    return stream.getvalue()


def table_json(table: Table) -> str:
    return table.model_dump_json(indent=2)


def tables_xlsx(tables: list[tuple[str, Table]]) -> bytes:
    """A workbook with one sheet per (name, table): numbers as numbers, spans merged, headers bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, table in tables:
        sheet = workbook.create_sheet(title=name[:31])
        for cell in table.cells:
            target = sheet.cell(row=cell.row + 1, column=cell.col + 1)
            numeric = cell.value is not None and not cell.header
            target.value = cell.value if numeric else cell.text
            if cell.header:
                target.font = Font(bold=True)
            if cell.row_span > 1 or cell.col_span > 1:
                sheet.merge_cells(start_row=cell.row + 1, start_column=cell.col + 1,
                                  end_row=cell.row + cell.row_span, end_column=cell.col + cell.col_span)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def named_tables(document: Document) -> list[tuple[str, Table]]:
    """Every table of a document with its name: page number and position on the page ('p2-t1')."""
    return [(f"p{page.index + 1}-t{position}", table) for page in document.pages
            for position, table in enumerate(sorted(page.tables, key=lambda t: (t.bbox.y0, t.bbox.x0)), start=1)]


class NamedTable(BaseModel):
    name: str
    table: Table


class DocumentTables(BaseModel):
    """The tables of one document, as ``POST /v1/tables`` answers."""

    filename: str
    page_count: int
    tables: list[NamedTable]


def document_tables(document: Document) -> DocumentTables:
    return DocumentTables(filename=document.source.filename, page_count=document.source.page_count,
                          tables=[NamedTable(name=name, table=table) for name, table in named_tables(document)])


TABLE_FORMATS = {"csv": (table_csv, ".csv"), "json": (table_json, ".json"), "html": (table_html, ".html"),
                 "markdown": (table_markdown, ".md")}
