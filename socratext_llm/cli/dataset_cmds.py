"""`socratext datasets`: generated gold sets (never committed: they go to an ignored build folder)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

datasets_app = typer.Typer(help="Generated gold sets for the evaluation harness.", no_args_is_help=True)


@datasets_app.command("synthetic-fr")
def synthetic_fr(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write (e.g. build/synthetic_fr).")] = Path("build/synthetic_fr"),
    seed: Annotated[int, typer.Option(help="Same seed, same documents.")] = 0,
    count: Annotated[int, typer.Option(min=1, max=10_000, help="Documents per type and variant.")] = 10,
) -> None:
    """French payslips, rent receipts, tax notices, RIBs, bank statements, invoices and ID-card specimens,
    born-digital PDF and degraded scans, each with its gold JSON (`eval run --dataset synthetic_fr`)."""
    from ..datasets.synthetic_fr import generate

    documents = generate(output, seed, count)
    print(f"{len(documents)} documents with their gold in {output}")
