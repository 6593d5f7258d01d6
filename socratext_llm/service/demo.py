"""Gradio demo for stakeholders: upload a document (or pick a bundled example), choose a document
type or `auto`, and see the page with its OCR boxes and each value's evidence, the JSON, and per
field its engine, confidence and checks. A schema editor makes a new document type without code.

Everything the demo writes (uploads, page renders, result files: personal data) lives in one private
folder that `socratext serve demo` creates (mode 700, files 600) and removes at shutdown; uploads are
deleted once read, results and Gradio's copies after DOWNLOAD_KEEP_S. The log says which engine ran
and how long it took, nothing of the document, not even its name."""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from ..errors import SocratextError
from ..extract.base import extraction_engines
from ..extract.confidence import LOW_CONFIDENCE, value_problems
from ..extract.pipeline import AUTO, ExtractOptions, default_engine_name, read_and_extract
from ..extract.result import ExtractionResult, value_at
from ..extract.schema_builder import schema_from_fields
from ..extract.schemas import SchemaRegistry, save_user_schema, validate_schema
from ..document import Document
from ..evaluation.gold import DOCUMENT_SUFFIXES
from ..export.tables import named_tables, table_markdown
from ..settings import Settings

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from an offline machine
import gradio as gr  # noqa: E402

log = logging.getLogger("socratext.demo")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OCR_LABEL = "texte lu (OCR)"
DISPLAY_WIDTH = 1000
DOWNLOAD_KEEP_S = 300
CHECK_WORDS = {"schema": "non conforme au schéma", "domain": "invalide", "consistency": "incohérent",
               "grounding": "introuvable dans le document", "engine": "signalé par le moteur"}


def bundled_examples() -> dict[str, Path]:
    return {path.name: path for path in sorted(EXAMPLES.iterdir()) if path.suffix.lower() in DOCUMENT_SUFFIXES}


def page_image(path: Path, document: Document, page_index: int):
    """The page as a picture about DISPLAY_WIDTH wide (PDF pages rendered, images reduced)."""
    from PIL import Image, ImageOps

    if document.source.media_type == "application/pdf":
        import pymupdf

        with pymupdf.open(path) as pdf:
            page = pdf[page_index]
            zoom = DISPLAY_WIDTH / page.rect.width
            pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
            return Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)
    with Image.open(path) as opened:
        opened.seek(page_index)
        image = ImageOps.exif_transpose(opened.convert("RGB"))
    page = document.pages[page_index]
    if page.rotation:
        image = image.rotate(-page.rotation, expand=True)
    image.thumbnail((DISPLAY_WIDTH, DISPLAY_WIDTH * 2))
    return image


def annotations(document: Document, result: ExtractionResult, page_index: int, size: tuple[int, int]) -> list:
    """The OCR line boxes as one mask (one legend entry), then a box per extracted value found on
    this page, labelled by its field."""
    import numpy as np

    page = document.pages[page_index]
    sx, sy = size[0] / page.width_px, size[1] / page.height_px
    mask = np.zeros((size[1], size[0]), dtype=np.float32)
    for line in page.lines:
        mask[round(line.bbox.y0 * sy):round(line.bbox.y1 * sy), round(line.bbox.x0 * sx):round(line.bbox.x1 * sx)] = 0.5
    boxes: list = [(mask, OCR_LABEL)] if page.lines else []
    for pointer, evidence in result.evidence.items():
        if evidence.page == page_index and evidence.bbox is not None:
            b = evidence.bbox
            boxes.append(((round(b.x0 * sx), round(b.y0 * sy), round(b.x1 * sx), round(b.y1 * sy)), pointer.strip("/")))
    return boxes


def verdict(problems: list[str], confidence: float | None, threshold: float | None) -> str:
    """'✔ valide' only for a value that passed its checks with a confidence at or above the review
    threshold (``value_problems``); otherwise 'à vérifier' and why."""
    reasons = [CHECK_WORDS.get(kind, kind) for kind in problems if kind != LOW_CONFIDENCE]
    if confidence is None:
        reasons.append("sans preuve")
    elif LOW_CONFIDENCE in problems:
        reasons.append(f"confiance {confidence:.3f} < seuil {threshold:.2f}")
    return "⚠ à vérifier : " + ", ".join(reasons) if reasons else "✔ valide"


