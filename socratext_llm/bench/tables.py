"""`socratext bench tables`: born-digital tables of ICDAR 2013 read by ours, Camelot (lattice and
stream), pdfplumber and PyMuPDF's `find_tables()` (the installed version; and another one, such as
2.0 with its layout models, run from another virtual environment with ``pymupdf_python``), on the
same PDFs in the same run, scored alike (adjacency relations with their content; regions by area
overlap); and PubTabNet TEDS for our scanned-table path.

Figures go to eval/results/tables.json and tables.md.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ..datasets.icdar2013 import GoldTable, iter_documents, read_gold
from ..document import BBox
from ..errors import EngineUnavailableError
from ..metrics import CellSpec, document_mean_prf, precision_recall_f1, region_overlap, relation_counts
from ..pipeline import OcrOptions, ocr_document
from ..settings import Settings

PageTables = dict[int, list[tuple[BBox, list[CellSpec]]]]  # page → (region in points from the top, cells)


def _grid_cells(rows: list[list[str | None]]) -> list[CellSpec]:
    return [(r, r, c, c, text or "") for r, row in enumerate(rows) for c, text in enumerate(row) if text]


def ours(pdf: Path, settings: Settings) -> PageTables:
    document = ocr_document(pdf, OcrOptions(), settings)
    found: PageTables = {}
    for page in document.pages:
        scale = 72.0 / page.dpi
        for table in page.tables:
            box = BBox(x0=table.bbox.x0 * scale, y0=table.bbox.y0 * scale, x1=table.bbox.x1 * scale,
                       y1=table.bbox.y1 * scale)
            cells = [(c.row, c.row + c.row_span - 1, c.col, c.col + c.col_span - 1, c.text) for c in table.cells]
            found.setdefault(page.index, []).append((box, cells))
    return found


def camelot_reader(flavor: str) -> Callable[[Path, Settings], PageTables]:
    def read(pdf: Path, settings: Settings) -> PageTables:
        import camelot
        import pymupdf

        with pymupdf.open(pdf) as document:
            heights = [page.rect.height for page in document]
        found: PageTables = {}
        for table in camelot.read_pdf(str(pdf), pages="all", flavor=flavor):
            page = int(table.page) - 1
            x0, y0, x1, y1 = table._bbox
            box = BBox(x0=x0, y0=heights[page] - y1, x1=x1, y1=heights[page] - y0)
            found.setdefault(page, []).append((box, _grid_cells(table.df.values.tolist())))
        return found
    return read


def pdfplumber_reader(pdf: Path, settings: Settings) -> PageTables:
    import pdfplumber

    found: PageTables = {}
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages):
            for table in page.find_tables():
                x0, top, x1, bottom = table.bbox
                found.setdefault(number, []).append((BBox(x0=x0, y0=top, x1=x1, y1=bottom), _grid_cells(table.extract())))
    return found


def _pymupdf_tables(found: dict) -> PageTables:
    tables: PageTables = {}
    for page, (x0, top, x1, bottom), rows in found["tables"]:
        tables.setdefault(page, []).append((BBox(x0=x0, y0=top, x1=x1, y1=bottom), _grid_cells(rows)))
    return tables


def pymupdf_reader(pdf: Path, settings: Settings) -> PageTables:
    """`page.find_tables()` of the PyMuPDF installed with the project."""
    from .pymupdf_peer import find_tables

    return _pymupdf_tables(find_tables(str(pdf)))


READERS: dict[str, Callable[[Path, Settings], PageTables]] = {
    "socratext": ours, "camelot-lattice": camelot_reader("lattice"), "camelot-stream": camelot_reader("stream"),
    "pdfplumber": pdfplumber_reader, "pymupdf": pymupdf_reader}


def peer_pymupdf(python: Path, pdfs: list[Path]) -> tuple[str, dict[Path, tuple[PageTables, float]]]:
    """PyMuPDF's tables from another interpreter (its version, and per PDF the tables and seconds per
    page, timed inside that process: the models load once, before the first PDF)."""
    script = Path(__file__).with_name("pymupdf_peer.py")
    try:
        completed = subprocess.run([str(python), str(script), "--layout", *map(str, pdfs)], capture_output=True,
                                   text=True, check=True, timeout=4 * 3600)
        output = json.loads(completed.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        raise EngineUnavailableError(f"the PyMuPDF peer at {python} did not run",
                                     hint="a virtual environment with pymupdf>=2 and pymupdf4llm") from error
    documents = {Path(path): (_pymupdf_tables(found), found["seconds"] / max(1, found["pages"]))
                 for path, found in output["documents"].items()}
    return f"pymupdf-{output['version']}-layout", documents


def _gold_regions(gold: list[GoldTable], page: int, height: float) -> list[BBox]:
    return [region.box_px(height, 72.0) for table in gold for region in table.regions if region.page == page]


def score_document(pdf: Path, found: PageTables) -> Counter:
    import pymupdf

    gold = read_gold(pdf)
    counts = Counter(relation_counts([table.cells for table in gold],
                                     [cells for tables in found.values() for _, cells in tables]))
    with pymupdf.open(pdf) as document:
        for number, page in enumerate(document):
            areas = region_overlap(_gold_regions(gold, number, page.rect.height),
                                   [box for box, _ in found.get(number, [])])
            counts.update(areas)
    counts["tables_gold"] += len(gold)
    counts["tables_predicted"] += sum(len(tables) for tables in found.values())
    return counts


def _summary(per_document: list[Counter], seconds_per_page: list[float]) -> dict:
    total: Counter = Counter()
    for counts in per_document:
        total.update(counts)

    return {
        "structure": {"pooled": precision_recall_f1(total["relations_correct"], total["relations_predicted"],
                                                    total["relations_gold"]),
                      "document_mean": document_mean_prf(per_document, "relations_correct", "relations_predicted", "relations_gold")},
        "regions": {"pooled": precision_recall_f1(total["area_overlap"], total["area_predicted"], total["area_gold"]),
                    "document_mean": document_mean_prf(per_document, "area_overlap", "area_predicted", "area_gold")},
        "tables_gold": total["tables_gold"], "tables_predicted": total["tables_predicted"],
        "seconds_per_page": {"mean": round(statistics.mean(seconds_per_page), 3),
                             "p95": round(sorted(seconds_per_page)[int(0.95 * (len(seconds_per_page) - 1))], 3)},
    }


def bench_icdar(settings: Settings, limit: int | None, readers: list[str], pymupdf_python: Path | None = None) -> dict:
    import pymupdf

    pdfs = list(iter_documents(settings, limit))
    results = {}
    for name in readers:
        per_document, per_page = [], []
        for pdf in pdfs:
            with pymupdf.open(pdf) as document:
                pages = document.page_count
            start = time.perf_counter()
            found = READERS[name](pdf, settings)
            per_page.append((time.perf_counter() - start) / pages)
            per_document.append(score_document(pdf, found))
        results[name] = _summary(per_document, per_page)
    if "pymupdf" in results:
        results[f"pymupdf-{pymupdf.VersionBind}"] = results.pop("pymupdf")
    if pymupdf_python is not None:
        name, documents = peer_pymupdf(pymupdf_python, pdfs)
        results[name] = _summary([score_document(pdf, documents[pdf][0]) for pdf in pdfs],
                                 [documents[pdf][1] for pdf in pdfs])
    return {"dataset": f"icdar2013 ({len(pdfs)} PDFs)", "results": results}


def bench_pubtabnet(settings: Settings, limit: int | None) -> dict:
    """TEDS of our scanned-table path (our OCR words, SLANet-plus structure) on the PubTabNet samples."""
    from ..evaluation.datasets import PubtabnetDataset
    from ..ocr_cache import cached_ocr

    dataset = PubtabnetDataset(settings)
    scores, struct, seconds = [], [], []
    for item in dataset.items(limit):
        document = cached_ocr(Path(item.source), OcrOptions(), settings, Path(".cache/ocr"))
        table_start = time.perf_counter()
        counts = dataset.table_scores(item, document)
        seconds.append(time.perf_counter() - table_start)
        scores.append(counts["teds_sum"])
        struct.append(counts["teds_struct_sum"])
    return {"dataset": f"pubtabnet_samples ({len(scores)} table images)", "teds": round(statistics.mean(scores), 4),
            "teds_struct": round(statistics.mean(struct), 4),
            "structure_seconds_per_table": round(statistics.mean(seconds), 3),
            "note": "OCR read once and cached (.cache/ocr); the timing is the structure step on our OCR words"}


SCANNED_SPECIMENS = ("bank_account_details", "payslip_fra", "bank_statement_fr")


def _timed_scan(image: Path, settings: Settings) -> dict:
    """Wall and CPU seconds of the whole pipeline on one scanned page (models already loaded)."""
    wall, cpu = time.perf_counter(), time.process_time()
    document = ocr_document(image, OcrOptions(), settings)
    return {"seconds": round(time.perf_counter() - wall, 2), "cpu_seconds": round(time.process_time() - cpu, 2),
            "tables": sum(len(page.tables) for page in document.pages)}


def scanned_icdar_pages(settings: Settings, count: int, folder: Path) -> list[Path]:
    """The first ``count`` ICDAR 2013 pages that hold a gold table, rendered at 300 dpi as a scan would be."""
    import pymupdf

    images: list[Path] = []
    for pdf in iter_documents(settings):
        pages = sorted({region.page for table in read_gold(pdf) for region in table.regions})
        with pymupdf.open(pdf) as document:
            for index in pages[:count - len(images)]:
                image = folder / f"{pdf.stem}-p{index + 1}.png"
                document[index].get_pixmap(dpi=300).save(image)
                images.append(image)
        if len(images) >= count:
            break
    return images


def bench_speed(settings: Settings, scanned_pages: int = 6) -> dict:
    """Seconds per page with tables: born-digital ICDAR pages (whole pipeline, and the table stage
    alone); scanned pages with tables, whole pipeline (orientation, OCR, table regions, structure),
    models loaded first: ICDAR pages rendered at 300 dpi, and the French specimen photos."""
    import tempfile

    from ..datasets import dataset_dir
    from ..layout.tables import born_digital_tables

    pipeline, stage = [], []
    for pdf in iter_documents(settings):
        start = time.perf_counter()
        document = ocr_document(pdf, OcrOptions(), settings)
        elapsed = time.perf_counter() - start
        if all(page.text_source == "text-layer" for page in document.pages):
            pipeline.append(elapsed / len(document.pages))
            for page in document.pages:
                if page.tables:
                    table_start = time.perf_counter()
                    born_digital_tables(page)
                    stage.append(time.perf_counter() - table_start)
    specimens = [dataset_dir(settings, "fr_specimens") / name / "default_sample.jpg" for name in SCANNED_SPECIMENS]
    with tempfile.TemporaryDirectory() as name:
        icdar_pages = scanned_icdar_pages(settings, scanned_pages, Path(name))
        scans = [image for image in [*icdar_pages, *specimens] if image.is_file()]
        if scans:
            ocr_document(scans[0], OcrOptions(), settings)  # models load untimed
        scanned = {(image.stem if image in icdar_pages else image.parent.name): _timed_scan(image, settings)
                   for image in scans}
    icdar = [r for key, r in scanned.items() if key.startswith(("eu-", "us-"))]
    return {"born_digital_pipeline_seconds_per_page": round(statistics.mean(pipeline), 3),
            "born_digital_documents": len(pipeline),
            "table_stage_seconds_per_page_with_tables": {"mean": round(statistics.mean(stage), 3),
                                                         "max": round(max(stage), 3), "pages": len(stage)},
            "scanned_page_with_tables_seconds": scanned,
            "scanned_icdar_pages": {"pages": len(icdar),
                                    "median_seconds": round(statistics.median(r["seconds"] for r in icdar), 2)
                                    if icdar else None,
                                    "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in icdar), 2)
                                    if icdar else None}}


def _pymupdf_verdicts(results: dict) -> list[str]:
    """Whether each PyMuPDF measured beats ours on structure F1 (pooled and document mean) and speed."""
    ours_result = results.get("socratext")
    if ours_result is None:
        return []
    lines = []
    for name, result in results.items():
        if not name.startswith("pymupdf-"):
            continue
        pairs = [(result["structure"]["pooled"]["f1"], ours_result["structure"]["pooled"]["f1"]),
                 (result["structure"]["document_mean"]["f1"], ours_result["structure"]["document_mean"]["f1"])]
        wins = all(theirs > mine for theirs, mine in pairs)
        lines.append(f"{name}: structure F1 {pairs[0][0]} pooled / {pairs[1][0]} document mean against ours "
                     f"{pairs[0][1]} / {pairs[1][1]}, {result['seconds_per_page']['mean']} s per page against "
                     f"{ours_result['seconds_per_page']['mean']}: {'beats' if wins else 'does not beat'} ours.")
    if lines and not any(line.endswith(": beats ours.") for line in lines):
        import pymupdf

        lines.append(f"None beats ours: the project keeps the PyMuPDF it pins ({pymupdf.VersionBind}).")
    return [*lines, ""] if lines else []


def render_markdown(data: dict) -> str:
    lines = ["# Tables", "", "Written by `socratext bench tables`.", ""]
    icdar = data.get("icdar2013")
    if icdar:
        lines += [f"## ICDAR 2013, born-digital ({icdar['dataset']})", "",
                  ("| reader | structure F1 (pooled) | P | R | structure F1 (document mean) | region F1 (pooled) | "
                   "region F1 (document mean) | tables found / gold | s / page |"), "|" + "---|" * 9]
        for name, r in icdar["results"].items():
            s, g = r["structure"], r["regions"]
            lines.append(f"| {name} | {s['pooled']['f1']} | {s['pooled']['precision']} | {s['pooled']['recall']} | "
                         f"{s['document_mean']['f1']} | {g['pooled']['f1']} | {g['document_mean']['f1']} | "
                         f"{r['tables_predicted']} / {r['tables_gold']} | {r['seconds_per_page']['mean']} |")
        lines.append("")
        lines += _pymupdf_verdicts(icdar["results"])
    speed = data.get("speed")
    if speed:
        stage = speed["table_stage_seconds_per_page_with_tables"]
        lines += ["## Speed (this machine, shared: see the load note)", "",
                  (f"Born-digital ({speed['born_digital_documents']} ICDAR PDFs without scanned pages): "
                   f"{speed['born_digital_pipeline_seconds_per_page']} s per page for the whole pipeline; the table "
                   f"stage alone {stage['mean']} s per page with tables (max {stage['max']}, {stage['pages']} pages)."), "",
                  ("Scanned pages with tables, whole pipeline (orientation, OCR, table regions, structure; models "
                   "loaded first), wall / CPU seconds: " + ", ".join(
                      f"{name} {r['seconds']} / {r.get('cpu_seconds', '?')} s ({r['tables']} tables)"
                      for name, r in speed["scanned_page_with_tables_seconds"].items()) + "."), ""]
        icdar_scans = speed.get("scanned_icdar_pages")
        if icdar_scans and icdar_scans["pages"]:
            lines += [(f"ICDAR 2013 pages with tables rendered at 300 dpi and read as scans ({icdar_scans['pages']} "
                       f"pages): median {icdar_scans['median_seconds']} s wall, {icdar_scans['median_cpu_seconds']} "
                       "CPU-s per page."), ""]
    if data.get("load_average"):
        lines += [f"Load average during the run: {data['load_average']} (on {data['cores']} cores).", ""]
    pubtabnet = data.get("pubtabnet")
    if pubtabnet:
        lines += [f"## PubTabNet ({pubtabnet['dataset']})", "",
                  (f"TEDS {pubtabnet['teds']}, TEDS-structure {pubtabnet['teds_struct']}, "
                   f"{pubtabnet['structure_seconds_per_table']} s per table for the structure ({pubtabnet['note']})."), ""]
    return "\n".join(lines)


SUITES = ("icdar2013", "speed", "pubtabnet")


def run_tables_benchmark(settings: Settings, limit: int | None = None, readers: list[str] | None = None,
                         pubtabnet_limit: int | None = None, skip_pubtabnet: bool = False,
                         pymupdf_python: Path | None = None, suites: list[str] | None = None) -> Path:
    """The chosen suites (default all); a suite not run keeps its figures from the last tables.json."""
    import os

    chosen = [suite for suite in (suites or SUITES) if not (skip_pubtabnet and suite == "pubtabnet")]
    results = Path(settings.results_dir)
    path = results / "tables.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() and suites else {}
    if "icdar2013" in chosen:
        data["icdar2013"] = bench_icdar(settings, limit, readers or list(READERS), pymupdf_python)
    if "speed" in chosen:
        data["speed"] = bench_speed(settings)
    if "pubtabnet" in chosen:
        data["pubtabnet"] = bench_pubtabnet(settings, pubtabnet_limit)
    data["load_average"] = [round(value, 1) for value in os.getloadavg()]
    data["cores"] = os.cpu_count()
    results.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (results / "tables.md").write_text(render_markdown(data), encoding="utf-8")
    return path
