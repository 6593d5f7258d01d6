"""The `llm` engine against a real vLLM server through litellm (scripts/vllm_test.sh starts one).

SmolLM2-135M is far too small for quality: these tests prove the plumbing (structured outputs,
validation, evidence, grounding checks, errors), not the answers.
"""
from __future__ import annotations

import os

import jsonschema
import pytest

from socratext_llm import ocr
from socratext_llm.errors import LlmUnavailableError
from socratext_llm.extract.base import ExtractionEngine
from socratext_llm.extract.engines.llm import LlmEngine
from socratext_llm.extract.llm_wire import wire_schema
from socratext_llm.extract.pipeline import extract_document
from socratext_llm.extract.schemas import SchemaRegistry
from socratext_llm.settings import load_settings

pytestmark = [pytest.mark.vllm, pytest.mark.skipif(not os.environ.get("SOCRATEXT_LLM_BASE_URL"),
                                                   reason="no LLM server: run scripts/vllm_test.sh")]


@pytest.fixture(scope="module")
def llm_settings():
    return load_settings(llm_max_tokens=400)


@pytest.mark.parametrize("schema", ["rent_receipt", "rib", "sroie_receipt"])
def test_vllm_structured_output_is_schema_valid(llm_settings, example_pdf, schema):
    document = ocr(example_pdf, settings=llm_settings)
    doctype = SchemaRegistry(llm_settings).get(schema)
    result = extract_document(document, doctype, "llm", llm_settings)
    jsonschema.validate(result.data, wire_schema(doctype.schema))
    assert result.engine == "llm" and result.llm_tokens and result.llm_tokens > 0
    assert any(c.kind == "schema" and c.ok for c in result.checks)
    grounded = {c.field for c in result.checks if c.kind == "grounding"}
    filled = {f"/{k}" for k, v in result.data.items() if v not in (None, "", [])}
    assert grounded == filled  # every value the model gave was checked against the document


def test_hybrid_cross_checks_rules_and_vllm(llm_settings, example_pdf):
    document = ocr(example_pdf, settings=llm_settings)
    registry = SchemaRegistry(llm_settings)
    result = extract_document(document, registry.get("rent_receipt"), "hybrid", llm_settings)
    assert result.data["total"] == 845.0  # rules settled every field: the LLM is not asked
    assert not result.llm_tokens and all(e.signals["source"] == "rules" for e in result.evidence.values())
    result = extract_document(document, registry.get("rib"), "hybrid", llm_settings)  # rules find no IBAN here
    assert result.llm_tokens and result.llm_tokens > 0
    assert all(e.signals["source"] == "llm" for e in result.evidence.values())


def test_unknown_model_is_a_clear_error(example_pdf):
    settings = load_settings(llm_model="no-such-model", llm_retries=0)
    engine: ExtractionEngine = LlmEngine(settings)
    with pytest.raises(LlmUnavailableError) as error:
        engine.extract(ocr(example_pdf, settings=settings), SchemaRegistry(settings).get("rib"))
    assert "refused" in error.value.message


def test_api_reaches_vllm_through_litellm(example_pdf, tmp_path):
    """The REST API talks to vLLM the CLI's way (litellm): /health sees it, engine=llm and hybrid answer."""
    import httpx

    from .service_helpers import start_server

    server = start_server("api", {"SOCRATEXT_LLM_MAX_TOKENS": "400", "SOCRATEXT_UPLOAD_DIR": str(tmp_path / "up")},
                    tmp_path / "api.log")
    try:
        health = httpx.get(server.url + "/health").json()
        assert health["llm"]["configured"] and health["llm"]["reachable"] is True
        for engine in ("llm", "hybrid"):
            answer = httpx.post(server.url + "/v1/extract", timeout=600, data={"schema": "rent_receipt", "engine": engine},
                                files={"file": ("q.pdf", example_pdf.read_bytes(), "application/pdf")})
            assert answer.status_code == 200, answer.text
            result = answer.json()
            assert result["engine"] == engine and any(check["kind"] == "schema" for check in result["checks"])
            if engine == "llm":
                assert result["llm_tokens"] > 0
            else:  # rules fill this document; the LLM only cross-checks
                assert result["data"]["total"] == 845.0
    finally:
        server.stop()


def test_has_statements_phrased_by_the_llm_keep_only_their_own_words(llm_settings, tmp_path):
    import pymupdf

    from socratext_llm.has.llm_phrasing import DIRECTIONS, clauses, phrase_with_llm
    from socratext_llm.has.recommendation import read_document

    pdf = tmp_path / "reco.pdf"
    document = pymupdf.open()
    page = document.new_page()
    for index, text in enumerate(["Il est recommandé de prescrire de la metformine chez les patients diabétiques",
                                  "de type 2 en première intention (grade A).",
                                  "En cas d'intolérance, il n'est pas recommandé de poursuivre le traitement (AE)."]):
        page.insert_text((72, 100 + 16 * index), text, fontsize=10)
    document.save(pdf)
    rules = read_document(pdf, llm_settings, engine="rules")
    assert len(rules.statements) == 2
    phrased, tokens = phrase_with_llm(rules.statements, llm_settings)
    assert tokens > 0 and len(phrased) == len(rules.statements)
    for before, after in zip(rules.statements, phrased):
        assert after.text == before.text and after.grade == before.grade
        assert after.direction in (*DIRECTIONS, None)
        for part in (after.condition, after.action):
            assert part is None or part in clauses(before)  # chosen among the statement's own passages
    hybrid = read_document(pdf, llm_settings, engine="hybrid")
    assert [s.text for s in hybrid.statements] == [s.text for s in rules.statements]
