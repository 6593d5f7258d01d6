"""`socratext has`: HAS recommendations into graded statements, decision trees and their exports."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..extract.pipeline import default_engine_name
from ..has.export import write_outputs
from ..has.recommendation import read_document
from ..settings import load_settings
from .batch import run_batch


def has_command(
    files: Annotated[list[Path], typer.Argument(help="HAS recommendation PDFs.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for NAME.json, .md, .csv, .mmd, .fhir.json, .html.")],
    password: Annotated[Optional[str], typer.Option(help="Password of encrypted PDFs.")] = None,
    engine: Annotated[Optional[str], typer.Option(help="rules, or hybrid: the LLM also reads direction, condition "
                                                       "and action (default: hybrid with an LLM configured).")] = None,
) -> None:
    """Graded statements, metadata and decision trees of HAS recommendations, in six formats per document."""
    settings = load_settings()
    chosen = engine or default_engine_name(settings)

    def one(path: Path) -> None:
        recommendation = read_document(path, settings, password, chosen)
        written = write_outputs(recommendation, path.stem, output, path if path.suffix.lower() == ".pdf" else None)
        print(f"{path.name}: {len(recommendation.statements)} statements, {len(recommendation.decision_trees)} "
              f"trees -> {', '.join(p.name for p in written)}", file=sys.stderr)

    raise typer.Exit(run_batch(files, one).exit_code)
