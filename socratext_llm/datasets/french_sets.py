"""The French real sets in ``../shared/datasets``: `invoices_fr` (invoices with their expected fields)
and `fr_specimens` (one folder per kind of document; the type each folder should be detected as)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings
from . import dataset_dir

# expected field of invoices_fr → field of the invoice schema
INVOICE_FIELDS = {"invoice_number": "invoice_number", "date": "invoice_date", "amount": "total_incl_vat",
                  "amount_untaxed": "total_excl_vat", "siren": "issuer_siren", "currency": "currency",
                  "issuer": "issuer_name"}
SPECIMEN_SUFFIXES = (".jpg", ".jpeg", ".png", ".pdf")

# what each fr_specimens folder holds, as a document type ('other': no schema fits: a cheque, a
# vehicle registration, a health card)
SPECIMEN_TYPES = {
    "bank_account_details": "rib", "bank_check": "other", "bank_statement_fr": "bank_statement",
    "carte_grise": "other", "carte_vitale": "other", "driver_license": "id_document",
    "energy_bill_fra": "proof_of_address", "eu_driver_license": "id_document", "expense_receipts": "receipt",
    "financial_document": "invoice", "french_healthcard": "other", "idcard_fr": "id_document",
    "international_id": "id_document", "invoices": "invoice", "passport": "id_document",
    "payslip_fra": "payslip", "proof_of_address": "proof_of_address",
}


@dataclass(frozen=True)
class LabelledInvoice:
    path: Path
    expected: dict  # invoice-schema field → expected value


def iter_invoices_fr(settings: Settings) -> Iterator[LabelledInvoice]:
    """The PDFs of invoices_fr with their expected fields renamed to the invoice schema's."""
    folder = dataset_dir(settings, "invoices_fr")
    for pdf in sorted(folder.glob("*.pdf")):
        expected_path = pdf.with_suffix(".json")
        if not expected_path.is_file():
            continue
        record = json.loads(expected_path.read_text(encoding="utf-8"))
        record = record[0] if isinstance(record, list) and record else record
        yield LabelledInvoice(pdf, {ours: record[theirs] for theirs, ours in INVOICE_FIELDS.items()
                                    if record.get(theirs) not in (None, "")})


def iter_specimens(settings: Settings) -> Iterator[tuple[Path, str]]:
    """Every specimen document with the type it should be detected as."""
    folder = dataset_dir(settings, "fr_specimens")
    for kind in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in sorted(kind.iterdir()):
            if path.suffix.lower() in SPECIMEN_SUFFIXES:
                yield path, SPECIMEN_TYPES.get(kind.name, "other")
