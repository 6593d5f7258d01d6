"""HAS recommendations: drawn flowcharts into trees, text trees, exports (FHIR validated), scoring."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from socratext_llm.evaluation.has_scoring import match, normalise, statement_counts, token_set_similarity, tree_counts
from socratext_llm.has.export import to_csv, to_markdown, to_mermaid, write_outputs
from socratext_llm.has.fhir import GRADE_SYSTEM, STRENGTH_EXTENSION, to_fhir
from socratext_llm.has.model import DecisionTree, Recommendation, RecommendationMetadata, Statement, TreeEdge, TreeNode
from socratext_llm.has.report import to_html, tree_svg
from socratext_llm.has.textual_trees import textual_trees

from .conftest import ROOT, run_cli
from .service_helpers import launch_chromium

HAD = "10_HAS2017_algorithme_orientation_HAD.pdf"
DIVERTICULITE = "07_HAS2017_synthese_RBP_diverticulite.pdf"


def statement(text: str, condition: str | None = None, section=("Traitement",), page: int = 2, grade="B") -> Statement:
    return Statement(id=None, section=list(section), text=text, grade=grade, grade_source="inline" if grade else None,
                     direction="recommended", condition=condition, action=text if condition else None, page=page,
                     bbox=(50.0, 100.0, 300.0, 130.0))


def small_tree() -> DecisionTree:
    nodes = [TreeNode(id="t1.n1", text="Patient adulte", kind="start", page=5, bbox=(10, 10, 100, 30)),
             TreeNode(id="t1.n2", text="Indication de chirurgie ?", kind="question", page=5, bbox=(10, 50, 100, 70)),
             TreeNode(id="t1.n3", text="Prise en charge \"pluridisciplinaire\"", kind="end", page=5, bbox=None),
             TreeNode(id="t1.n4", text="Orientation", kind="end", page=5, bbox=None)]
    edges = [TreeEdge(source="t1.n1", target="t1.n2"), TreeEdge(source="t1.n2", target="t1.n3", label="Oui"),
             TreeEdge(source="t1.n2", target="t1.n4", label="Non"), TreeEdge(source="t1.n4", target="t1.n1")]
    return DecisionTree(id="t1", title="Parcours", source="vector", pages=[5], nodes=nodes, edges=edges)


def recommendation() -> Recommendation:
    statements = [statement("Il est recommandé de réaliser un scanner (grade B).", "chez les patients suspects"),
                  statement("Une antibiothérapie est recommandée.", "en cas de fièvre", grade=None),
                  statement("La chirurgie n'est pas recommandée.", section=("Chirurgie", "Urgence"), grade="AE")]
    meta = RecommendationMetadata(title="Diverticulite", organisations=["HAS"], kind="synthese", date="2017-11-01",
                                  grade_scale=["A", "B", "C", "AE"])
    return Recommendation(metadata=meta, statements=statements,
                          decision_trees=[small_tree(), *textual_trees(statements, start=1)])


# --- scoring (pure functions) ---

@given(st.text(max_size=60), st.text(max_size=60))
def test_token_set_similarity_is_symmetric_and_bounded(a, b):
    value = token_set_similarity(a, b)
    assert 0.0 <= value <= 1.0
    assert value == token_set_similarity(b, a)
    assert token_set_similarity(a, a) == 1.0


@given(st.text(max_size=80))
def test_normalise_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)


def test_a_fragment_does_not_match_its_statement():
    whole = "Les exercices d'assouplissement sont conseillés, mais ils n'ont pas d'effet sur la glycémie (grade AE)."
    assert token_set_similarity(whole, "sur la glycémie (grade AE).") < 0.8
    assert token_set_similarity(whole, whole.replace("’", "'").upper()) == 1.0


def test_matching_is_one_to_one_and_respects_the_threshold():
    similarity = np.array([[0.9, 0.85], [0.95, 0.5], [0.2, 0.3]])
    assert sorted(match(similarity)) == [(0, 1), (1, 0)]
    counts = statement_counts([{"text": "a b c d", "grade": "B", "page": 1}, {"text": "x y", "grade": "A", "page": 2}],
                              [{"text": "a b c d", "grade": "C", "page": 1}, {"text": "x y", "grade": "A", "page": 3}],
                              pages={1, 2})
    assert counts == {"gold": 2, "predicted": 1, "matched": 1, "grade_correct": 0}


def test_tree_scores_need_both_ends_and_count_labels():
    gold = small_tree().model_dump()
    predicted = small_tree().model_dump()
    predicted["edges"][1]["label"] = "Non"
    predicted["edges"] = predicted["edges"][:3]
    counts = tree_counts([gold], [predicted])
    assert counts["matched_nodes"] == 4 and counts["gold_edges"] == 4 and counts["matched_edges"] == 3
    assert counts["labels_correct"] == 2


# --- trees from the text and exports ---

def test_text_trees_point_to_their_statements():
    rec = recommendation()
    text_tree = rec.decision_trees[1]
    assert text_tree.source == "text" and text_tree.title == "Traitement" and text_tree.id == "t2"
    questions = [n for n in text_tree.nodes if n.kind == "question"]
    assert [n.text for n in questions] == ["chez les patients suspects", "en cas de fièvre"]
    assert [n.statement_index for n in questions] == [0, 1]
    assert all(e.label == "oui" for e in text_tree.edges if e.source in {n.id for n in questions})


def test_a_section_with_one_condition_joins_its_parent():
    statements = [statement("A est recommandé.", "si fièvre", section=("Doc", "Traitement", "Urgence")),
                  statement("B est recommandé.", "en cas de choc", section=("Doc", "Traitement")),
                  statement("C est recommandé.", "si fièvre", section=("Doc", "Traitement", "Suivi")),
                  statement("D est recommandé.", "chez l'enfant", section=("Doc", "Prévention"))]
    (tree,) = textual_trees(statements)
    assert tree.title == "Doc › Traitement" and tree.pages == [2]
    assert [n.text for n in tree.nodes if n.kind == "question"] == ["si fièvre", "en cas de choc"]
    assert len([n for n in tree.nodes if n.kind == "end"]) == 3


def test_csv_markdown_and_mermaid():
    rec = recommendation()
    rows = list(csv.DictReader(io.StringIO(to_csv(rec))))
    assert len(rows) == 3 and rows[2]["section"] == "Chirurgie > Urgence" and rows[0]["grade"] == "B"
    mermaid = to_mermaid(rec)
    assert mermaid.count("flowchart TD") == 2
    assert 't1_n2{"Indication de chirurgie ?"}' in mermaid and "t1_n2 -->|Oui| t1_n3" in mermaid
    assert "#quot;pluridisciplinaire#quot;" in mermaid
    markdown = to_markdown(rec)
    assert "**[AE]**" in markdown and "```mermaid" in markdown


def test_fhir_bundle_validates_with_the_fhir_models():
    from fhir.resources.R4B.bundle import Bundle

    bundle = Bundle.model_validate(to_fhir(recommendation(), "diverticulite 2017"))
    plans = [entry.resource for entry in bundle.entry if entry.resource.__resource_type__ == "PlanDefinition"]
    assert len(plans) == 3 + 2
    first = plans[0]
    assert first.meta.profile[0].endswith("cpg-recommendationdefinition")
    strength = first.action[0].extension[0]
    assert strength.url == STRENGTH_EXTENSION and strength.valueCodeableConcept.coding[0].code == "B"
    assert strength.valueCodeableConcept.coding[0].system == GRADE_SYSTEM
    assert first.action[0].condition[0].expression.expression == "chez les patients suspects"
    tree = plans[3]
    answer = next(a for a in tree.action if a.id == "t1.n3")
    assert answer.relatedAction[0].actionId == "t1.n2" and "Oui" in answer.condition[0].expression.expression


def test_html_is_self_contained():
    page = to_html(recommendation())
    assert page.count("<svg") == 2 and "Indication de chirurgie" in page
    assert "src=" not in page and "<link" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert tree_svg(small_tree()).count("<rect") == 4


# --- real documents ---

@pytest.mark.datasets
def test_drawn_flowchart_with_block_arrows_and_panels(datasets):
    from socratext_llm.has.flowcharts import drawn_trees

    trees = {tree.pages[0]: tree for tree in drawn_trees(datasets / "has" / HAD)}
    chart = trees[113]
    assert chart.title == "Figure 17. Algorithme synthétique"
    text = {node.id: node.text for node in chart.nodes}
    edges = [(text[e.source][:40], text[e.target], e.label) for e in chart.edges]
    assert len(chart.nodes) == 11 and len(chart.edges) == 11
    assert ("L’état de santé du patient nécessite-t-i", "Patient non éligible à une HAD", "NON") in edges
    assert sum(1 for e in edges if e[1] == "Patient éligible à une HAD" and e[2] == "OUI") == 6


@pytest.mark.datasets
def test_branching_lines_and_labels_in_boxes(datasets):
    from socratext_llm.has.flowcharts import drawn_trees

    first, second = drawn_trees(datasets / "has" / DIVERTICULITE)
    assert (first.pages, second.pages) == ([5], [6]) and second.title == "DIVERTICULITE COMPLIQUÉE"
    text = {node.id: node.text for node in second.nodes}
    edges = {(text[e.source], text[e.target], e.label) for e in second.edges}
    assert ("Drainage radiologique", "Antibiothérapie exclusive", "Échec") in edges
    assert ("Présence d'un abcès", "Taille ≤ 3 cm ou inaccessible", "OUI") in edges
    assert "Échec" not in text.values()
    assert {n.kind for n in second.nodes if n.text.startswith("Signes de péritonite")} == {"question"}


@pytest.mark.datasets
def test_has_command_writes_six_valid_files(datasets, tmp_path):
    result = run_cli("has", str(datasets / "has" / DIVERTICULITE), "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    stem = Path(DIVERTICULITE).stem
    assert sorted(p.name[len(stem):] for p in tmp_path.iterdir()) == [".csv", ".fhir.json", ".html", ".json", ".md", ".mmd"]
    data = json.loads((tmp_path / f"{stem}.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schemas" / "has_recommendation.schema.json").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(schema).iter_errors(data))
    assert [t["source"] for t in data["decision_trees"]][:2] == ["vector", "vector"]
    assert "data:image/webp;base64," in (tmp_path / f"{stem}.html").read_text(encoding="utf-8") or not data["statements"]


@pytest.mark.browser
@pytest.mark.datasets
def test_report_in_chromium(datasets, tmp_path):
    from playwright.sync_api import sync_playwright

    from socratext_llm.has.flowcharts import drawn_trees

    pdf = datasets / "has" / DIVERTICULITE
    rec = recommendation().model_copy(update={"decision_trees": drawn_trees(pdf)})
    written = write_outputs(rec, "diverticulite", tmp_path, pdf)
    html_path = next(p for p in written if p.suffix == ".html")
    shots = ROOT / "test-output" / "has"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport={"width": 1400, "height": 1200})
        requests = []
        tab.on("request", lambda request: requests.append(request.url))
        tab.goto(html_path.as_uri())
        tab.locator("li[data-s='2']").click()
        assert tab.locator("#hl2.active").count() == 1
        assert tab.locator(".tree svg").count() == 2
        assert tab.locator("figure#p2 image").bounding_box()["width"] > 200
        tab.screenshot(path=str(shots / "has_report.png"), full_page=True)
        browser.close()
    assert all(url.startswith(("file:", "data:")) for url in requests)


@pytest.mark.datasets
def test_flowchart_in_a_picture(datasets, settings):
    from socratext_llm.has.raster_flowcharts import raster_trees

    (chart,) = raster_trees(datasets / "has" / HAD, settings)
    assert chart.source == "raster" and chart.pages == [38] and chart.title.startswith("Figure 2. Logigramme")
    text = {node.id: node.text for node in chart.nodes}
    edges = {(text[e.source], text[e.target]) for e in chart.edges}
    assert ("174 046 séjours 105 783 patients", "173 215 séjours 105 318 patients") in edges
    assert ("156 894 séjours 95 362 patients", "156 831 séjours 95 362 patients") in edges
    assert len(chart.nodes) >= 13 and all("→" not in t for t in text.values())


@pytest.mark.browser
@pytest.mark.datasets
def test_demo_has_tab(datasets, tmp_path):
    from playwright.sync_api import sync_playwright

    from .service_helpers import start_server

    env = {"SOCRATEXT_USER_SCHEMA_DIR": str(tmp_path / "schemas"), "SOCRATEXT_UPLOAD_DIR": str(tmp_path / "private"),
           "SOCRATEXT_DATASETS_DIR": str(datasets)}
    server = start_server("demo", env, tmp_path / "demo.log", ready_path="/")
    shots = ROOT / "test-output" / "has"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            tab = browser.new_page(viewport={"width": 1400, "height": 1600})
            tab.set_default_timeout(120_000)
            tab.goto(server.url)
            tab.get_by_role("tab", name="HAS").click()
            tab.locator("#has-upload input[type=file]").set_input_files(str(datasets / "has" / DIVERTICULITE))
            tab.locator("#has-run").click()
            tab.locator("#has-summary").get_by_text("arbres").wait_for()
            assert tab.locator("#has-trees svg").count() >= 2
            assert "DIVERTICULITE COMPLIQUÉE" in tab.locator("#has-trees").inner_text()
            names = tab.locator("#has-files").inner_text().replace("\n", "")
            assert ".fhir.json" in names and ".csv" in names and ".html" in names
            rows = tab.locator("#has-statements tbody tr")
            if rows.count() and rows.first.inner_text().strip():
                rows.first.locator("td").nth(4).click()
                tab.locator("#has-page img").first.wait_for()
            tab.screenshot(path=str(shots / "demo_has_tab.png"), full_page=True)
            browser.close()
    finally:
        server.stop()