def field_rows(result: ExtractionResult) -> list[list]:
    """One row per value: field, value, engine, confidence, and its verdict with the reasons."""
    problems = value_problems(result)
    rows = [[pointer.strip("/"), _short(value_at(result.data, pointer)), evidence.engine, round(evidence.confidence, 2),
             verdict(problems[pointer], evidence.confidence, result.review_threshold)]
            for pointer, evidence in result.evidence.items()]
    failed: dict[str, list[str]] = {}
    for check in result.failed_checks:
        failed.setdefault(check.field or "", []).append(check.kind)
    for name, value in result.data.items():
        if f"/{name}" not in result.evidence and value not in (None, "", []) and not isinstance(value, list):
            rows.append([name, _short(value), result.engine, None, verdict(failed.get(f"/{name}", []), None, None)])
    return rows


def status_line(result: ExtractionResult) -> str:
    """The result's status in words: 'à vérifier' with its first reasons when it needs review."""
    if result.status == "success":
        return "✔ valide"
    words = {"needs_review": "à vérifier", "partial": "partiel", "failure": "échec"}[result.status]
    shown = "; ".join(result.review[:3]) + (f" (+{len(result.review) - 3})" if len(result.review) > 3 else "")
    return f"⚠ {words}" + (f" : {shown}" if shown else "")


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


def tables_markdown(document: Document) -> str:
    """The tables found, each under its page and position, for the demo page."""
    found = named_tables(document)
    if not found:
        return ""
    parts = [f"### Tableaux trouvés ({len(found)})"]
    parts += [f"**{name}** ({table.n_rows} × {table.n_cols})\n\n{table_markdown(table)}" for name, table in found]
    return "\n\n".join(parts)


def schema_choices(settings: Settings) -> list[str]:
    return [AUTO, *SchemaRegistry(settings).names()]


def fresh_download(folder: Path, keep_s: float = DOWNLOAD_KEEP_S) -> Path:
    """A new file for one result's JSON; results older than keep_s are deleted on the way (they hold
    personal data: Gradio serves its own copy, cleaned by its cache settings)."""
    now = time.time()
    for old in folder.glob("*/extraction.json"):
        if now - old.stat().st_mtime > keep_s:
            shutil.rmtree(old.parent, ignore_errors=True)
    return Path(tempfile.mkdtemp(dir=folder)) / "extraction.json"


