"""Invoices: the seller, the SIREN from French legal identifiers, a missing total (pure functions with
properties), and the real invoices_fr PDFs (datasets marker)."""
from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socratext_llm.datasets.synthetic_fr import luhn_completed
from socratext_llm.extract.validators import luhn_valid
from socratext_llm.french.invoice import (TextLine, complete_sum, legal_sirens, matches_domain, seller_name,
                                          siren_of_vat, vat_key)

sirens = st.integers(10_000_000, 99_999_999).map(lambda body: luhn_completed(str(body)))


def _spaced(siren: str) -> str:
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}"


@given(sirens)
def test_a_french_vat_number_holds_its_siren_behind_a_checked_key(siren):
    vat = f"FR{vat_key(siren):02d}{siren}"
    assert siren_of_vat(vat) == siren and siren_of_vat(f"FR {vat[2:4]} {_spaced(siren)}") == siren
    assert siren_of_vat(f"FR{(vat_key(siren) + 1) % 100:02d}{siren}") is None


@given(sirens, st.sampled_from(["Paris", "Lyon", "Nanterre"]), st.sampled_from(["A ", "B ", ""]),
       st.integers(1, 9999))
def test_every_legal_mention_gives_the_same_siren(siren, city, letter, establishment):
    siret = luhn_completed(f"{siren}{establishment:04d}")
    for text in (f"SAS au capital de 10 000 € - RCS {city} {letter}{_spaced(siren)}",
                 f"Free SAS - {letter}{_spaced(siren)} RCS {city}", f"SIREN : {siren}", f"Siret {siret}",
                 f"N° de TVA intracommunautaire : FR {vat_key(siren):02d} {_spaced(siren)}"):
        assert [found[0] for found in legal_sirens(text)] == [siren], text


@given(st.text(alphabet="0123456789 ", max_size=40))
def test_a_siren_found_is_always_luhn_valid(text):
    assert all(luhn_valid(siren) and len(siren) == 9 for siren, _, _ in legal_sirens(f"RCS Paris {text}"))


@given(st.lists(st.integers(0, 10**7), min_size=2, max_size=3), st.data())
def test_a_missing_member_of_a_sum_is_recovered(cents, data):
    parts = [c / 100 for c in cents]
    total = round(sum(parts), 2)
    values = parts + [total]
    missing = data.draw(st.integers(0, len(values) - 1))
    values[missing] = None
    assert complete_sum(values[:-1], values[-1]) == (missing, pytest.approx(round(sum(parts) if missing == len(parts)
                                                                                 else parts[missing], 2), abs=0.011))
    assert complete_sum(parts, total) is None  # nothing missing: nothing to compute


def test_domains_match_whole_names_not_fragments():
    assert matches_domain("Azure Interior", {"azureinterior"}) and matches_domain("QualityHosting AG", {"qualityhosting"})
    assert not matches_domain("Rooms", {"oyorooms"}) and not matches_domain("Free Service Abonné", {"free"})


def _lines(*rows: tuple[str, float, float]) -> list[TextLine]:
    return [TextLine(text, (x, y, x + 12 * len(text), y + 30)) for text, x, y in rows]


def test_the_seller_is_not_the_clients_block_nor_a_title():
    lines = _lines(("FACTURE", 100, 50), ("Facturé à :", 100, 150), ("Dupont Conseil SARL", 100, 185),
                   ("12 rue des Lilas", 100, 220), ("Total TTC 120,00 €", 100, 600),
                   ("Atelier Mistral", 100, 1500), ("SARL au capital de 5 000 € - RCS Lyon B 123 456 782", 100, 1540))
    choice = seller_name(lines, "Dupont Conseil SARL", lambda text: False)
    assert choice is not None and choice.name == "Atelier Mistral" and "legal mention" in choice.reason
    assert seller_name(lines, "Atelier Mistral", lambda text: False) is None  # already right: kept
    title_only = _lines(("PAYMENT RECEIPT", 100, 50), ("Guest Name: Sanjay", 100, 120))
    assert seller_name(title_only, "PAYMENT RECEIPT", lambda text: False).name is None  # a title is no name


@pytest.mark.datasets
def test_invoices_fr_seller_siren_and_totals(datasets, settings):
    """Real invoices: the seller from the footer's legal mention or the web domain, not the client at the
    top; the SIREN from an RCS mention, not from the VAT number's digits; HT as TTC − VAT where printed."""
    from socratext_llm.extract.pipeline import extract

    expected = {
        "NetpresseInvoice.pdf": {"issuer_name": "NETPRESSE", "issuer_siren": "530848134", "total_excl_vat": 46.68},
        "free_fiber.pdf": {"issuer_name": "Free", "issuer_siren": "421938861", "total_incl_vat": 29.99,
                           "total_excl_vat": 24.99},
        "AzureInterior.pdf": {"issuer_name": "Azure Interior"},
        "QualityHosting.pdf": {"issuer_name": "QualityHosting AG", "invoice_number": "30064443"},
        "AmazonWebServices.pdf": {"total_excl_vat": 4.11},
        "FlipkartInvoice.pdf": {"currency": "INR"},
    }
    for name, fields in expected.items():
        path = datasets / "invoices_fr" / name
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        gold = gold[0] if isinstance(gold, list) else gold
        result = extract(path, "invoice", engine="rules", settings=settings)
        assert {key: result.data[key] for key in fields} == fields, name
        if "issuer_siren" in fields:
            assert str(gold.get("siren", fields["issuer_siren"])).replace(" ", "") == fields["issuer_siren"]
            assert result.evidence["/issuer_siren"].source_text  # where it was read
    free = extract(datasets / "invoices_fr" / "free_fiber.pdf", "invoice", engine="rules", settings=settings)
    # the label 'RCS' was followed by the VAT number's digits: that reading is reported, not dropped silently
    assert any(c.field == "/issuer_siren" and "604219388" in c.message for c in free.checks)


