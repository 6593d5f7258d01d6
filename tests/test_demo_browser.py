"""The Gradio demo in a real browser: Playwright driving Debian's Chromium (no browser download)."""
from __future__ import annotations

import json
import stat

import pytest

from .conftest import ROOT
from .service_helpers import launch_chromium, start_server

pytestmark = pytest.mark.browser
SHOTS = ROOT / "test-output" / "demo"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    env = {"SOCRATEXT_USER_SCHEMA_DIR": str(folder / "schemas"), "SOCRATEXT_UPLOAD_DIR": str(folder / "private")}
    server = start_server("demo", env, folder / "demo.log", ready_path="/")
    server.schemas = folder / "schemas"
    server.private = folder / "private"
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(demo):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport={"width": 1400, "height": 1600})
        tab.set_default_timeout(120_000)
        tab.goto(demo.url)
        yield tab
        browser.close()


def choose(page, elem_id: str, option: str) -> None:
    """Pick an option of a Gradio dropdown as a person does: open it, type, click the option."""
    box = page.locator(f"#{elem_id} input")
    box.click()
    box.fill(option)
    page.locator(f"ul[role='listbox'] li[aria-label='{option}'], ul.options li:text-is('{option}')").first.click()


def test_upload_extract_and_see_evidence(page, example_pdf):
    page.locator("#upload input[type=file]").set_input_files(str(example_pdf))
    choose(page, "schema", "rent_receipt")
    page.locator("#run").click()
    page.locator("#summary").get_by_text("success").wait_for()
    data = page.locator("#data")
    data.get_by_text("845").first.wait_for()
    assert "Hélène Durand" in data.inner_text()
    legend = page.locator("#page").inner_text()
    assert "total" in legend and "landlord" in legend and "texte lu (OCR)" in legend
    assert page.locator("#page img").count() >= 1
    fields = page.locator("#fields").inner_text()
    assert "rules" in fields and "valide" in fields
    page.screenshot(path=str(SHOTS / "extraction.png"), full_page=True)


@pytest.mark.datasets
def test_a_value_failing_its_check_is_shown_to_verify_not_valid(page, datasets):
    """The payslip specimen's SIRET fails its key: the row says 'à vérifier' and why, never '✔ valide'."""
    page.locator("#upload input[type=file]").set_input_files(str(datasets / "fr_specimens" / "payslip_fra" /
                                                                 "default_sample.jpg"))
    choose(page, "schema", "payslip")
    page.locator("#run").click()
    page.locator("#summary").get_by_text("needs_review").wait_for()
    assert "à vérifier" in page.locator("#summary").inner_text()
    fields = page.locator("#fields").inner_text()
    row = fields[fields.index("employer_siret"):fields.index("employee_nir")]  # the rows follow the schema's order
    assert "à vérifier" in row and "invalide" in row and "✔ valide" not in row
    page.screenshot(path=str(SHOTS / "extraction-to-verify.png"), full_page=True)


def test_new_document_type_from_a_field_list_is_used_at_once(page, demo, example_scan):
    page.get_by_role("tab", name="Éditeur de schéma").click()
    page.locator("#new-title textarea, #new-title input").first.fill("Quittance simplifiée")
    page.locator("#fields-text textarea").fill("montant (montant): Total\nbailleur: Bailleur")
    page.locator("#generate").click()
    page.locator("#editor-status").get_by_text("Schéma généré").wait_for()
    page.locator("#validate").click()
    page.locator("#editor-status").get_by_text("Schéma valide (2 champs)").wait_for()
    page.locator("#new-name textarea, #new-name input").first.fill("quittance_simple")
    page.locator("#save").click()
    page.locator("#editor-status").get_by_text("Enregistré").wait_for()
    saved = json.loads((demo.schemas / "quittance_simple.schema.json").read_text(encoding="utf-8"))
    assert set(saved["properties"]) == {"montant", "bailleur"}
    page.screenshot(path=str(SHOTS / "schema-editor.png"), full_page=True)
    page.get_by_role("tab", name="Extraction").click()
    assert page.locator("#schema input").input_value() == "quittance_simple"
    assert page.locator("#upload input[type=file]").count() == 1  # the first upload was deleted and cleared
    choose(page, "example", example_scan.name)  # a bundled example this time
    page.locator("#run").click()
    page.locator("#summary").get_by_text("quittance_simple").wait_for()
    page.locator("#data").get_by_text("845").first.wait_for()
    assert "montant" in page.locator("#page").inner_text()
    page.screenshot(path=str(SHOTS / "extraction-new-type.png"), full_page=True)


def test_the_editor_refuses_to_replace_a_built_in_type(page):
    page.get_by_role("tab", name="Éditeur de schéma").click()
    page.locator("#fields-text textarea").fill("montant (montant): Total")
    page.locator("#generate").click()
    page.locator("#new-name textarea, #new-name input").first.fill("rent_receipt")
    page.locator("#save").click()
    page.locator("#editor-status").get_by_text("built-in document type").wait_for()
    page.get_by_role("tab", name="Extraction").click()


def test_a_refused_upload_leaves_no_name_in_the_log(page, demo, tmp_path):
    refused = tmp_path / "Dupont-avis-impot.txt"
    refused.write_text("not a document")
    page.locator("#upload input[type=file]").set_input_files(str(refused))
    page.wait_for_timeout(1500)
    assert "Dupont" not in demo.log_path.read_text()


def test_demo_files_are_private_and_gone_at_shutdown(demo, example_pdf):
    written = [path for path in demo.private.rglob("*")]
    assert any(path.name == "extraction.json" for path in written), written  # a result is kept for download
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))  # nothing readable by other users
    assert example_pdf.stem not in demo.log_path.read_text()  # no uploaded file name in the log
    demo.stop()
    assert list(demo.private.iterdir()) == []
