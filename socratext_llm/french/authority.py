"""Values read from an MRZ or a 2D-Doc override what OCR found printed, and are checked against it.

An MRZ holds check digits and a 2D-Doc a signature: both are stronger evidence than the OCR text of
the printed fields. An engine's result is given these values (evidence engine ``mrz`` or
``2d-doc``), and where the printed value the engine found disagrees, a failed consistency check
says so (the result then needs review). Only fields the document type has are filled, so a
schema that lacks one simply does not get it.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from ..document import BBox, Document, MachineReadable
from ..extract.normalize import normalize_amount, normalize_identifier
from ..extract.result import Check, Evidence
from .mrz import FORMATS, MrzData, parse_mrz
from .mrz_reader import read_mrz
from .twoddoc import INVALID, VERIFIED, VERIFIED_TEST, TwoDDoc, read_2ddoc

MRZ_ENGINE, TWODDOC_ENGINE = "mrz", "2d-doc"
MACHINE_READ = {MRZ_ENGINE, TWODDOC_ENGINE}

# schema field -> MrzData attribute
MRZ_FIELDS = {"id_document": {"surname": "surname", "given_names": "given_names", "birth_date": "birth_date",
                              "sex": "sex", "nationality": "nationality", "expiry_date": "expiry_date",
                              "document_number": "document_number", "issuing_state": "issuing_state"}}
# schema field -> 2D-Doc data identifiers, first present wins; '@issue_date' is the header's date,
# '@address' the postal address lines of the service point (proof of address)
TWODDOC_FIELDS = {
    "tax_notice": {"reference_tax_income": ("41",), "parts": ("43",), "declarant_1": ("46", "10"),
                   "declarant_2": ("48",), "fiscal_number_1": ("47", "40"), "fiscal_number_2": ("49",),
                   "notice_reference": ("44",), "tax_year": ("45",)},
    "payslip": {"employer_siret": ("50",), "gross_salary": ("5A",), "net_paid": ("5C",),
                "cumulative_taxable_net": ("59",), "period_start": ("53",), "period_end": ("54",)},
    "proof_of_address": {"holder": ("10", "13"), "address": ("@address",), "date": ("@issue_date",),
                         "amount": ("1D",)},
    "invoice": {"invoice_number": ("18",), "total_incl_vat": ("1D",), "invoice_date": ("@issue_date",)},
    "rib": {"iban": ("31",), "bic": ("32",), "holder": ("30",)},
    "id_document": {"surname": ("62", "6G"), "given_names": ("60", "61"), "birth_date": ("69",), "sex": ("68",),
                    "nationality": ("67",), "document_number": ("66",), "expiry_date": ("6O",)},
}
# a tax notice's 2D-Doc lists every declarant: a second declarant it lacks is not on the notice (a printed
# value there is another field read twice, e.g. the first declarant's fiscal number)
COMPLETE_IN_2DDOC = {"tax_notice": ("declarant_2", "fiscal_number_2")}
OWN_CHECK = {"document_number": "document number", "birth_date": "birth date", "expiry_date": "expiry date"}
ADDRESS_LINES = ("20", "21", "22", "23", "24", "25")
LOOK_ALIKES = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"}
CIVILITY = {"M", "MME", "MLLE", "MR", "MRS", "MAITRE", "ME"}


def _types(field: dict) -> set[str]:
    kind = field.get("type", "string")
    return set(kind if isinstance(kind, list) else [kind])


def _typed(value: str | None, field: dict) -> Any:
    """A machine-read text in the field's JSON type (numbers with a decimal comma, integers)."""
    if value in (None, ""):
        return None
    types = _types(field)
    if "integer" in types:
        return int(value) if value.isdigit() else None
    if "number" in types:
        return normalize_amount(value)
    return value[: field.get("maxLength", len(value))]