def test_random_invoices_keep_their_printed_seller(settings, tmp_path):
    """The synthetic invoices print the seller first, with its SIREN below: nothing to override."""
    from socratext_llm.datasets.synthetic_fr import invoice
    from socratext_llm.french.invoice import _client_lines

    for seed in range(5):
        content, gold = invoice(random.Random(seed), seed % 3)
        lines = _lines(*[(text, 60, 40 + 30 * i) for i, text in enumerate(content.header)])
        assert not _client_lines(lines)
        choice = seller_name(lines, gold["issuer_name"], lambda text: False)
        assert choice is None, (gold["issuer_name"], choice)
        assert [s for s, _, _ in legal_sirens(content.header[-1])] == [gold["issuer_siren"]]


@pytest.mark.parametrize(("text", "code"), [("Rs", "INR"), ("Rs.", "INR"), ("₹", "INR"), ("€", "EUR"), ("usd", "USD")])
def test_rupees_are_inr(text, code):
    from socratext_llm.extract.normalize import normalize_currency
    assert normalize_currency(text) == code


def _evidence_on(page: int):
    from socratext_llm.document import BBox
    from socratext_llm.extract.result import Evidence
    return Evidence(page=page, bbox=BBox(x0=0, y0=0, x1=1, y1=1), source_text="x", confidence=0.99, engine="rules")


@given(st.lists(st.sampled_from(["A1", "B2", None]), min_size=1, max_size=8), st.data())
def test_values_read_on_another_documents_pages_fail_a_check(numbers, data):
    from socratext_llm.extract.checks import several_documents_checks

    by_page = dict(enumerate(numbers))
    kept = data.draw(st.sampled_from(["A1", "B2"]))
    evidence = {f"/f{page}": _evidence_on(page) for page in by_page}
    checks = several_documents_checks(by_page, evidence, kept, "invoice_number")
    printed = {number for number in numbers if number}
    if len(printed) < 2:
        assert checks == []
        return
    owner, owners = next(number for number in numbers if number), {}
    for page, number in by_page.items():
        owner = number or owner
        owners[page] = owner
    flagged = {check.field for check in checks if check.field}
    assert flagged == {f"/f{page}" for page, owner in owners.items() if owner != kept}
    assert any(check.field is None and not check.ok for check in checks)


@pytest.mark.datasets
def test_a_file_holding_two_invoices_shows_no_value_of_the_second_as_valid(datasets, settings):
    from socratext_llm.extract.confidence import value_problems
    from socratext_llm.extract.pipeline import ExtractOptions, read_and_extract

    _, result = read_and_extract(datasets / "fr_specimens" / "invoices" / "invoice.pdf",
                                 ExtractOptions(schema="invoice"), settings)
    assert result.status == "needs_review" and result.data["invoice_number"] == "0042004801351"
    problems = value_problems(result)
    on_second = [pointer for pointer, evidence in result.evidence.items() if evidence.page == 1]
    assert on_second and all("consistency" in problems[pointer] for pointer in on_second)


@pytest.mark.datasets
def test_several_documents_are_told_whichever_engine_read_the_values(datasets, settings):
    """The check belongs to the extraction pipeline, not to the rules engine: values an LLM engine cited on the
    second invoice's page of a two-invoice file fail it as the rules' do."""
    from socratext_llm.extract.base import FieldValues
    from socratext_llm.extract.pipeline import several_documents
    from socratext_llm.extract.schemas import SchemaRegistry
    from socratext_llm.pipeline import OcrOptions, ocr_document

    document = ocr_document(datasets / "fr_specimens" / "invoices" / "invoice.pdf", OcrOptions(), settings)
    doctype = SchemaRegistry(settings).get("invoice")
    cited = {"/invoice_number": _evidence_on(0).model_copy(update={"engine": "llm"}),
             "/total_incl_vat": _evidence_on(1).model_copy(update={"engine": "llm"})}
    checks = several_documents(document, doctype, FieldValues({"invoice_number": "0042004801351"}, cited), settings)
    assert any(check.field is None and "2 documents" in check.message for check in checks)
    assert [check.field for check in checks if check.field] == ["/total_incl_vat"]
