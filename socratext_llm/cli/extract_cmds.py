"""`socratext extract` and `socratext schemas`."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from tqdm import tqdm

from ..errors import SocratextError
from ..extract.pipeline import ExtractOptions, extract_file, resolve_doctype
from ..extract.result import ExtractionResult
from ..extract.schemas import SchemaRegistry, load_schema_file
from ..pipeline import OcrOptions
from ..settings import load_settings
from .batch import report, run_batch

schemas_app = typer.Typer(help="Document types (JSON Schemas): list, show, validate.", no_args_is_help=True)


def csv_row(path: Path, result: ExtractionResult | None, error: SocratextError | None, fields: list[str]) -> dict:
    row = {"file": path.name, "status": result.status if result else "failure",
           "error": error.one_line() if error else ""}
    for name in fields:
        value = result.data.get(name) if result else None
        row[name] = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
    return row


def extract_command(
    files: Annotated[list[Path], typer.Argument(help="PDF or image files.")],
    schema: Annotated[str, typer.Option(help="Document type name (see `socratext schemas list`) or schema file.")],
    engine: Annotated[Optional[str], typer.Option(help="rules, llm, outlines or hybrid (default: hybrid with an LLM configured, else rules).")] = None,
    ocr_engine: Annotated[Optional[str], typer.Option(help="OCR engine for scanned pages.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="json, jsonl or csv.")] = "json",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Output file (jsonl, csv) or folder (json).")] = None,
    password: Annotated[Optional[str], typer.Option(help="Password of encrypted PDFs.")] = None,
) -> None:
    """Extract JSON that follows a document type's schema, with evidence and checks."""
    settings = load_settings()
    if format not in ("json", "jsonl", "csv"):
        report(SocratextError(f"unknown format '{format}'", hint="choose json, jsonl or csv"))
        raise typer.Exit(2)
    try:
        doctype = resolve_doctype(schema, settings)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None
    options = ExtractOptions(schema=doctype.name, engine=engine, ocr=OcrOptions(engine=ocr_engine, password=password))
    many = len(files) > 1
    stream = sys.stdout if output is None or format == "json" else output.open("w", encoding="utf-8", newline="")
    fields = list(doctype.fields)
    writer = csv.DictWriter(stream, fieldnames=["file", "status", "error", *fields]) if format == "csv" else None
    if writer:
        writer.writeheader()
    progress = tqdm(files, unit="file", disable=None if many else True, file=sys.stderr, leave=False)

    def one(path: Path) -> None:
        try:
            result = extract_file(path, options, settings, doctype)
        except SocratextError as error:
            if writer:
                writer.writerow(csv_row(path, None, error, fields))
            elif format == "jsonl":
                stream.write(json.dumps({"file": path.name, "status": "failure", "error": {
                    "code": error.code, "message": error.one_line()}}, ensure_ascii=False) + "\n")
            raise
        finally:
            progress.update(1)
        if writer:
            writer.writerow(csv_row(path, result, None, fields))
        elif format == "jsonl":
            stream.write(result.model_dump_json() + "\n")
        elif output is not None:
            folder = output if many or output.is_dir() or not output.suffix else None
            target = (folder / f"{path.stem}.json") if folder else output
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(result.model_dump_json(indent=2), encoding="utf-8")
        else:
            stream.write(result.model_dump_json(indent=None if many else 2) + "\n")
        stream.flush()

    outcome = run_batch(files, one)
    progress.close()
    if stream is not sys.stdout:
        stream.close()
    raise typer.Exit(outcome.exit_code)


@schemas_app.command("list")
def schemas_list() -> None:
    """Document types available, with their titles."""
    registry = SchemaRegistry(load_settings())
    for name in registry.names():
        try:
            print(f"{name}\t{registry.get(name).title}")
        except SocratextError as error:
            report(error)


@schemas_app.command("show")
def schemas_show(name: Annotated[str, typer.Argument(help="Document type name or schema file.")]) -> None:
    """Print a document type's JSON Schema."""
    try:
        doctype = SchemaRegistry(load_settings()).get(name)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None
    print(json.dumps(doctype.schema, ensure_ascii=False, indent=2))


@schemas_app.command("validate")
def schemas_validate(paths: Annotated[list[Path], typer.Argument(help="Schema files to check.")]) -> None:
    """Check schema files: valid JSON Schema 2020-12, object root, known hints."""
    def check(path: Path) -> None:
        doctype = load_schema_file(path)
        print(f"{path}: ok ({len(doctype.fields)} fields)")

    raise typer.Exit(run_batch(paths, check).exit_code)


__all__ = ["extract_command", "schemas_app"]
