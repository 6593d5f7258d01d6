"""The real local model (Qwen2.5-Coder-1.5B Q4_K_M under llama.cpp's server) on real documents, through
litellm as the llm and hybrid engines reach vLLM: values asserted, each grounded on the line it cites.

Run with scripts/local_llm_test.sh (it provides the model, starts the server and sets the variables);
excluded from the default suite (marker `local_llm`): each document takes the model 10-40 s on 2 cores.
"""
from __future__ import annotations

import os

import pytest

from socratext_llm import ocr
from socratext_llm.extract.pipeline import extract_document
from socratext_llm.extract.schemas import SchemaRegistry
from socratext_llm.settings import load_settings

pytestmark = [pytest.mark.local_llm, pytest.mark.skipif(not os.environ.get("SOCRATEXT_LLM_BASE_URL"),
                                                        reason="no LLM server: run scripts/local_llm_test.sh")]


@pytest.fixture(scope="module")
def llm_settings(settings):
    return load_settings(datasets_dir=settings.datasets_dir, llm_retries=1)


def test_the_llm_engine_reads_a_scanned_rent_receipt(llm_settings, example_scan):
    document = ocr(example_scan, settings=llm_settings)
    result = extract_document(document, SchemaRegistry(llm_settings).get("rent_receipt"), "llm", llm_settings)
    assert result.data["total"] == 845.0 and result.data["charges"] == 65.0
    assert result.data["rent_excluding_charges"] == 780.0
    assert "Lef" in (result.data["tenant"] or "")
    assert result.data["payment_date"] == "2026-10-05"
    total = result.evidence["/total"]
    assert total.signals["grounding"] == "line" and total.signals["source"] == "llm" and "845" in total.source_text
    assert result.llm_tokens and result.llm_tokens > 500


def test_hybrid_asks_the_model_only_what_rules_left_on_a_payslip(llm_settings, datasets):
    from socratext_llm.extract.base import get_extraction_engine
    from socratext_llm.extract.engines.hybrid import fields_to_ask

    document = ocr(datasets / "fr_specimens" / "payslip_fra" / "default_sample.jpg", settings=llm_settings)
    doctype = SchemaRegistry(llm_settings).get("payslip")
    rules = get_extraction_engine("rules", llm_settings).extract(document, doctype)
    asked = fields_to_ask(doctype, rules, llm_settings.hybrid_review_confidence)
    result = extract_document(document, doctype, "hybrid", llm_settings)
    assert result.data["employer_siret"] == "12345678901234"
    assert "Picard" in (result.data["employee_name"] or "")
    assert result.data["net_paid"] == 3868.32
    for name in doctype.fields:
        pointer = f"/{name}"
        if pointer in result.evidence:
            signals = result.evidence[pointer].signals
            assert signals["source"] in ("rules", "llm")
            assert signals["source"] == "rules" or name in asked  # the model only had a say on asked fields
    assert (result.llm_tokens or 0) > 0 if asked else not result.llm_tokens
