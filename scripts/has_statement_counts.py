"""Statement counts, grades and timing of the rules on the shared HAS recommendations (no gold needed).

Until ``eval run --dataset has`` scores against gold, this measures what can be counted: numbered
recommendations found (R.x printed at a row start) and the share of them graded, per document, with
read and extraction times (wall clock and CPU: the machine may be shared). Writes eval/results/has_statements.json.

    PYTHONPATH=. python scripts/has_statement_counts.py [DATASETS_DIR]
"""
from __future__ import annotations

import json
import os
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path

from socratext_llm.has.statements import extract_metadata, extract_statements
from socratext_llm.pipeline import OcrOptions, ocr_document
from socratext_llm.settings import load_settings

PRINTED = re.compile(r"(?m)^\s*(?:(?:A|B|C|AE)\s+)?R\.\s?(\d{1,3})\b")


def main() -> None:
    datasets = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "datasets"
    settings = load_settings(datasets_dir=datasets)
    results = []
    for path in sorted((datasets / "has").glob("*.pdf")):
        start, cpu_start = time.perf_counter(), time.process_time()
        document = ocr_document(path, OcrOptions(), settings)
        read = time.perf_counter() - start
        statements = extract_statements(document)
        metadata = extract_metadata(document)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        printed = {int(m.group(1)) for page in document.pages for m in PRINTED.finditer(page.text)}
        found = {int(s.id.split(".")[1]) for s in statements if s.id}
        numbered = [s for s in statements if s.id]
        results.append({
            "document": path.name, "pages": len(document.pages), "read_s": round(read, 2),
            "total_s": round(seconds, 2), "cpu_s": round(cpu_seconds, 2), "statements": len(statements),
            "printed_ids": len(printed), "ids_found": len(printed & found),
            "numbered_graded_share": round(sum(s.grade is not None for s in numbered) / len(numbered), 3)
            if numbered else None,
            "grades": dict(Counter(f"{s.grade}/{s.grade_source}" for s in statements)),
            "metadata": metadata.model_dump(),
        })
        print(json.dumps(results[-1], ensure_ascii=False))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = Path(__file__).resolve().parents[1] / "eval" / "results" / "has_statements.json"
    out.write_text(json.dumps({"peak_rss_mb": round(peak_mb), "load_average": os.getloadavg()[0], "documents": results}, ensure_ascii=False, indent=2)
                   + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
