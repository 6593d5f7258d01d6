"""`socratext extract` and `socratext schemas`."""
from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

import typer
from tqdm import tqdm

from ..errors import InternalError, MissingInputError, SocratextError
from ..evaluation.backends import run_local, threads_per_worker
from ..evaluation.gold import DOCUMENT_SUFFIXES
from ..ingest import display_name
from ..extract.pipeline import AUTO, ExtractOptions, extract_file, resolve_doctype
from ..extract.schemas import SchemaRegistry, load_schema_file
from ..pipeline import OcrOptions
from ..settings import Settings, load_settings
from .batch import report, run_batch

schemas_app = typer.Typer(help="Document types (JSON Schemas): list, show, validate.", no_args_is_help=True)


def csv_row(path: Path, result: dict | None, error: dict | None, fields: list[str] | None) -> dict:
    """One CSV row: a column per field of the named type, or, with `auto` (types differ from row to
    row), the chosen type and the data as JSON."""
    row = {"file": display_name(path), "status": result["status"] if result else "failure",
           "error": error["message"] if error else ""}
    if fields is None:
        row["schema"] = result["schema_name"] if result else ""
        row["data"] = json.dumps(result["data"], ensure_ascii=False) if result else ""
        return row
    for name in fields:
        value = result["data"].get(name) if result else None
        row[name] = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
    return row


def expand_inputs(files: list[Path], files_from: Path | None) -> list[Path]:
    """Files as given, folders as the documents inside them (sorted), plus the lines of a list file.
    A path that does not exist stays in the list, so that it is reported like any other bad input."""
    listed = list(files)
    if files_from is not None:
        listed += [Path(line.strip()) for line in files_from.read_text(encoding="utf-8").splitlines() if line.strip()]
    paths: list[Path] = []
    for path in listed:
        if path.is_dir():
            paths += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)
        else:
            paths.append(path)
    return paths


@dataclass(frozen=True)
class ExtractJob:
    options: ExtractOptions
    settings: Settings


def extract_one(path: Path, job: ExtractJob) -> dict:
    """One file's result or error as plain data: runs in this process or in a worker."""
    try:
        result = extract_file(path, job.options, job.settings)
    except Exception as error:  # noqa: BLE001 — one file's failure, reported as a record, never the batch's
        return extraction_failed(path, error)
    return {"path": str(path), "result": result.model_dump(mode="json")}


def extraction_failed(path: Path, error: BaseException) -> dict:
    """A failure record naming the file (as it can be printed) and, for a bug of ours, its type only."""
    known = error if isinstance(error, SocratextError) else InternalError.during(error, display_name(path))
    return {"path": str(path), "error": {"code": known.code, "message": known.one_line(), "exit_code": known.exit_code}}


def extract_command(
    files: Annotated[Optional[list[Path]], typer.Argument(help="PDF or image files, or folders of them.")] = None,
    schema: Annotated[str, typer.Option(help="Document type name (see `socratext schemas list`) or schema file.")] = ...,
    engine: Annotated[Optional[str], typer.Option(help="rules, llm, outlines or hybrid (default: hybrid with an LLM configured, else rules).")] = None,
    ocr_engine: Annotated[Optional[str], typer.Option(help="OCR engine for scanned pages.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="json, jsonl or csv.")] = "json",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Output file (jsonl, csv) or folder (json).")] = None,
    password: Annotated[Optional[str], typer.Option(help="Password of encrypted PDFs.")] = None,
    files_from: Annotated[Optional[Path], typer.Option(help="A file listing one input path per line.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Files processed in parallel (processes).")] = 1,
) -> None:
    """Extract JSON that follows a document type's schema, with evidence and checks."""
    settings = load_settings()
    if format not in ("json", "jsonl", "csv"):
        report(SocratextError(f"unknown format '{format}'", hint="choose json, jsonl or csv"))
        raise typer.Exit(2)
    try:
        doctype = resolve_doctype(schema, settings)
        paths = expand_inputs(files or [], files_from)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None
    except OSError as error:
        report(SocratextError(f"cannot read the file list {files_from} ({error.strerror})", hint="check the path"))
        raise typer.Exit(MissingInputError.exit_code) from None
    if not paths:
        report(MissingInputError("no input files", hint="give files, folders of documents or --files-from LIST"))
        raise typer.Exit(MissingInputError.exit_code)
    schema_ref = AUTO if doctype is None else doctype.path or doctype.name
    job = ExtractJob(ExtractOptions(schema=schema_ref, engine=engine, ocr=OcrOptions(engine=ocr_engine, password=password)),
                     settings.model_copy(update={"ocr_threads": threads_per_worker(workers)}) if workers > 1 else settings)
    many = len(paths) > 1
    stream = sys.stdout if output is None or format == "json" else output.open("w", encoding="utf-8", newline="")
    fields = list(doctype.fields) if doctype else None
    columns = ["file", "status", "error", *(fields if fields is not None else ["schema", "data"])]
    writer = csv.DictWriter(stream, fieldnames=columns) if format == "csv" else None
    if writer:
        writer.writeheader()
    progress = tqdm(total=len(paths), unit="file", disable=None if many else True, file=sys.stderr)
    failures: list[dict] = []
    position = {str(path): index for index, path in reversed(list(enumerate(paths)))}
    for record in run_local(extract_one, paths, job, workers, extraction_failed):
        path, result, error = Path(record["path"]), record.get("result"), record.get("error")
        progress.update(1)
        if error:
            failures.append({**error, "position": position.get(record["path"], len(paths))})
            print(f"socratext: error: {error['message']}", file=sys.stderr)
        if writer:
            writer.writerow(csv_row(path, result, error, fields))
        elif format == "jsonl":
            line = result if result else {"file": display_name(path), "status": "failure", "error": {
                "code": error["code"], "message": error["message"]}}
            stream.write(json.dumps(line, ensure_ascii=False) + "\n")
        elif result and output is not None:
            folder = output if many or output.is_dir() or not output.suffix else None
            target = (folder / f"{path.stem}.json") if folder else output
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        elif result:
            stream.write(json.dumps(result, ensure_ascii=False, indent=None if many else 2) + "\n")
        stream.flush()
    progress.close()
    if stream is not sys.stdout:
        stream.close()
    if failures and many:
        print(f"socratext: {len(paths) - len(failures)} of {len(paths)} files done, {len(failures)} failed",
              file=sys.stderr)
    # the exit code of the first failing input in the order given, however the workers finished
    raise typer.Exit(min(failures, key=lambda f: f["position"])["exit_code"] if failures else 0)


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
