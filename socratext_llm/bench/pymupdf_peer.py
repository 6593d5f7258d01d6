"""PyMuPDF's table finder (`page.find_tables()`) as a peer of `socratext bench tables`.

Imports nothing from the project, so that it also runs as a script under another interpreter: a
virtual environment holding another PyMuPDF (2.0, with its layout and table-grid ONNX models),
while the project's own PyMuPDF stays as pinned.

    python pymupdf_peer.py [--layout] FILE.pdf...

prints {"version": ..., "documents": {path: {"seconds": s, "pages": n, "tables": [[page,
[x0, top, x1, bottom], rows], ...]}}}, boxes in points from the page's top, rows of cell texts
(None where a merged cell continues).
"""
from __future__ import annotations

import json
import sys
import time


def find_tables(path: str, layout: bool = False) -> dict:
    """The tables PyMuPDF finds in one PDF, and the seconds it took."""
    import pymupdf

    if layout:
        import pymupdf.layout  # (PyMuPDF 2.0: the layout model gates and completes the tables)
    start = time.perf_counter()
    tables = []
    with pymupdf.open(path) as document:
        pages = document.page_count
        for number, page in enumerate(document):
            for table in page.find_tables().tables:
                tables.append([number, list(table.bbox), table.extract()])
    return {"seconds": time.perf_counter() - start, "pages": pages, "tables": tables}


def main(arguments: list[str]) -> None:
    import pymupdf

    layout = "--layout" in arguments
    documents = {path: find_tables(path, layout) for path in arguments if not path.startswith("--")}
    json.dump({"version": pymupdf.VersionBind, "documents": documents}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