def _comparable(value: Any) -> str:
    """Upper case, no accents, letters and digits in order: 'Ospelt-Beck' ~ 'OSPELT BECK'."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().upper()
    return " ".join(re.findall(r"[A-Z0-9]+", text))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else normalize_amount(str(value))


def agree(machine: Any, printed: Any) -> bool:
    """The printed value says the same (names may be truncated in an MRZ, words in another order)."""
    if isinstance(machine, (int, float)) or isinstance(printed, (int, float)):
        left, right = _number(machine), _number(printed)
        return left is not None and right is not None and abs(left - right) < 0.005
    left, right = _comparable(machine), _comparable(printed)
    if normalize_identifier(left.replace(" ", "")) == normalize_identifier(right.replace(" ", "")):
        return True
    if re.search(r"\d", left + right):  # an identifier: OCR of the printed one confuses 0/O, 1/I, 8/B...
        fold = str.maketrans(LOOK_ALIKES)
        if left.replace(" ", "").translate(fold) == right.replace(" ", "").translate(fold):
            return True
    words_left, words_right = set(left.split()) - CIVILITY, set(right.split()) - CIVILITY
    return bool(words_left) and (words_left == words_right or right.replace(" ", "").startswith(left.replace(" ", "")))


def document_mrz(document: Document) -> tuple[MrzData, MachineReadable | None, int] | None:
    """The MRZ of a document: the one read on a page image (two readers), else from its text lines alone."""
    for page in document.pages:
        for code in page.codes:
            if code.kind == "mrz":
                data = parse_mrz(code.text.splitlines())
                if data is not None:
                    return data, code, page.index
    for page in document.pages:
        reading = read_mrz(None, [(line.text, (line.bbox.x0, line.bbox.y0, line.bbox.x1, line.bbox.y1))
                                  for line in page.lines], ("ocr",))
        if reading is not None:
            code = MachineReadable(kind="mrz", text="\n".join(reading.data.lines), bbox=_box(reading.box),
                                   line_boxes=[_box(row.box) for row in reading.rows], reader="ocr")
            return reading.data, code, page.index
    return None


def _box(box: tuple[float, float, float, float]) -> BBox:
    return BBox(x0=box[0], y0=box[1], x1=box[2], y1=box[3])


def _row_of(mrz: MrzData, attribute: str) -> int:
    """The MRZ line a field is printed on (names: the names field; issuing state: the first line)."""
    layout = next(layout for layout in FORMATS if layout.name == mrz.format)
    span = layout.fields.get(attribute) or layout.fields.get("names") or layout.fields.get(
        "given_names" if attribute == "given_names" else "surname")
    return span.line if span else 0


def mrz_field(document: Document) -> tuple[list[str], Evidence] | None:
    """The MRZ lines of a document and their evidence, for a schema field holding the zone itself."""
    found = document_mrz(document)
    if found is None:
        return None
    mrz, code, page = found
    return mrz.lines, Evidence(page=page, bbox=code.bbox, source_text=" ".join(mrz.lines),
                               confidence=1.0 if mrz.valid else 0.5, engine=MRZ_ENGINE,
                               signals=machine_signals(MRZ_ENGINE, mrz.valid))


def document_2ddocs(document: Document, certificates_dir: Path | None) -> list[tuple[TwoDDoc, MachineReadable, int]]:
    found = []
    for page in document.pages:
        for code in page.codes:
            parsed = read_2ddoc(code.text, certificates_dir) if code.kind == "2d-doc" else None
            if parsed is not None:
                found.append((parsed, code, page.index))
    return found


def _twoddoc_value(document: TwoDDoc, source: str) -> str | None:
    if source == "@issue_date":
        return document.header.issue_date.isoformat() if document.header.issue_date else None
    if source == "@address":
        parts = [document.get(identifier) for identifier in ADDRESS_LINES]
        return " ".join(part for part in parts if part) or None
    field = next((f for f in document.fields if f.identifier == source), None)
    if field is None:
        return None
    if field.as_date is not None:
        return field.as_date.isoformat()
    if "/" in field.value:  # 'M/IMPOSABLE/FRANCOIS': civility, surname, given names
        return " ".join(part for part in field.value.split("/")[1 if field.value.split("/")[0] in CIVILITY else 0:]
                        if part)
    return field.value


def machine_signals(engine: str, trusted: bool) -> dict[str, float | bool | str]:
    """Confidence signals of a machine-read value: authoritative when its check digits or signature hold,
    otherwise a value read by its form whose check failed (an MRZ) or could not be made (an unknown
    2D-Doc certificate)."""
    signals: dict[str, float | bool | str] = {"source": engine, "label_score": 1.0, "grounding": "exact",
                                              "ocr_confidence": 1.0}
    if trusted:
        signals["authoritative"] = "2ddoc" if engine == TWODDOC_ENGINE else "mrz"
    elif engine == MRZ_ENGINE:
        signals["validator"] = False
    return signals


class Authorities:
    """Applies machine-read values to one extraction's data, evidence and checks."""

    def __init__(self, data: dict, evidence: dict[str, Evidence], fields: dict[str, dict]):
        self.data, self.evidence, self.fields = data, evidence, fields
        self.checks: list[Check] = []

    def apply(self, name: str, value: Any, evidence: Evidence, source: str, cross_check: bool) -> None:
        field = self.fields[name]
        value = _typed(value, field) if isinstance(value, str) else value
        if value is None or ("enum" in field and value not in field["enum"]):
            return
        printed = self.data.get(name)
        if cross_check and printed not in (None, "", []):
            ok = agree(value, printed)
            self.checks.append(Check(kind="consistency", field=f"/{name}", ok=ok,
                                     message=f"{source} and printed value agree" if ok
                                     else f"{source} says {value!r}, printed {printed!r}: the {source} is kept"))
        elif printed not in (None, "", []) and not cross_check:
            return  # an MRZ that fails its check digits only fills what OCR did not find
        self.data[name] = value
        self.evidence[f"/{name}"] = evidence


