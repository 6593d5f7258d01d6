"""`socratext tables`: every table of the documents, one file each (xlsx: one sheet each)."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..export.tables import TABLE_FORMATS, named_tables, tables_xlsx
from ..pipeline import OcrOptions, ocr_document
from ..settings import load_settings
from .batch import run_batch

TableFormat = Enum("TableFormat", {name: name for name in (*TABLE_FORMATS, "xlsx")}, type=str)


def tables_command(
    files: Annotated[list[Path], typer.Argument(help="PDF or image files.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the table files.")] = Path("."),
    format: Annotated[TableFormat, typer.Option("--format", "-f", help="csv, xlsx, json, html or markdown.")] = "csv",
    engine: Annotated[str | None, typer.Option(help="OCR engine for scanned pages.")] = None,
    password: Annotated[str | None, typer.Option(help="Password of encrypted PDFs.")] = None,
) -> None:
    """Find the tables and write each one as <file>-p<page>-t<position>.<ext> (xlsx: <file>.xlsx, a sheet each)."""
    settings = load_settings()
    options = OcrOptions(engine=engine, password=password)
    kind = TableFormat(format).value
    output.mkdir(parents=True, exist_ok=True)

    def one(path: Path) -> None:
        tables = named_tables(ocr_document(path, options, settings))
        if kind == "xlsx":
            if tables:
                (output / f"{path.stem}.xlsx").write_bytes(tables_xlsx(tables))
        else:
            render, extension = TABLE_FORMATS[kind]
            for name, table in tables:
                text = render(table)
                (output / f"{path.stem}-{name}{extension}").write_text(text if text.endswith("\n") else text + "\n",
                                                                       encoding="utf-8")
        print(f"{path.name}: {len(tables)} table(s)", file=sys.stderr)

    raise typer.Exit(run_batch(files, one).exit_code)
