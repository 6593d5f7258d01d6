"""The demo's HAS tab: a recommendation PDF (uploaded, or one of the shared HAS documents when the
datasets are present) read into graded statements and decision trees; statements browsed by section
and grade, each one's evidence shown on its page, the trees drawn, and the JSON, CSV, FHIR and HTML
files offered for download.

An upload is moved into the result's own folder (the evidence pages are drawn from it) and deleted
with that folder once it is older than the download lifetime."""
from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path

import gradio as gr

from ..errors import SocratextError
from ..has.export import write_outputs
from ..has.model import Recommendation
from ..has.recommendation import read_document
from ..has.report import tree_svg
from ..settings import Settings

log = logging.getLogger("socratext.demo")
MARKER = ".has-result"
ALL = "(toutes)"
NO_GRADE = "sans grade"
GRADE_CHOICES = ["A", "B", "C", "AE", NO_GRADE]
EVIDENCE = "preuve"
PAGE_WIDTH = 900
COLUMNS = ["n°", "id", "grade", "section", "texte", "page"]


def shared_documents(settings: Settings) -> dict[str, Path]:
    folder = Path(settings.datasets_dir) / "has"
    return {p.name: p for p in sorted(folder.glob("*.pdf"))} if folder.is_dir() else {}


def result_folder(downloads: Path, keep_s: float) -> Path:
    """A new folder for one reading; readings older than keep_s are deleted on the way."""
    now = time.time()
    for old in downloads.glob(f"*/{MARKER}"):
        if now - old.stat().st_mtime > keep_s:
            shutil.rmtree(old.parent, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(dir=downloads))
    (folder / MARKER).touch()
    return folder


def statement_rows(recommendation: Recommendation, section: str | None, grades: list[str]) -> list[list]:
    rows = []
    for number, statement in enumerate(recommendation.statements, start=1):
        grade = statement.grade or NO_GRADE
        path = " › ".join(statement.section)
        if (not section or section == ALL or path == section) and grade in grades:
            rows.append([number, statement.id or "", grade, path, statement.text, statement.page])
    return rows


def evidence_image(pdf: Path, recommendation: Recommendation, number: int):
    """The page of statement ``number`` (1-based) with its box, for an AnnotatedImage."""
    import pymupdf
    from PIL import Image

    statement = recommendation.statements[number - 1]
    with pymupdf.open(pdf) as document:
        page = document[statement.page - 1]
        zoom = PAGE_WIDTH / page.rect.width
        pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        image = Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)
    box = tuple(int(round(v * zoom)) for v in statement.bbox)
    return image, [(box, EVIDENCE)]


def trees_html(recommendation: Recommendation) -> str:
    if not recommendation.decision_trees:
        return "<p>Aucun arbre de décision trouvé.</p>"
    return "".join(f"<h4>{tree.id} — {tree.title or 'sans titre'} ({tree.source}, p. "
                   f"{', '.join(map(str, tree.pages))})</h4><div style='overflow:auto'>{tree_svg(tree)}</div>"
                   for tree in recommendation.decision_trees)


def has_tab(settings: Settings, downloads: Path, keep_s: float) -> None:
    """The tab's components and handlers, built inside the demo's Blocks."""
    shared = shared_documents(settings)

    def read(upload, pick):
        source = Path(upload) if upload else shared.get(pick or "")
        if source is None:
            raise gr.Error("Choisissez un PDF de recommandation.")
        folder = result_folder(downloads, keep_s)
        pdf = folder / "source.pdf"
        (shutil.move if upload else shutil.copyfile)(str(source), pdf)
        start = time.perf_counter()
        try:
            recommendation = read_document(pdf, settings)
            written = write_outputs(recommendation, source.stem, folder, pdf)
        except SocratextError as error:
            shutil.rmtree(folder, ignore_errors=True)
            raise gr.Error(error.one_line()) from None
        log.info("HAS reading: %d statements, %d trees in %.0f ms", len(recommendation.statements),
                 len(recommendation.decision_trees), (time.perf_counter() - start) * 1000)
        sections = sorted({" › ".join(s.section) for s in recommendation.statements})
        meta = recommendation.metadata
        summary = (f"**{meta.title or 'Sans titre'}** · {meta.kind or 'type inconnu'} · {meta.date or 'date inconnue'} · "
                   f"{len(recommendation.statements)} recommandations · {len(recommendation.decision_trees)} arbres")
        files = [str(p) for p in written if not p.name.endswith((".md", ".mmd"))]
        state = {"pdf": str(pdf), "recommendation": recommendation.model_dump(mode="json")}
        return (state, summary, gr.update(choices=[ALL, *sections], value=ALL), GRADE_CHOICES,
                statement_rows(recommendation, ALL, GRADE_CHOICES), trees_html(recommendation), files, None, None)

    def browse(state, section, grades):
        if not state:
            return []
        return statement_rows(Recommendation.model_validate(state["recommendation"]), section, grades or [])

    def show(state, event: gr.SelectData):
        if not state or event.index is None:
            return gr.update()
        row = event.row_value if getattr(event, "row_value", None) else None
        number = int(row[0]) if row else None
        if number is None:
            return gr.update()
        return evidence_image(Path(state["pdf"]), Recommendation.model_validate(state["recommendation"]), number)

    state = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1):
            upload = gr.File(label="Recommandation HAS (PDF)", file_types=[".pdf"], elem_id="has-upload")
            pick = gr.Dropdown(list(shared), value=None, label="ou un document HAS partagé", elem_id="has-pick",
                               visible=bool(shared))
            go = gr.Button("Lire la recommandation", variant="primary", elem_id="has-run")
            summary = gr.Markdown(elem_id="has-summary")
            files = gr.File(label="Télécharger (JSON, CSV, FHIR, HTML)", file_count="multiple", elem_id="has-files")
        with gr.Column(scale=2):
            section = gr.Dropdown([ALL], value=ALL, label="Section", elem_id="has-section")
            grades = gr.CheckboxGroup(GRADE_CHOICES, value=GRADE_CHOICES, label="Grades", elem_id="has-grades")
            table = gr.Dataframe(headers=COLUMNS, elem_id="has-statements", interactive=False, wrap=True,
                                 label="Recommandations (cliquez une ligne pour voir sa preuve)")
    page = gr.AnnotatedImage(label="Preuve sur la page", elem_id="has-page", color_map={EVIDENCE: "#e0a000"})
    trees = gr.HTML(elem_id="has-trees")
    go.click(read, [upload, pick], [state, summary, section, grades, table, trees, files, page, upload])
    section.change(browse, [state, section, grades], table)
    grades.change(browse, [state, section, grades], table)
    table.select(show, state, page)