def apply_machine_readable(document: Document, schema_name: str, fields: dict[str, dict], data: dict,
                           evidence: dict[str, Evidence], certificates_dir: Path | None = None) -> list[Check]:
    """Fill and cross-check ``data`` in place from the document's MRZ and 2D-Docs; returns the checks."""
    authorities = Authorities(data, evidence, fields)
    mapping = {name: attribute for name, attribute in MRZ_FIELDS.get(schema_name, {}).items() if name in fields}
    if mapping:
        found = document_mrz(document)
        if found is not None:
            mrz, code, page = found
            for name, attribute in mapping.items():
                # an MRZ whose check digits fail still vouches for a field whose own check digit holds
                own = OWN_CHECK.get(attribute)
                trusted = mrz.valid or (own is not None and f"{own} check digit" not in mrz.failed)
                row = _row_of(mrz, attribute)
                row_box = code.line_boxes[row] if row < len(code.line_boxes) else code.bbox
                authorities.apply(name, getattr(mrz, attribute), Evidence(
                    page=page, bbox=row_box, source_text=mrz.lines[row], confidence=1.0 if trusted else 0.5,
                    engine=MRZ_ENGINE, signals=machine_signals(MRZ_ENGINE, trusted)), "MRZ", cross_check=trusted)
    mapping_2d = {name: sources for name, sources in TWODDOC_FIELDS.get(schema_name, {}).items() if name in fields}
    for twoddoc, code, page in document_2ddocs(document, certificates_dir) if mapping_2d else []:
        verified = twoddoc.signature_status in (VERIFIED, VERIFIED_TEST)
        # a test certificate signs specimens, an invalid signature altered data: neither is a genuine document
        authorities.checks.append(Check(
            kind="domain", field=None, ok=twoddoc.signature_status not in (VERIFIED_TEST, INVALID),
            message=f"2D-Doc decoded ({twoddoc.header.document_type} {twoddoc.header.document_type_name}); "
                    f"signature: {twoddoc.signature_status}"))
        if twoddoc.signature_status == INVALID:
            continue  # altered (or misread) data vouches for nothing: the printed values stay
        for name, sources in mapping_2d.items():
            source, value = next(((s, v) for s, v in ((s, _twoddoc_value(twoddoc, s)) for s in sources) if v),
                                 (sources[0], None))
            if value is None and name in COMPLETE_IN_2DDOC.get(schema_name, ()) and data.get(name) not in (None, ""):
                authorities.checks.append(Check(kind="consistency", field=f"/{name}", ok=False, message=(
                    f"the 2D-Doc has no {name.replace('_', ' ')}; the printed reading {data[name]!r} is dropped")))
                data[name] = None
                evidence.pop(f"/{name}", None)
                continue
            authorities.apply(name, value, Evidence(page=page, bbox=code.bbox, source_text=f"2D-Doc {source}",
                                                    confidence=1.0 if verified else 0.9, engine=TWODDOC_ENGINE,
                                                    signals=machine_signals(TWODDOC_ENGINE, verified)),
                              "2D-Doc", cross_check=True)
    return authorities.checks