def build_demo(settings: Settings, private: Path) -> gr.Blocks:
    """The demo's interface; ``private`` is the folder it may write to (its results go there)."""
    examples = bundled_examples()
    downloads = private / "results"
    downloads.mkdir(mode=0o700, exist_ok=True)
    engines = extraction_engines.names()

    def run(upload, example, schema, engine):
        source = Path(upload) if upload else examples.get(example or "")
        if source is None:
            raise gr.Error("Choisissez un fichier ou un exemple.")
        start = time.perf_counter()
        try:
            options = ExtractOptions(schema=schema or AUTO, engine=engine or None)
            document, result = read_and_extract(source, options, settings)
            image = page_image(source, document, 0)
        except SocratextError as error:
            log.info("extraction failed: %s", error.code)
            raise gr.Error(error.one_line()) from None
        finally:
            if upload:
                Path(upload).unlink(missing_ok=True)  # the upload is deleted once read
        log.info("extraction %s by %s in %.0f ms", result.status, result.engine, (time.perf_counter() - start) * 1000)
        download = fresh_download(downloads)
        download.write_text(result.model_dump_json(indent=2), encoding="utf-8")
        summary = (f"**Type de document** : `{result.schema_name}` · **moteur** : `{result.engine}` · "
                   f"**statut** : `{result.status}` — {status_line(result)} · "
                   f"{len(result.failed_checks)} contrôle(s) en échec · "
                   f"OCR {result.timings_ms.get('ocr', 0):.0f} ms, extraction {result.timings_ms['extract']:.0f} ms")
        return ((image, annotations(document, result, 0, image.size)), result.data, field_rows(result),
                str(download), summary, None,  # the upload is gone from disk: clear it from the page too
                tables_markdown(document))

    def load_schema(name):
        if not name or name == AUTO:
            return gr.update()
        return json.dumps(SchemaRegistry(settings).get(name).schema, ensure_ascii=False, indent=2)

    def from_fields(fields_text, title):
        try:
            return json.dumps(schema_from_fields(fields_text, title), ensure_ascii=False, indent=2), "Schéma généré : vérifiez-le puis enregistrez-le."
        except SocratextError as error:
            return gr.update(), f"⚠ {error.one_line()}"

    def parse(schema_text):
        try:
            schema = json.loads(schema_text or "")
        except json.JSONDecodeError as error:
            raise SocratextError(f"JSON invalide (ligne {error.lineno}, colonne {error.colno} : {error.msg})") from None
        if not isinstance(schema, dict):
            raise SocratextError("le schéma doit être un objet JSON")
        return schema

    def check(schema_text):
        try:
            schema = validate_schema(parse(schema_text), "schéma")
            return f"✔ Schéma valide ({len(schema.get('properties', {}))} champs)."
        except SocratextError as error:
            return f"⚠ {error.one_line()}"

    def save(schema_text, name, replace):
        try:
            doctype = save_user_schema((name or "").strip(), parse(schema_text), settings, replace=bool(replace))
        except SocratextError as error:
            return f"⚠ {error.one_line()}", gr.update()
        log.info("schema saved (%d fields)", len(doctype.fields))
        return (f"✔ Enregistré : `{doctype.name}` ({len(doctype.fields)} champs), utilisable tout de suite.",
                gr.update(choices=schema_choices(settings), value=doctype.name))

    with gr.Blocks(title="Socratext LLM", delete_cache=(60, DOWNLOAD_KEEP_S)) as demo:
        gr.Markdown("# Socratext LLM\nDes documents administratifs vers du JSON conforme à un schéma, avec la preuve "
                    "de chaque valeur. Fonctionne sans LLM (moteur `rules`).")
        with gr.Tab("Extraction"):
            with gr.Row():
                with gr.Column(scale=1):
                    upload = gr.File(label="Document (PDF ou image)", file_types=list(DOCUMENT_SUFFIXES),
                                     elem_id="upload")
                    example = gr.Dropdown(list(examples), value=None, label="ou un exemple fourni", elem_id="example")
                    schema = gr.Dropdown(schema_choices(settings), value=AUTO, label="Type de document",
                                         elem_id="schema")
                    engine = gr.Dropdown(engines, value=default_engine_name(settings), label="Moteur d'extraction",
                                         elem_id="engine")
                    go = gr.Button("Extraire", variant="primary", elem_id="run")
                    summary = gr.Markdown(elem_id="summary")
                    download = gr.File(label="Télécharger le JSON", elem_id="download")
                with gr.Column(scale=2):
                    page = gr.AnnotatedImage(label="Page : lignes lues et preuves des valeurs", elem_id="page",
                                             color_map={OCR_LABEL: "#9aa5b1"})
            data = gr.JSON(label="JSON extrait", elem_id="data", open=True)
            table = gr.Dataframe(headers=["champ", "valeur", "moteur", "confiance", "contrôles"], elem_id="fields",
                                 label="Champs : moteur, confiance, contrôles", interactive=False, wrap=True)
            tables = gr.Markdown(label="Tableaux trouvés", elem_id="tables")
            go.click(run, [upload, example, schema, engine], [page, data, table, download, summary, upload, tables])
        with gr.Tab("HAS", elem_id="has-tab"):
            from .demo_has import has_tab

            gr.Markdown("Recommandations de la HAS : énoncés gradés par section, preuve sur la page, arbres de "
                        "décision, exports JSON, CSV, FHIR et HTML (`socratext has`).")
            has_tab(settings, downloads, DOWNLOAD_KEEP_S)
        with gr.Tab("Éditeur de schéma"):
            gr.Markdown("Partez d'un type existant ou d'une liste de champs (`nom (type) : description | libellé; "
                        "libellé`, types : texte, montant, nombre, date, siret, iban), validez, enregistrez : le "
                        "nouveau type est aussitôt proposé dans l'onglet Extraction.")
            with gr.Row():
                base = gr.Dropdown(SchemaRegistry(settings).names(), value=None, label="Partir d'un type existant",
                                   elem_id="base-schema")
                title = gr.Textbox(label="Titre du nouveau type", elem_id="new-title")
            fields_text = gr.Textbox(label="ou d'une liste de champs", lines=4, elem_id="fields-text",
                                     placeholder="total (montant): Total payé | Net à payer\n"
                                                 "date_paiement (date): Date du paiement")
            generate = gr.Button("Générer le schéma", elem_id="generate")
            code = gr.Code(language="json", label="Schéma JSON", lines=14, elem_id="schema-code", interactive=True)
            with gr.Row():
                name = gr.Textbox(label="Nom du type (minuscules, chiffres, _)", elem_id="new-name")
                validate = gr.Button("Valider", elem_id="validate")
                replace = gr.Checkbox(label="remplacer un type enregistré du même nom", value=False, elem_id="replace")
                save_button = gr.Button("Enregistrer", variant="primary", elem_id="save")
            status = gr.Markdown(elem_id="editor-status")
            base.change(load_schema, base, code)
            generate.click(from_fields, [fields_text, title], [code, status])
            validate.click(check, code, status)
            save_button.click(save, [code, name, replace], [status, schema])
    return demo
